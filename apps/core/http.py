"""Facts about a request that several apps need the same way."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind NUM_PROXIES trusted proxies, read it from X-Forwarded-For:
    each proxy appends the address it saw, so the one we trust is that many places from the end."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR") or None
