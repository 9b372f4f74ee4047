"""Demo portfolios: real files made on the spot, some evidence submitted, some still drafts.

Idempotent: an enrolment that already has evidence is left alone. Files are stored outside
any surrounding transaction (as `storage.store` requires), one piece of evidence at a time.
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone

from apps.learners.models import Enrolment
from apps.qualifications.models import AssessmentCriterion

from .demo_files import demo_audio, demo_image, demo_pdf
from .models import Evidence
from .services import EvidenceContent, evidence_create, evidence_submit
from .storage import store

DEMO_LEARNERS = ("learner@demo.test", "learner2@demo.test", "learner@other.test")


def _criteria(enrolment: Enrolment, count: int, offset: int = 0) -> list[AssessmentCriterion]:
    """A few criteria from the first planned units, as a learner would suggest them."""
    unit_ids = list(enrolment.planned_units.order_by("unit__position").values_list("unit_id", flat=True)[:2])
    qs = AssessmentCriterion.objects.filter(unit_id__in=unit_ids).select_related("unit").order_by("unit__position", "outcome__position", "position")
    return list(qs[offset : offset + count])


def _file(enrolment: Enrolment, name: str, data: bytes):
    user = enrolment.learner.user
    return store(source=io.BytesIO(data), original_name=name, centre=enrolment.centre, uploaded_by=user)


def _portfolio(enrolment: Enrolment) -> None:
    learner = enrolment.learner
    user = learner.user
    today = timezone.localdate()
    photo = _file(enrolment, "workstation-photo.jpg", demo_image(f"{learner.full_name}: my workstation set-up"))
    submitted = evidence_create(
        enrolment=enrolment, actor=user,
        content=EvidenceContent(
            title="Setting up my workstation safely", evidence_date=today - timedelta(days=12),
            method="work_product", context="real_work",
            description="A photo of my desk after I adjusted the chair and screen, with the checklist I followed.",
            files=[photo], criteria=_criteria(enrolment, 2),
        ),
    )
    evidence_submit(evidence=submitted, actor=user, declared_name=learner.full_name, ip_address="127.0.0.1")

    letter = _file(enrolment, "complaint-follow-up.pdf", demo_pdf(
        "Follow-up to a customer complaint",
        ["Summary of the call, the customer's problem and what I agreed to do.",
         "The letter I sent afterwards, checked by my team leader."],
    ))
    memo = _file(enrolment, "voice-memo.wav", demo_audio())
    second = evidence_create(
        enrolment=enrolment, actor=user,
        content=EvidenceContent(
            title="Dealing with a complaint call", evidence_date=today - timedelta(days=5),
            method="work_product", context="real_work",
            description="My notes and follow-up letter, and a voice memo I recorded straight after the call.",
            files=[letter, memo], criteria=_criteria(enrolment, 2, offset=2),
        ),
    )
    evidence_submit(evidence=second, actor=user, declared_name=learner.full_name, ip_address="127.0.0.1")

    evidence_create(
        enrolment=enrolment, actor=user,
        content=EvidenceContent(
            title="Reflective account: a busy Monday", evidence_date=today - timedelta(days=1),
            method="reflective_account", context="real_work",
            text="On Monday the queue was long. I prioritised urgent calls, kept notes, and asked for help when a caller needed a specialist.",
            criteria=_criteria(enrolment, 1, offset=4),
        ),
    )


def seed_evidence() -> int:
    """Give each demo learner's enrolment a portfolio, once. Returns how many were made."""
    made = 0
    enrolments = Enrolment.objects.filter(learner__user__email__in=DEMO_LEARNERS).select_related("learner__user", "centre")
    for enrolment in enrolments:
        if not Evidence.objects.filter(enrolment=enrolment).exists():
            _portfolio(enrolment)
            made += 1
    return made
