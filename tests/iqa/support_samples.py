"""Builders the sampling tests (and the IQA browser journey) share: a learner with a unit signed
off by their assessor, an IQA allocated to that assessor, and the sample page's post."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.assessment.services import unit_sign_off
from apps.centres.models import IQAAllocation
from apps.evidence.demo_files import demo_image
from apps.evidence.storage import store
from apps.iqa import checks
from apps.iqa.sampling import ActionDraft, SampleEntry
from apps.learners.models import Enrolment, Learner
from apps.qualifications.models import Qualification, Unit
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.factories import CentreFactory, MembershipFactory, make_qualification

QUALIFICATION = "600/0000/1"


def qualification(number: str = QUALIFICATION) -> Qualification:
    return Qualification.objects.filter(number=number).first() or make_qualification(number=number)


@dataclass
class SignedOffUnit:
    centre: Any
    learner: Any  # users
    assessor: Any
    iqa: Any
    lead: Any
    enrolment: Enrolment
    unit: Unit
    evidence: Any
    sign_off: Any

    @property
    def decisions(self) -> list:
        return list(self.enrolment.decisions.filter(criterion__unit=self.unit).order_by("id"))


def signed_off_unit(*, centre: Any = None, names: dict | None = None) -> SignedOffUnit:
    """A learner whose unit 1 is assessed (both criteria met from one piece of evidence) and
    signed off by their assessor; an IQA allocated to that assessor; a lead IQA."""
    names = {"learner": "Lena Learner", "assessor": "Asha Assessor", "iqa": "Ira Quality", "lead": "Lee Lead"} | (
        names or {})
    centre = centre or CentreFactory()
    learner = MembershipFactory(centre=centre, is_learner=True, user__full_name=names["learner"]).user
    assessor = MembershipFactory(centre=centre, is_assessor=True, user__full_name=names["assessor"]).user
    iqa = MembershipFactory(centre=centre, is_iqa=True, user__full_name=names["iqa"]).user
    lead = MembershipFactory(centre=centre, is_iqa=True, is_lead_iqa=True, user__full_name=names["lead"]).user
    record = Learner.objects.create(centre=centre, user=learner, full_name=learner.full_name, email=learner.email)
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification(), start_date=timezone.localdate(),
        planned_end_date=timezone.localdate() + timedelta(days=365),
    )
    enrolment.assessors.add(assessor)
    IQAAllocation.objects.create(centre=centre, iqa=iqa, assessor=assessor, allocated_by=lead)
    criteria = unit_criteria(enrolment, "1")
    photo = store(source=io.BytesIO(demo_image("Till")), original_name="till.jpg", centre=centre, uploaded_by=learner)
    evidence = submitted(enrolment, learner, title="Handling a complaint call", criteria=criteria, files=[photo])
    accept(evidence, assessor, met=criteria)
    unit = criteria[0].unit
    sign_off = unit_sign_off(enrolment=enrolment, unit=unit, actor=assessor, signed_name=assessor.full_name,
                             ip_address=None)
    return SignedOffUnit(centre=centre, learner=learner, assessor=assessor, iqa=iqa, lead=lead, enrolment=enrolment,
                         unit=unit, evidence=evidence, sign_off=sign_off)


def answered(answer: str = checks.YES, **overrides: tuple[str, str]) -> tuple[dict, dict]:
    """Every VARCS and process check answered (the countersignature one "not applicable")."""
    varcs = {c.key: {"answer": answer, "comment": ""} for c in checks.VARCS}
    process = {c.key: {"answer": checks.NA if c.trainee_only else answer, "comment": ""} for c in checks.PROCESS}
    for key, (value, comment) in overrides.items():
        target = varcs if key in varcs else process
        target[key] = {"answer": value, "comment": comment}
    return varcs, process


def entry(sample, *, outcome: str = checks.AGREE, feedback: str = "", actions=(), decisions=None, **overrides) -> SampleEntry:
    varcs, process = answered(**overrides)
    ids = decisions if decisions is not None else [d["id"] for d in sample.snapshot["decisions"]]
    return SampleEntry(decision_ids=list(ids), varcs=varcs, process=process, outcome=outcome, feedback=feedback,
                       actions=[ActionDraft(text, due) for text, due in actions])


def in_a_week():
    return timezone.localdate() + timedelta(days=7)


def page_post(sample, *, outcome: str = checks.AGREE, feedback: str = "", signed_name: str = "",
              actions=(), decisions=None, answer: str = checks.YES) -> dict:
    """The sample page's form, as a browser sends it."""
    data: dict = {"outcome": outcome, "feedback": feedback, "signed_name": signed_name,
                  "decisions": [str(d["id"]) for d in sample.snapshot["decisions"]] if decisions is None
                  else [str(pk) for pk in decisions]}
    varcs, process = answered(answer)
    for group, answers in (("varcs", varcs), ("process", process)):
        for key, value in answers.items():
            data[f"{group}-{key}-answer"] = value["answer"]
            data[f"{group}-{key}-comment"] = value["comment"]
    for n, (text, due) in enumerate(actions):
        data[f"action-{n}-text"] = text
        data[f"action-{n}-due"] = due.isoformat()
    return data
