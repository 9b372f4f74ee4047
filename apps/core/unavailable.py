"""When PostgreSQL is unreachable (restarting, say), people see a short "temporarily
unavailable" page (503, try again shortly) and stay signed in, not an error or a sign-in page.

Django turns an exception into a 500 response inside each middleware layer, so the outermost
middleware never sees the exception itself: a receiver of `got_request_exception` marks the
request when the exception is the database being unreachable, and the middleware swaps the
500 for the 503 page. Nothing here touches the database or the session.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


def is_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, UNAVAILABLE) or isinstance(getattr(error, "__cause__", None), UNAVAILABLE)


def unavailable_response() -> HttpResponse:
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def mark_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Receiver of got_request_exception: note that the database was out of reach."""
    if request is not None and is_unavailable(sys.exc_info()[1]):
        request.attest_database_unavailable = True


class UnavailableMiddleware:
    """Outermost middleware: a 500 caused by an unreachable database becomes the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "attest_database_unavailable", False):
            return unavailable_response()
        return response
