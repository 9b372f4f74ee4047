from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .access import is_staff_member
from .selectors import memberships_of_user

SESSION_KEY = "attest_centre_id"
# Pages a member must reach before setting up two-factor authentication.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/centre/switch/", "/invitations/")


def choose_membership(memberships: list, centre_id: int | None):
    for membership in memberships:
        if membership.centre_id == centre_id:
            return membership
    return memberships[0] if memberships else None


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class CurrentCentreMiddleware:
    """Resolves the centre the signed-in person is working in (kept in the session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.memberships = []
        request.membership = None
        request.centre = None
        if request.user.is_authenticated:
            request.memberships = memberships_of_user(request.user)
            request.membership = choose_membership(request.memberships, request.session.get(SESSION_KEY))
            if request.membership is not None:
                request.centre = request.membership.centre
                if self._must_set_up_mfa(request):
                    messages.warning(
                        request,
                        f"{request.centre.name} requires staff to use two-factor authentication. "
                        "Set up an authenticator app to continue.",
                    )
                    return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request: HttpRequest) -> bool:
        membership = request.membership
        return (
            membership.centre.require_mfa_for_staff
            and is_staff_member(membership)
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not _has_totp(request.user)
        )
