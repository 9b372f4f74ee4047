"""Builders of the visit tests (requests, outcomes, actions, claim sign-off), on the world of
tests/eqa/support.py: learners whose units are signed off (complete), outcomes with actions, and
claim batches waiting for the EQA."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.certification import batches
from apps.certification.models import ClaimBatch, QualificationApproval
from apps.eqa import visits
from apps.eqa.models import CentreAction, VisitOutcome
from apps.learners.models import Enrolment
from tests.certification.support_ready import ready_learner
from tests.eqa.support import EqaWorld

FULL = ("1", "2", "3")  # 10 credits of the test qualification: achieved


def learner_with_units(world: EqaWorld, name: str, *, units: Sequence[str] = FULL, qualification: Any = None,
                       assessor: Any = None) -> Enrolment:
    """A learner of the world's centre with `units` signed off, acknowledged and cleared by the IQA
    (all of FULL: the qualification is achieved, so the learner is complete)."""
    return ready_learner(world.centre, qualification=qualification or world.ncfe, units=units,
                         admin=world.admin.user, assessor=assessor or world.assessor.user, iqa=world.iqa.user,
                         name=name)


def today() -> date:
    return timezone.localdate()


def outcome_facts(world: EqaWorld, **changes: Any) -> visits.OutcomeFacts:
    values: dict[str, Any] = dict(
        qualification_id=world.ncfe.pk, kind=VisitOutcome.Kind.VISIT, visited_on=today() - timedelta(days=1),
        result=VisitOutcome.Result.ACTIONS, dcs=VisitOutcome.DCS.NOT_DECIDED, report="Sampling is sound.",
        signed_name=world.eqa.user.full_name,
        actions=(visits.ActionDraft(row=0, text="Add standardisation minutes for unit 2.",
                                    due_on=today() + timedelta(days=30)),),
    )
    return visits.OutcomeFacts(**(values | changes))


def outcome(world: EqaWorld, **changes: Any) -> VisitOutcome:
    """An outcome for the NCFE qualification with one action, recorded through the service."""
    return visits.outcome_record(actor=world.eqa.user, grant=world.grant, facts=outcome_facts(world, **changes))


def action_of(world: EqaWorld, **changes: Any) -> CentreAction:
    return outcome(world, **changes).actions.get()


def approval(world: EqaWorld, *, dcs: bool, qualification: Any = None) -> QualificationApproval:
    qualification = qualification or world.ncfe
    row, _ = QualificationApproval.objects.update_or_create(
        centre=world.centre, qualification_number=qualification.number,
        defaults={"has_dcs": dcs, "dcs_since": today() - timedelta(days=400) if dcs else None,
                  "updated_by": world.admin.user})
    return row


def declared_batch(world: EqaWorld, enrolments: Sequence[Enrolment]) -> ClaimBatch:
    """A batch of these (claimable) learners declared by the lead IQA: the admin authorises next."""
    batch = batches.batch_create(actor=world.admin.user, centre_id=world.centre.pk,
                                 enrolment_ids=[e.pk for e in enrolments])
    return batches.batch_declare(actor=world.lead.user, batch=batch, signed_name=world.lead.user.full_name)


def authorise(world: EqaWorld, batch: ClaimBatch) -> ClaimBatch:
    return batches.batch_authorise(actor=world.admin.user, batch=batch, signed_name=world.admin.user.full_name)


def waiting_batch(world: EqaWorld, enrolments: Sequence[Enrolment]) -> ClaimBatch:
    """A batch awaiting the EQA's sign-off (the centre holds no DCS for the NCFE qualification)."""
    approval(world, dcs=False)
    batch = authorise(world, declared_batch(world, enrolments))
    assert batch.status == ClaimBatch.Status.AWAITING_EQA
    return batch
