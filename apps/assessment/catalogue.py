"""Assessment's view of a qualification's content: labels, the plan's units first."""

from __future__ import annotations

from collections.abc import Iterable

from apps.learners.models import Enrolment, PlannedUnit
from apps.qualifications.models import (
    AssessmentCriterion,
    EvidenceRequirement,
)
from apps.qualifications.selectors import UnitTree

from . import status as st


def criterion_label(c: AssessmentCriterion) -> str:
    return c.number or f"unnumbered criterion {c.position}"


def requirement_label(r: EvidenceRequirement) -> str:
    return r.number or f"“{r.text[:60]}”"


def criterion_infos(tree: UnitTree) -> list[st.CriterionInfo]:
    return [st.CriterionInfo(id=c.pk, unit_id=c.unit_id, label=criterion_label(c)) for c in tree.criteria]


def requirement_infos(tree: UnitTree) -> list[st.RequirementInfo]:
    return [st.RequirementInfo(id=r.pk, unit_id=r.unit_id, label=requirement_label(r)) for r in tree.requirements]


def planned_unit_ids(enrolment: Enrolment) -> list[int]:
    return list(PlannedUnit.objects.filter(enrolment=enrolment).values_list("unit_id", flat=True))


def planned_first(tree: list[UnitTree], planned: Iterable[int]) -> list[UnitTree]:
    planned = set(planned)
    return [u for u in tree if u.unit.pk in planned] + [u for u in tree if u.unit.pk not in planned]
