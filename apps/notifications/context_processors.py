from django.http import HttpRequest

from .models import Notification


def unread(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    # Lazy: counted only when a template shows it.
    return {"unread_notifications": lambda: Notification.objects.filter(recipient=request.user, read_at=None).count()}
