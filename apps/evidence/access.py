"""Who may see and change evidence, its versions, files and exports.

Until it is submitted, evidence is the learner's alone: everyone else in scope of the
enrolment sees only evidence with a submitted version, and only its submitted versions and
their files. A learner changes their own evidence, never records their assessor or a
witness made. Outside the member's scope everything is a 404; in scope without the right,
a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.access import has, has_any, membership_for
from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.learners.access import assesses, enrolment_scope, enrolments_visible, is_learner_of, is_own_learner
from apps.learners.models import Enrolment

from .models import Evidence, EvidenceFile, EvidenceVersion, PortfolioExport, StoredFile

# --- scope ------------------------------------------------------------------------------------


def _own(membership: Membership) -> Q:
    """The member's own portfolio, drafts included."""
    if not has(membership, Cap.OWN_PORTFOLIO):
        return Q(pk__in=[])
    return Q(centre_id=membership.centre_id, enrolment__learner__user_id=membership.user_id)


def evidence_visible(*, membership: Membership | None) -> QuerySet[Evidence]:
    if membership is None:
        return Evidence.objects.none()
    shared = Q(shared_version__isnull=False, enrolment__in=Enrolment.objects.filter(enrolment_scope(membership)))
    return Evidence.objects.filter(_own(membership) | shared)


def evidence_get(*, membership: Membership | None, pk: int) -> Evidence:
    return get_object_or_404(
        evidence_visible(membership=membership).select_related(
            "current", "shared_version", "enrolment__learner", "enrolment__qualification", "enrolment__centre"
        ),
        pk=pk,
    )


def is_owner(membership: Membership | None, evidence: Evidence) -> bool:
    """The learner whose portfolio it is, working as a learner."""
    return is_own_learner(membership, evidence.enrolment)


def learners_own(evidence: Evidence) -> bool:
    """Records an assessor or witness made (observations, testimony) are not the learner's to change."""
    return is_learner_of(evidence.created_by_id, evidence.enrolment)


def may_change(membership: Membership | None, evidence: Evidence) -> bool:
    return is_owner(membership, evidence) and learners_own(evidence)


def evidence_get_for_changing(*, membership: Membership | None, pk: int) -> Evidence:
    evidence = evidence_get(membership=membership, pk=pk)
    require_may_change(membership, evidence)
    return evidence


def require_may_change(membership: Membership | None, evidence: Evidence) -> None:
    if not is_owner(membership, evidence):
        raise PermissionDenied("Only the learner changes their own portfolio.")
    if not learners_own(evidence):
        raise PermissionDenied("This record was made by your assessor or a witness; only they can change it.")


def require_changer(actor: Any, evidence: Evidence) -> None:
    """Services: the actor must be the learner whose evidence this is."""
    require_may_change(membership_for(actor, evidence.centre_id), evidence)


def require_portfolio_owner(actor: Any, enrolment: Enrolment) -> None:
    if not is_own_learner(membership_for(actor, enrolment.centre_id), enrolment):
        raise PermissionDenied("Only the learner changes their own portfolio.")


def may_assess(membership: Membership | None, enrolment: Enrolment) -> bool:
    """An assessor assigned to this learner, never the learner: the portfolio's pages lead them
    to assess its evidence (the assessment app's `may_assess`, the same rule)."""
    return assesses(membership, enrolment)


def owns_portfolio(membership: Membership | None, enrolment: Enrolment) -> bool:
    """The learner of this enrolment: they alone add and change its evidence."""
    return is_own_learner(membership, enrolment)


# --- versions and files -----------------------------------------------------------------------


def versions_shown(membership: Membership | None, evidence: Evidence) -> QuerySet[EvidenceVersion]:
    """Every version for its learner; the submitted ones for everyone else."""
    versions = EvidenceVersion.objects.filter(evidence=evidence)
    return versions if is_owner(membership, evidence) else versions.filter(submitted_at__isnull=False)


def version_shown(membership: Membership | None, evidence: Evidence) -> EvidenceVersion:
    """The version a member sees as the evidence: the current one for its learner, the latest
    submitted one for everyone else (a draft the learner is revising stays theirs)."""
    if is_owner(membership, evidence) or evidence.shared_version_id is None:
        return evidence.current
    return evidence.shared_version


def files_visible(*, membership: Membership | None) -> QuerySet[StoredFile]:
    """Files of versions the member may see, and files they uploaded themselves (not yet attached)."""
    if membership is None:
        return StoredFile.objects.none()
    own = Q(version__evidence__in=Evidence.objects.filter(_own(membership)))
    shared = Q(
        version__submitted_at__isnull=False,
        version__evidence__enrolment__in=Enrolment.objects.filter(enrolment_scope(membership)),
    )
    attached = EvidenceFile.objects.filter(own | shared, file=OuterRef("pk"))
    return StoredFile.objects.filter(centre_id=membership.centre_id).filter(
        Q(Exists(attached)) | Q(uploaded_by_id=membership.user_id)
    )


def file_get(*, membership: Membership | None, pk: int) -> StoredFile:
    return get_object_or_404(files_visible(membership=membership), pk=pk)


def may_discard(membership: Membership | None, stored: StoredFile) -> bool:
    """A file is removed (before it is part of any evidence) only by whoever uploaded it."""
    return membership is not None and stored.uploaded_by_id == membership.user_id


def file_get_for_discarding(*, membership: Membership | None, pk: int) -> StoredFile:
    stored = file_get(membership=membership, pk=pk)
    if not may_discard(membership, stored):
        raise PermissionDenied("Only the person who uploaded a file can remove it.")
    return stored


UPLOADERS = (Cap.OWN_PORTFOLIO, Cap.ASSESS, Cap.MANAGE_CENTRE)


def may_upload(membership: Membership | None) -> bool:
    """Learners for their evidence, assessors for their records, admins for imports."""
    return has_any(membership, *UPLOADERS)


# --- portfolio exports --------------------------------------------------------------------------


def may_export(membership: Membership | None, enrolment: Enrolment) -> bool:
    """The learner whose portfolio it is, or a centre admin."""
    if membership is None or membership.centre_id != enrolment.centre_id:
        return False
    return has(membership, Cap.MANAGE_CENTRE) or is_own_learner(membership, enrolment)


def require_exporter(actor: Any, enrolment: Enrolment) -> Membership:
    membership = membership_for(actor, enrolment.centre_id)
    if not may_export(membership, enrolment):
        raise PermissionDenied("Only the learner or a centre admin exports a portfolio.")
    return membership  # type: ignore[return-value]


def exports_visible(*, membership: Membership | None) -> QuerySet[PortfolioExport]:
    """Admins see the centre's exports; anyone else only those they asked for."""
    if membership is None:
        return PortfolioExport.objects.none()
    qs = PortfolioExport.objects.filter(enrolment__in=enrolments_visible(membership=membership))
    if has(membership, Cap.MANAGE_CENTRE):
        return qs
    return qs.filter(requested_by=membership.user)


def export_get(*, membership: Membership | None, pk: int) -> PortfolioExport:
    return get_object_or_404(exports_visible(membership=membership).select_related("enrolment__learner"), pk=pk)


def export_includes_drafts(export: PortfolioExport) -> bool:
    """Only the learner's own export carries their drafts."""
    return is_learner_of(export.requested_by_id, export.enrolment)
