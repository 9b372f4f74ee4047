"""Who may do what in a centre: the acting membership, capability checks, and the centre's
own objects (people, invitations, settings).

Every app has an access module like this one; it is the only place that says who may see or
do what with that app's objects, always in capabilities (`roles.Cap`), never role names.
Views call its checks and scoped getters; services call the same functions to re-check the
person acting. Outside the actor's scope is a 404 (nobody learns the object exists); in
scope but without the capability is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from .models import Invitation, Membership
from .roles import Cap

NOT_ALLOWED = "Your role in this centre does not allow this."


# --- the acting member ----------------------------------------------------------------------


def membership_for(user: Any, centre_id: int) -> Membership | None:
    """The person's active membership of the centre, or None: what services re-check against.
    A deactivated member has none, so a deactivated member can do nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Membership.objects.filter(centre_id=centre_id, user=user, is_active=True).select_related("user").first()


def has(membership: Membership | None, cap: Cap) -> bool:
    return membership is not None and cap in membership.capabilities()


def has_any(membership: Membership | None, *caps: Cap) -> bool:
    return membership is not None and bool(membership.capabilities() & set(caps))


def require(membership: Membership | None, cap: Cap, message: str = NOT_ALLOWED) -> Membership:
    if not has(membership, cap):
        raise PermissionDenied(message)
    return membership  # type: ignore[return-value]


def capability_required(*caps: Cap) -> Callable:
    """For pages about no particular object: signed in, and holding one of `caps` (else 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_any(request.membership, *caps):
                raise PermissionDenied(NOT_ALLOWED)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


manager_required = capability_required(Cap.MANAGE_CENTRE)
audit_reader_required = capability_required(Cap.VIEW_AUDIT)


def is_staff_member(membership: Membership | None) -> bool:
    """Anyone who works on other people's portfolios (what a centre's two-factor rule covers)."""
    return membership is not None and bool(membership.capabilities() - {Cap.OWN_PORTFOLIO})


def navigation(membership: Membership | None) -> dict[str, bool]:
    """Which parts of the site the navigation offers, by capability name."""
    caps = membership.capabilities() if membership is not None else frozenset()
    return {cap.name: cap in caps for cap in Cap}


def home_sections(membership: Membership | None) -> dict[str, bool]:
    """Which parts of the home page a member sees, by what they may do."""
    return {
        "is_learner": has(membership, Cap.OWN_PORTFOLIO),
        "is_assessor": has(membership, Cap.ASSESS),
        "is_trainee": has(membership, Cap.ASSESS) and not has(membership, Cap.SIGN_OFF),
        "is_iqa": has(membership, Cap.QUALITY_ASSURE),
        "is_admin": has(membership, Cap.MANAGE_CENTRE),
    }


# --- the centre's people, invitations and settings ------------------------------------------


# Only a centre's admins have its people and invitations in scope: for anyone else, and for
# another centre's admins, each of them is a 404.


def members_in_scope(membership: Membership | None) -> QuerySet[Membership]:
    if not has(membership, Cap.MANAGE_CENTRE):
        return Membership.objects.none()
    return Membership.objects.filter(centre_id=membership.centre_id)


def member_get_for_managing(*, membership: Membership | None, pk: int) -> Membership:
    return get_object_or_404(members_in_scope(membership).select_related("user", "centre"), pk=pk)


def invitation_get_for_managing(*, membership: Membership | None, pk: int) -> Invitation:
    if not has(membership, Cap.MANAGE_CENTRE):
        raise Http404("No such invitation.")
    return get_object_or_404(Invitation.objects.select_related("centre"), centre_id=membership.centre_id, pk=pk)


def require_manager_of(actor: Any, centre_id: int) -> Membership:
    """Services: the actor must be an admin of this centre (platform staff act through commands)."""
    return require(membership_for(actor, centre_id), Cap.MANAGE_CENTRE)


def external_access_until(membership: Membership | None) -> date | None:
    """When an external quality assurer's read-only access to the centre ends (or ended);
    None for everyone else."""
    return membership.eqa_expires_on if membership is not None and membership.is_eqa else None
