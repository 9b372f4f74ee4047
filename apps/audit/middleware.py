from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .context import reset_request_ip, set_request_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind NUM_PROXIES trusted proxies, read it from X-Forwarded-For:
    each proxy appends the address it saw, so the one we trust is that many places from the end."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Makes the client's IP address available to services that write audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_request_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_request_ip(token)
