"""The centre's sampling strategy: versioned, per centre and optionally per qualification.

draft → approved (by the lead IQA, signed with their name) → superseded when a newer version is
approved. An approved strategy never changes: an edit starts a new draft copied from it. A centre
with no strategy yet starts from rules.TEMPLATE, marked as a centre convention.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.models import Centre
from apps.core.signatures import signature_or_problem
from apps.qualifications.models import Qualification

from . import access, rules
from .models import SamplingStrategy

Status = SamplingStrategy.Status
NOT_DRAFT = "An approved strategy never changes: start a new draft from it instead."


def approved_strategies(centre_ids: Iterable[int]) -> dict[tuple[int, int | None], SamplingStrategy]:
    """Every approved strategy of these centres, keyed (centre, qualification; None for the
    centre's default), in one query: plans and the claim gate need many qualifications at once."""
    return {
        (s.centre_id, s.qualification_id): s
        for s in SamplingStrategy.objects.filter(centre_id__in=list(centre_ids), status=Status.APPROVED)
    }


def strategies_in_force(centre_id: int) -> dict[int | None, SamplingStrategy]:
    """One centre's approved strategies by qualification (None: the default)."""
    return {qualification: s for (_, qualification), s in approved_strategies([centre_id]).items()}


def strategy_in_force(centre_id: int, qualification_id: int | None) -> SamplingStrategy | None:
    """The approved strategy for the qualification, else the centre's default one (one query)."""
    approved = SamplingStrategy.objects.filter(centre_id=centre_id, status=Status.APPROVED)
    if qualification_id is None:
        return approved.filter(qualification__isnull=True).first()
    # The qualification's own first, then the default.
    return (approved.filter(Q(qualification_id=qualification_id) | Q(qualification__isnull=True))
            .order_by(F("qualification_id").asc(nulls_last=True)).first())


def _scope(centre_id: int, qualification_id: int | None) -> Q:
    return Q(centre_id=centre_id) & (Q(qualification__isnull=True) if qualification_id is None
                                     else Q(qualification_id=qualification_id))


@transaction.atomic
def strategy_draft(*, actor: Any, centre_id: int, qualification_id: int | None = None) -> SamplingStrategy:
    """A draft to edit: the one already open for this qualification (or the centre default), else
    a new version copied from the strategy in force, else from the template."""
    access.require_strategy_drafter(actor, centre_id)
    if qualification_id is not None and not Qualification.objects.filter(pk=qualification_id).exists():
        raise ValidationError("Choose a qualification from the list.")
    scope = _scope(centre_id, qualification_id)
    # Versions are numbered per centre and qualification: lock the centre while numbering (there
    # may be no version yet to lock).
    Centre.objects.select_for_update().filter(pk=centre_id).first()
    existing = list(SamplingStrategy.objects.select_for_update().filter(scope).order_by("-version"))
    draft = next((s for s in existing if s.status == Status.DRAFT), None)
    if draft is not None:
        return draft
    base = strategy_in_force(centre_id, qualification_id)
    if base is None and existing:
        base = existing[0]
    version = (existing[0].version if existing else 0) + 1
    strategy = SamplingStrategy.objects.create(
        centre_id=centre_id, qualification_id=qualification_id, version=version, status=Status.DRAFT,
        rules=copy.deepcopy(base.rules if base else rules.TEMPLATE),
        rationale=base.rationale if base else "",
        from_template=base.from_template if base else True, created_by=actor,
    )
    audit_record(action="iqa.strategy_drafted", actor=actor, centre=strategy.centre, obj=strategy,
                 payload={"version": version, "qualification": qualification_id,
                          "copied_from": base.version if base else "template"})
    return strategy


@transaction.atomic
def strategy_update(*, actor: Any, strategy: SamplingStrategy, new_rules: dict[str, Any],
                    rationale: str) -> SamplingStrategy:
    """Change a draft's rules and rationale. Unsound rules are refused with every problem in words."""
    strategy = SamplingStrategy.objects.select_for_update().get(pk=strategy.pk)
    access.require_strategy_drafter(actor, strategy.centre_id)
    if strategy.status != Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    problems = rules.errors(new_rules)
    if problems:
        raise ValidationError(problems)
    changes = {key: [strategy.rules.get(key), value] for key, value in new_rules.items()
               if strategy.rules.get(key) != value}
    if strategy.rationale != rationale.strip():
        changes["rationale"] = [strategy.rationale, rationale.strip()]
    if not changes:
        return strategy
    strategy.rules = copy.deepcopy(new_rules)
    strategy.rationale = rationale.strip()
    strategy.save(update_fields=["rules", "rationale"])
    audit_record(action="iqa.strategy_changed", actor=actor, centre=strategy.centre, obj=strategy,
                 payload={"version": strategy.version, "changes": changes})
    return strategy


@transaction.atomic
def strategy_approve(*, actor: Any, strategy: SamplingStrategy, signed_name: str) -> SamplingStrategy:
    """The lead IQA approves a draft, signing with their name; the version it replaces is superseded."""
    strategy = SamplingStrategy.objects.select_for_update().get(pk=strategy.pk)
    access.require_strategy_approver(actor, strategy.centre_id)
    problems = []
    if strategy.status != Status.DRAFT:
        problems.append(f"Version {strategy.version} is {strategy.get_status_display().lower()}: "
                        "only a draft is approved.")
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    problems.extend(rules.errors(strategy.rules))
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    for old in SamplingStrategy.objects.select_for_update().filter(
            _scope(strategy.centre_id, strategy.qualification_id), status=Status.APPROVED):
        old.status, old.superseded_at = Status.SUPERSEDED, now
        old.save(update_fields=["status", "superseded_at"])
        audit_record(action="iqa.strategy_superseded", actor=actor, centre=old.centre, obj=old,
                     payload={"version": old.version, "by_version": strategy.version})
    strategy.status, strategy.approved_by, strategy.approved_name, strategy.approved_at = (
        Status.APPROVED, actor, signed_name, now)
    strategy.save(update_fields=["status", "approved_by", "approved_name", "approved_at"])
    audit_record(action="iqa.strategy_approved", actor=actor, centre=strategy.centre, obj=strategy,
                 payload={"version": strategy.version, "signed_name": signed_name,
                          "qualification": strategy.qualification_id})
    return strategy


# --- reads for the pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class StrategyGroup:
    """One qualification's strategies (or the centre default's): the one in force, a draft, history."""

    qualification: Any  # None for the centre default
    in_force: SamplingStrategy | None
    draft: SamplingStrategy | None
    history: list[SamplingStrategy]


def strategy_groups(membership: Any) -> list[StrategyGroup]:
    """The strategies this member may read, grouped: the centre default first (one query)."""
    by_qualification: dict[int | None, list[SamplingStrategy]] = {None: []}
    for strategy in access.strategies_visible(membership).select_related("qualification", "approved_by") \
            .order_by("qualification__number", "-version"):
        by_qualification.setdefault(strategy.qualification_id, []).append(strategy)
    groups = []
    for strategies in by_qualification.values():
        groups.append(StrategyGroup(
            qualification=strategies[0].qualification if strategies else None,
            in_force=next((s for s in strategies if s.status == Status.APPROVED), None),
            draft=next((s for s in strategies if s.status == Status.DRAFT), None),
            history=[s for s in strategies if s.status == Status.SUPERSEDED],
        ))
    return groups

