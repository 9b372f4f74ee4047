"""Who may do what in certification. Views and services both ask here.

- Centre admins run claims: AO details, registration facts, batches, exports, outcomes and
  documents (issue, revoke, reissue).
- The lead IQA signs the pre-claim declaration of a batch.
- The centre's EQA reads its claims and documents, and approves or queries the batches of
  qualifications the centre holds no Direct Claims Status for.
- Learners see and download their own documents, and nothing else here.
- Anyone, without signing in, may check a document on its verification page by its code.

Outside a member's scope a record is a 404; in scope without the right to act, a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.access import has, has_any
from apps.centres.models import Membership
from apps.centres.roles import Cap

from .models import ClaimBatch, Document, DocumentRun

NOT_ADMIN = "Only the centre's admins run claims."
NOT_LEAD = "Only the lead internal quality assurer signs the pre-claim declaration."
NOT_EQA = "Only the centre's external quality assurer signs off a claim without Direct Claims Status."
NOT_READER = "Only the centre's admins, its lead internal quality assurer and its external quality assurer see its claims."


def may_manage(membership: Membership | None) -> bool:
    return has(membership, Cap.MANAGE_CENTRE)


def may_declare(membership: Membership | None) -> bool:
    return has(membership, Cap.LEAD_QUALITY_ASSURE)


def may_sign_off_as_eqa(membership: Membership | None) -> bool:
    return has(membership, Cap.EXTERNAL_QUALITY_ASSURE)


def may_read_claims(membership: Membership | None) -> bool:
    return has_any(membership, Cap.MANAGE_CENTRE, Cap.LEAD_QUALITY_ASSURE, Cap.EXTERNAL_QUALITY_ASSURE)


def may_see_own_documents(membership: Membership | None) -> bool:
    return has(membership, Cap.OWN_PORTFOLIO)


def require_manage(membership: Membership | None) -> Membership:
    if not may_manage(membership):
        raise PermissionDenied(NOT_ADMIN)
    assert membership is not None
    return membership


def require_declare(membership: Membership | None) -> Membership:
    if not may_declare(membership):
        raise PermissionDenied(NOT_LEAD)
    assert membership is not None
    return membership


def require_eqa(membership: Membership | None) -> Membership:
    if not may_sign_off_as_eqa(membership):
        raise PermissionDenied(NOT_EQA)
    assert membership is not None
    return membership


def require_read_claims(membership: Membership | None) -> Membership:
    if not may_read_claims(membership):
        raise PermissionDenied(NOT_READER)
    assert membership is not None
    return membership


# --- reads scoped to the acting member --------------------------------------------------------


def batches_in_scope(membership: Membership | None) -> QuerySet[ClaimBatch]:
    if not may_read_claims(membership):
        return ClaimBatch.objects.none()
    assert membership is not None
    return ClaimBatch.objects.filter(centre_id=membership.centre_id)


def batch_get(membership: Membership | None, pk: int) -> ClaimBatch:
    return get_object_or_404(batches_in_scope(membership), pk=pk)


def runs_in_scope(membership: Membership | None) -> QuerySet[DocumentRun]:
    return DocumentRun.objects.filter(batch__in=batches_in_scope(membership))


def documents_in_scope(membership: Membership | None) -> QuerySet[Document]:
    """Claim readers see the centre's documents; a learner sees their own, in every state
    (a revoked document stays listed with its reason)."""
    if membership is None:
        return Document.objects.none()
    if may_read_claims(membership):
        return Document.objects.filter(centre_id=membership.centre_id)
    return own_documents(membership)


def own_documents(membership: Membership | None) -> QuerySet[Document]:
    """The documents issued to the member as a learner (My documents), whatever other roles they hold."""
    if not may_see_own_documents(membership):
        return Document.objects.none()
    assert membership is not None
    return Document.objects.filter(centre_id=membership.centre_id, line__enrolment__learner__user_id=membership.user_id)


def document_get(membership: Membership | None, pk: int) -> Document:
    return get_object_or_404(documents_in_scope(membership), pk=pk)


def document_by_code(code: str) -> Document:
    """The public verification page: the unguessable code is the only key; no login."""
    return get_object_or_404(Document.objects.select_related("centre"), public_code=code)
