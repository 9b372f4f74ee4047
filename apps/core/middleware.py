"""Requests refused before any view sees them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from importlib import import_module
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict

from .errors import nul_refused

NUL = "\x00"
FORM_ENCODED = "application/x-www-form-urlencoded"


def has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def form_has_nul(request: HttpRequest) -> bool:
    """Whether a posted form has a NUL byte in a field's name or value."""
    return request.method == "POST" and has_nul(request.POST)


def refuse_nul_in_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view exempt from the middleware's reading of its form (one that reads its upload
    its own way): the same refusal, once the form has been read."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if form_has_nul(request):
            return nul_refused(request)
        return view(request, *args, **kwargs)

    return wrapper


class RefuseNulBytesMiddleware:
    """A NUL byte in the address or in a form field is answered with a 400 page that says so.

    PostgreSQL cannot store a NUL in text, and no person types one: it comes from a damaged
    paste or link, or from someone probing. Refusing it here, before any view, means no page
    has to remember to, and none answers it with a 500.

    A posted form is read here only where reading it changes nothing: Django's CSRF check reads
    it anyway, except in views exempt from that check, which may need to read an upload in
    their own way (those wrap their view in `refuse_nul_in_form`, inside the CSRF check).

    Sits after the session and authentication middleware, so that the page can show the
    person's own layout, and before anything evaluates the session: a session cookie with a NUL
    in it could not be looked up, so it is set aside and the person is simply signed out. (The
    CSRF and messages cookies are checked by their own middleware, which drops a bad one.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._set_aside_a_spoiled_session(request)
        if NUL in request.path_info or NUL in request.META.get("QUERY_STRING", "") or has_nul(request.GET):
            return nul_refused(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.method != "POST":
            return None
        readable = (
            request.content_type == FORM_ENCODED
            or hasattr(request, "_post")  # already read (by the CSRF check)
            or not getattr(view_func, "csrf_exempt", False)
        )
        if readable and has_nul(request.POST):
            return nul_refused(request)
        return None

    @staticmethod
    def _set_aside_a_spoiled_session(request: HttpRequest) -> None:
        # The session's is the one cookie read through the database. Left in COOKIES, it is
        # deleted from the browser on the way out, as for any session that has ended.
        if NUL in request.COOKIES.get(settings.SESSION_COOKIE_NAME, "") and hasattr(request, "session"):
            request.session = import_module(settings.SESSION_ENGINE).SessionStore(None)
