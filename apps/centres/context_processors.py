from django.http import HttpRequest

from apps.accounts.access import is_platform_staff

from .access import navigation


def current_centre(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "memberships": getattr(request, "memberships", []),
        "caps": navigation(membership),
        "platform_staff": is_platform_staff(request.user),
    }
