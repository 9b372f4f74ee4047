"""Building blocks for portfolio tests: an enrolment with people around it, files in storage."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.evidence.models import StoredFile
from apps.evidence.services import EvidenceContent
from apps.learners.models import Enrolment, Learner
from tests.factories import MembershipFactory, make_qualification


def enrolment_with_people(centre, *, number: str = "600/0000/1"):
    """A learner enrolled with an assigned assessor and IQA; returns (enrolment, learner, assessor, iqa)."""
    from apps.qualifications.models import Qualification

    qualification = Qualification.objects.filter(number=number, is_current=True).first() or make_qualification(number=number)
    learner = MembershipFactory(centre=centre, is_learner=True)
    assessor = MembershipFactory(centre=centre, is_assessor=True)
    iqa = MembershipFactory(centre=centre, is_iqa=True)
    record = Learner.objects.create(centre=centre, user=learner.user, full_name=learner.user.full_name, email=learner.user.email)
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification, start_date=timezone.localdate(),
        planned_end_date=timezone.localdate() + timedelta(days=365), iqa=iqa.user,
    )
    enrolment.assessors.add(assessor.user)
    return enrolment, learner, assessor, iqa


def stored_file(centre, user, content: bytes = b"%PDF-1.4 test", name: str = "notes.pdf",
                content_type: str = "application/pdf", kind: str = "document") -> StoredFile:
    key = default_storage.save(f"evidence/{centre.pk}/{uuid.uuid4().hex}", ContentFile(content))
    return StoredFile.objects.create(
        centre=centre, key=key, original_name=name, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        content_type=content_type, kind=kind, uploaded_by=user,
    )


def content(**overrides) -> EvidenceContent:
    values = dict(title="Handling a complaint call", evidence_date=date.today(), method="work_product",
                  context="real_work", text="I took the call and logged it.")
    values.update(overrides)
    return EvidenceContent(**values)
