from django.http import HttpRequest

from .roles import Cap


def current_centre(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    caps = membership.capabilities() if membership else frozenset()
    return {
        "membership": membership,
        "memberships": getattr(request, "memberships", []),
        "caps": {cap.name: cap in caps for cap in Cap},
    }
