from __future__ import annotations

from typing import Callable

from django.http import HttpRequest, HttpResponse

from .context import reset_request_ip, set_request_ip


def client_ip(request: HttpRequest) -> str | None:
    # Behind the production proxy, SECURE_PROXY_SSL_HEADER is trusted; the address
    # is taken from REMOTE_ADDR, which the proxy (gunicorn --forwarded-allow-ips) sets.
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
