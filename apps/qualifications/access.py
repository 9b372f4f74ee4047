"""Who may read the catalogue and do what with specification imports, decided here and
nowhere else.

The qualification catalogue is shared by every centre, so changing it is platform staff's
job. A centre admin may upload a specification, read its preview and ask platform staff to
apply it; platform staff read every import and apply or discard it. An import outside the
actor's scope (another centre's, the platform's own for a centre admin, any import for someone
who deals with none) is a 404; an import in scope that the actor may not act on is a 403.

Views call the getters; the services call them again with their actor, so a call that
skips the view is refused the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse

from apps.accounts.access import is_platform_staff
from apps.centres.access import has
from apps.centres.roles import Cap

from .models import SpecImport


def _manages_a_centre(membership: Any) -> bool:
    return has(membership, Cap.MANAGE_CENTRE)


def _manages_centre_of(membership: Any, spec_import: SpecImport) -> bool:
    return (
        spec_import.centre_id is not None
        and _manages_a_centre(membership)
        and membership.centre_id == spec_import.centre_id
    )


# --- the catalogue ---------------------------------------------------------------------


def can_read_catalogue(*, user: Any, membership: Any) -> bool:
    """Staff of any centre whose role includes the catalogue, and platform staff who keep it."""
    return is_platform_staff(user) or has(membership, Cap.VIEW_CATALOGUE)


def catalogue_reader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_read_catalogue(user=request.user, membership=request.membership):
            raise PermissionDenied("Your role in this centre does not allow this.")
        return view(request, *args, **kwargs)

    return wrapped


# --- specification imports -------------------------------------------------------------


def can_upload_spec(*, user: Any, membership: Any) -> bool:
    """Upload a specification and read its preview: centre admins and platform staff."""
    return is_platform_staff(user) or _manages_a_centre(membership)


def can_read_spec_import(*, user: Any, membership: Any, spec_import: SpecImport) -> bool:
    return is_platform_staff(user) or _manages_centre_of(membership, spec_import)


def can_request_spec_import(*, user: Any, membership: Any, spec_import: SpecImport) -> bool:
    """Ask platform staff to apply it: an admin of the import's centre."""
    return _manages_centre_of(membership, spec_import)


def can_apply_spec_import(*, user: Any, membership: Any, spec_import: SpecImport) -> bool:
    """Change the shared catalogue: platform staff only."""
    return is_platform_staff(user)


def can_discard_spec_import(*, user: Any, membership: Any, spec_import: SpecImport) -> bool:
    """Platform staff, or an admin of the import's centre withdrawing their own upload."""
    return is_platform_staff(user) or _manages_centre_of(membership, spec_import)


def discards_as_centre(*, user: Any, membership: Any, spec_import: SpecImport) -> bool:
    """Whether a discard belongs in the import's centre's trail (its admin withdrew it) rather
    than the platform's (platform staff turned it down)."""
    return _manages_centre_of(membership, spec_import)


def sees_every_spec_import(*, user: Any) -> bool:
    return is_platform_staff(user)


def spec_import_centre_for_upload(*, user: Any, membership: Any) -> Any:
    """Platform staff upload for the platform (no centre: they apply it themselves); a centre
    admin uploads for the centre they are working in."""
    return None if is_platform_staff(user) else membership.centre


# --- scope and getters -----------------------------------------------------------------


def spec_imports_visible(*, user: Any, membership: Any) -> QuerySet[SpecImport]:
    """Platform staff see every import, requested ones first; a centre admin sees their centre's."""
    qs = SpecImport.objects.select_related("uploaded_by", "centre").defer("text", "result")
    if is_platform_staff(user):
        waiting_first = Case(
            When(status=SpecImport.Status.REQUESTED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return qs.order_by(waiting_first, "-created_at", "-id")
    if not _manages_a_centre(membership):
        return qs.none()
    return qs.filter(centre=membership.centre_id)


def spec_import_require_uploading(*, user: Any, membership: Any) -> None:
    if not can_upload_spec(user=user, membership=membership):
        raise PermissionDenied("Only centre admins and platform staff import specifications.")


def _get(*, user: Any, membership: Any, pk: int, for_update: bool) -> SpecImport:
    # The actor's scope is the imports they may read; someone who deals with no imports at all
    # (a learner, an assessor) has an empty scope, so every import is a 404 to them.
    qs = SpecImport.objects.select_related("uploaded_by", "centre", "requested_by", "applied_by", "discarded_by")
    if for_update:
        qs = SpecImport.objects.select_for_update()
    try:
        spec_import = qs.get(pk=pk)
    except (SpecImport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such import") from None
    if not can_read_spec_import(user=user, membership=membership, spec_import=spec_import):
        raise Http404("No such import")
    return spec_import


def spec_import_get_for_reading(*, user: Any, membership: Any, pk: int) -> SpecImport:
    return _get(user=user, membership=membership, pk=pk, for_update=False)


def spec_import_get_for_requesting(*, user: Any, membership: Any, pk: int, for_update: bool = False) -> SpecImport:
    spec_import = _get(user=user, membership=membership, pk=pk, for_update=for_update)
    if not can_request_spec_import(user=user, membership=membership, spec_import=spec_import):
        raise PermissionDenied("Only an admin of the centre that uploaded it asks platform staff to apply an import.")
    return spec_import


def spec_import_get_for_applying(*, user: Any, membership: Any, pk: int, for_update: bool = False) -> SpecImport:
    spec_import = _get(user=user, membership=membership, pk=pk, for_update=for_update)
    if not can_apply_spec_import(user=user, membership=membership, spec_import=spec_import):
        raise PermissionDenied("Applying an import changes the catalogue for every centre; platform staff do it.")
    return spec_import


def spec_import_get_for_discarding(*, user: Any, membership: Any, pk: int, for_update: bool = False) -> SpecImport:
    spec_import = _get(user=user, membership=membership, pk=pk, for_update=for_update)
    if not can_discard_spec_import(user=user, membership=membership, spec_import=spec_import):
        raise PermissionDenied("Only platform staff or an admin of the import's centre discard it.")
    return spec_import
