from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.core.http import client_ip

from .context import reset_request_ip, set_request_ip

__all__ = ["RequestContextMiddleware", "client_ip"]  # views read the address from here too


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
