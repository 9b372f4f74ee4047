from django.http import HttpRequest

from .access import notifications_visible


def unread(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    # Lazy: counted only when a template shows it.
    return {"unread_notifications": lambda: notifications_visible(request.user).filter(read_at=None).count()}
