"""Reads of evidence and files, scoped through the enrolments the member may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.models import Membership
from apps.learners.selectors import enrolments_visible

from .models import Evidence, EvidenceFile, StoredFile


def evidence_visible(*, membership: Membership | None) -> QuerySet[Evidence]:
    return Evidence.objects.filter(enrolment__in=enrolments_visible(membership=membership))


def evidence_get(*, membership: Membership | None, pk: int) -> Evidence:
    return get_object_or_404(
        evidence_visible(membership=membership).select_related("current", "enrolment__learner"), pk=pk
    )


def files_visible(*, membership: Membership | None) -> QuerySet[StoredFile]:
    """Files of evidence the member may see, and files they uploaded themselves (not yet attached)."""
    if membership is None:
        return StoredFile.objects.none()
    attached = EvidenceFile.objects.filter(
        file=OuterRef("pk"), version__evidence__in=evidence_visible(membership=membership)
    )
    return StoredFile.objects.filter(centre_id=membership.centre_id).filter(
        Q(Exists(attached)) | Q(uploaded_by_id=membership.user_id)
    )


def file_get(*, membership: Membership | None, pk: int) -> StoredFile:
    return get_object_or_404(files_visible(membership=membership), pk=pk)
