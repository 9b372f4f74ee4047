"""Who may do what in certification. Views and services both ask here.

- Centre admins run claims: AO details, registration facts, batches, exports, outcomes and
  documents (issue, revoke, reissue).
- The lead IQA signs the pre-claim declaration of a batch.
- An EQA reads the claims and documents of the learners their open grants cover: the batches
  holding one of them (showing only those lines), those learners' documents, and a batch's files
  (claim file, keying sheet, declaration, documents ZIP) only when the grants cover every learner
  in it. They approve or query a batch without Direct Claims Status on the same condition.
- Learners see and download their own documents, and nothing else here.
- Anyone, without signing in, may check a document on its verification page by its code.

Outside a member's scope a record is a 404; in scope without the right to act, a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.access import has, has_any
from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.learners.access import external_enrolments, open_grants

from .models import ClaimBatch, ClaimLine, Document, DocumentRun

NOT_ADMIN = "Only the centre's admins run claims."
NOT_LEAD = "Only the lead internal quality assurer signs the pre-claim declaration."
NOT_EQA = "Only the centre's external quality assurer signs off a claim without Direct Claims Status."
NOT_READER = "Only the centre's admins, its lead internal quality assurer and its external quality assurer see its claims."
NOT_READY_READER = "Only the centre's admins and its lead internal quality assurer see who is ready to claim."


def may_manage(membership: Membership | None) -> bool:
    return has(membership, Cap.MANAGE_CENTRE)


def may_declare(membership: Membership | None) -> bool:
    return has(membership, Cap.LEAD_QUALITY_ASSURE)


def reads_whole_centre(membership: Membership | None) -> bool:
    """Admins and the lead IQA read every claim of the centre."""
    return has_any(membership, Cap.MANAGE_CENTRE, Cap.LEAD_QUALITY_ASSURE)


def is_scoped_eqa(membership: Membership | None) -> bool:
    """An external quality assurer, who reads only the learners their open grants cover."""
    return has(membership, Cap.EXTERNAL_QUALITY_ASSURE) and not reads_whole_centre(membership)


def may_read_claims(membership: Membership | None) -> bool:
    """Admins, the lead IQA, and an EQA while one of their grants is open."""
    if reads_whole_centre(membership):
        return True
    return is_scoped_eqa(membership) and open_grants(membership).exists()


def may_read_ready(membership: Membership | None) -> bool:
    """The ready-to-claim page lists every learner of the centre: admins and the lead IQA only."""
    return reads_whole_centre(membership)


def lines_in_scope(membership: Membership | None, batch: ClaimBatch) -> QuerySet[ClaimLine]:
    """The batch's lines the member reads: all of them, or an EQA's covered learners'."""
    lines = ClaimLine.objects.filter(batch=batch)
    if membership is None or reads_whole_centre(membership):
        return lines
    return lines.filter(enrolment__in=external_enrolments(membership))


def _uncovered(membership: Membership, batch: ClaimBatch) -> int:
    """How many of the batch's learners an EQA's open grants do not cover."""
    return ClaimLine.objects.filter(batch=batch).exclude(enrolment__in=external_enrolments(membership)).count()


def lines_outside_scope(membership: Membership | None, batch: ClaimBatch) -> int:
    """How many of the batch's learners the member does not see (none for admins and the lead IQA)."""
    if membership is None or reads_whole_centre(membership):
        return 0
    return _uncovered(membership, batch)


def may_read_whole_batch(membership: Membership | None, batch: ClaimBatch) -> bool:
    """The batch's files list every learner in it: for those who read the whole centre, or an EQA
    whose grants cover every line."""
    return reads_whole_centre(membership) or (is_scoped_eqa(membership) and lines_outside_scope(membership, batch) == 0)


def whole_batch_refusal(membership: Membership | None, batch: ClaimBatch) -> str | None:
    """Why the member may not have the batch's files, in words; None when they may."""
    if may_read_whole_batch(membership, batch):
        return None
    outside = lines_outside_scope(membership, batch)
    return (f"{outside} of this batch's learners {'is' if outside == 1 else 'are'} outside your access, and "
            "its files list every learner in it.")


def eqa_sign_off_refusal(membership: Membership | None, batch: ClaimBatch) -> str | None:
    """Why the member may not sign this batch off (or query it) as its EQA, in words; None when
    they may: an EQA whose open grants cover every learner in the batch."""
    if not has(membership, Cap.EXTERNAL_QUALITY_ASSURE):
        return NOT_EQA
    assert membership is not None
    if outside := _uncovered(membership, batch):
        return (f"{outside} of this batch's learners {'is' if outside == 1 else 'are'} outside your access: only an "
                "EQA whose access covers every learner in a batch signs it off or queries it.")
    return None


def may_sign_off_as_eqa(membership: Membership | None, batch: ClaimBatch) -> bool:
    return eqa_sign_off_refusal(membership, batch) is None


def manage_refusal(membership: Membership | None, batch: ClaimBatch | None = None) -> str | None:
    return None if may_manage(membership) else NOT_ADMIN


def declare_refusal(membership: Membership | None, batch: ClaimBatch | None = None) -> str | None:
    return None if may_declare(membership) else NOT_LEAD


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


def require_eqa(membership: Membership | None, batch: ClaimBatch) -> Membership:
    if (refusal := eqa_sign_off_refusal(membership, batch)) is not None:
        raise PermissionDenied(refusal)
    assert membership is not None
    return membership


def require_read_claims(membership: Membership | None) -> Membership:
    if not may_read_claims(membership):
        raise PermissionDenied(NOT_READER)
    assert membership is not None
    return membership


def require_read_ready(membership: Membership | None) -> Membership:
    if not may_read_ready(membership):
        raise PermissionDenied(NOT_READY_READER)
    assert membership is not None
    return membership


# --- reads scoped to the acting member --------------------------------------------------------


def batches_in_scope(membership: Membership | None) -> QuerySet[ClaimBatch]:
    """The centre's batches; for an EQA those holding at least one learner their grants cover."""
    if not may_read_claims(membership):
        return ClaimBatch.objects.none()
    assert membership is not None
    batches = ClaimBatch.objects.filter(centre_id=membership.centre_id)
    if reads_whole_centre(membership):
        return batches
    covered = ClaimLine.objects.filter(batch=OuterRef("pk"), enrolment__in=external_enrolments(membership))
    return batches.filter(Exists(covered))


def batch_get(membership: Membership | None, pk: int) -> ClaimBatch:
    return get_object_or_404(batches_in_scope(membership), pk=pk)


def runs_in_scope(membership: Membership | None) -> QuerySet[DocumentRun]:
    """Document runs (each with a ZIP of the batch's documents): for an EQA only those of batches
    whose every learner their grants cover."""
    runs = DocumentRun.objects.filter(batch__in=batches_in_scope(membership))
    if membership is None or reads_whole_centre(membership):
        return runs
    uncovered = ClaimLine.objects.filter(batch=OuterRef("batch_id")).exclude(enrolment__in=external_enrolments(membership))
    return runs.exclude(Exists(uncovered))


def documents_in_scope(membership: Membership | None) -> QuerySet[Document]:
    """Admins and the lead IQA see the centre's documents, an EQA those of the learners their
    grants cover; a learner sees their own, in every state (a revoked document stays listed with
    its reason)."""
    if membership is None:
        return Document.objects.none()
    if reads_whole_centre(membership):
        return Document.objects.filter(centre_id=membership.centre_id)
    if may_read_claims(membership):
        covered = Document.objects.filter(centre_id=membership.centre_id, line__enrolment__in=external_enrolments(membership))
        return covered | own_documents(membership)
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
