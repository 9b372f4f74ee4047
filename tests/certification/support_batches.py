"""Claim batches made through the real services, for the batch, document and demo tests.

`submitted_batch(...)` is a batch submitted to the AO: learners ready to claim (through
support_ready), a DCS approval (or, with `dcs=False`, the EQA's sign-off), the lead IQA's
declaration, the admin's authorisation and the submission. The document and demo engineers
import it: keep its signature stable (add keyword arguments with defaults only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from apps.certification import batches
from apps.certification.models import ClaimBatch, ClaimOutcome, QualificationApproval
from apps.learners.models import Enrolment
from apps.qualifications.models import Qualification
from tests.certification.support_ready import ClaimStaff, claim_staff, ready_learner
from tests.iqa.support_samples import qualification as default_qualification

NAMES = ("Amira Shah", "Ben Okafor", "Cara Doyle", "Dev Patel", "Erin Walsh", "Femi Ade", "Gus Lund", "Hana Ito")


@dataclass
class Claim:
    """A batch and what it was made from."""

    staff: ClaimStaff
    qualification: Qualification
    batch: ClaimBatch
    enrolments: list[Enrolment] = field(default_factory=list)

    def refresh(self) -> ClaimBatch:
        self.batch.refresh_from_db()
        return self.batch


def approve(staff: ClaimStaff, qualification: Qualification, *, dcs: bool, code: str = "") -> QualificationApproval:
    """The centre's approval for the qualification, with or without Direct Claims Status."""
    approval, _ = QualificationApproval.objects.update_or_create(
        centre=staff.centre, qualification_number=qualification.number,
        defaults={"ao_course_code": code or f"P{qualification.number.replace('/', '')}", "has_dcs": dcs,
                  "dcs_since": timezone.localdate() if dcs else None, "updated_by": staff.admin},
    )
    return approval


def learners(staff: ClaimStaff, qualification: Qualification, *, count: int = 1,
             units: Sequence[str] = ("1", "2", "3"), names: Sequence[str] = NAMES, **options: Any) -> list[Enrolment]:
    """`count` learners ready to claim `units` (a full claim of the test qualification by default);
    the staff's EQA covers them."""
    staff.cover(qualification)
    return [
        ready_learner(staff.centre, qualification=qualification, units=units, admin=staff.admin,
                      assessor=staff.assessor, iqa=staff.iqa, name=names[i % len(names)] + ("" if i < len(names) else f" {i}"),
                      **options)
        for i in range(count)
    ]


def draft_batch(*, staff: ClaimStaff | None = None, qualification: Qualification | None = None, count: int = 1,
                units: Sequence[str] = ("1", "2", "3"), dcs: bool = True, **options: Any) -> Claim:
    """A draft batch of `count` ready learners, made by the centre's admin."""
    staff = staff or claim_staff()
    qualification = qualification or default_qualification()
    approve(staff, qualification, dcs=dcs)
    enrolments = learners(staff, qualification, count=count, units=units, **options)
    batch = batches.batch_create(actor=staff.admin, centre_id=staff.centre.pk, enrolment_ids=[e.pk for e in enrolments])
    return Claim(staff=staff, qualification=qualification, batch=batch, enrolments=enrolments)


def ready_batch(*, dcs: bool = True, **options: Any) -> Claim:
    """A batch declared by the lead IQA, authorised by the admin and (without DCS) signed off by
    the EQA: ready to submit."""
    claim = draft_batch(dcs=dcs, **options)
    staff = claim.staff
    batches.batch_declare(actor=staff.lead, batch=claim.batch, signed_name=staff.lead.full_name)
    batches.batch_authorise(actor=staff.admin, batch=claim.batch, signed_name=staff.admin.full_name)
    if not dcs:
        batches.batch_eqa_approve(actor=staff.eqa, batch=claim.batch, signed_name=staff.eqa.full_name)
    claim.refresh()
    return claim


def submitted_batch(*, staff: ClaimStaff | None = None, qualification: Qualification | None = None, count: int = 1,
                    units: Sequence[str] = ("1", "2", "3"), dcs: bool = True, certificated: bool = False,
                    ao_reference: str = "", **options: Any) -> Claim:
    """A batch submitted to the AO (its claim file stored, the batch frozen); with
    `certificated`, the AO's certificate number and date recorded for every learner."""
    claim = ready_batch(staff=staff, qualification=qualification, count=count, units=units, dcs=dcs, **options)
    batches.batch_submit(actor=claim.staff.admin, batch=claim.batch, ao_reference=ao_reference)
    claim.refresh()
    if certificated:
        for number, line in enumerate(claim.batch.lines.order_by("id"), start=1):
            batches.outcome_record(actor=claim.staff.admin, line=line, status=ClaimOutcome.Status.CERTIFICATED,
                                   certificate_number=f"AO-{claim.batch.pk}-{number:05d}",
                                   certificate_date=timezone.localdate())
    return claim
