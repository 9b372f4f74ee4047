"""Demo assessment records: one observation the learner has confirmed and one witness testimony
answered, so the assessor and learner find real records on first login.

Called by the lead's seed_demo after the demo evidence. Idempotent: an enrolment that already
has an observation or a witness request keeps what it has.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.learners.models import Enrolment
from apps.qualifications.models import AssessmentCriterion

from .models import Observation, WitnessRequest
from .services import (
    RecordBasics,
    Signature,
    Witness,
    _witness_request_new,
    observation_confirm,
    observation_create,
    witness_request_answer,
)

DEMO_IP = "192.0.2.10"  # documentation range: plainly not a real address


def _criteria(enrolment: Enrolment, count: int, skip: int = 0) -> list[AssessmentCriterion]:
    return list(
        AssessmentCriterion.objects.filter(unit__qualification=enrolment.qualification_id)
        .select_related("unit")
        .order_by("unit__position", "outcome__position", "position")[skip : skip + count]
    )


@transaction.atomic
def seed_records(*, enrolment: Enrolment, assessor) -> list[str]:
    """Add the demo records to this enrolment (its assessor must be assigned); returns what was added."""
    added = []
    learner = enrolment.learner
    today = timezone.localdate()
    if not Observation.objects.filter(enrolment=enrolment).exists():
        observation = observation_create(
            enrolment=enrolment, assessor=assessor,
            basics=RecordBasics(on=today - timedelta(days=3), context="real_work", criteria=_criteria(enrolment, 3)),
            place="Contact centre floor, team 2",
            activity="Handling an inbound complaint call",
            account=(
                f"{learner.full_name} answered within three rings, confirmed the caller's identity, listened "
                "without interrupting, summarised the complaint back to the caller, logged it in the CRM and "
                "agreed a call-back time, which they kept."
            ),
            signature=Signature(name=assessor.full_name, ip_address=DEMO_IP),
        )
        if learner.user is not None:
            observation_confirm(
                observation=observation, learner_user=learner.user,
                signature=Signature(name=learner.full_name, ip_address=DEMO_IP),
            )
        added.append("observation")
    if not WitnessRequest.objects.filter(enrolment=enrolment).exists():
        witness_request, token = _witness_request_new(
            enrolment=enrolment, assessor=assessor,
            witness=Witness(name="Priya Shah", email="priya.shah@example.com", job_title="Team leader",
                            relationship="Line manager"),
            activity="How they handled customer complaints on the evening shift last month.",
            basics=RecordBasics(on=today, context="real_work", criteria=_criteria(enrolment, 2, skip=3)),
        )
        # Answered at once: the demo witness never needs the email.
        witness_request_answer(
            witness_request=witness_request, token=token, job_title="Team leader",
            account=(
                f"I supervise {learner.full_name} on the evening shift. Over the month I listened in to several "
                "complaint calls: they stayed calm, explained what would happen next and always logged the call."
            ),
            signature=Signature(name="Priya Shah", ip_address=DEMO_IP),
        )
        added.append("witness testimony")
    return added
