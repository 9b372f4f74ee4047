"""Every page and file an external quality assurer opens is logged for the centre: "who looked at
what, when" (apps/eqa/access_log.py says what an address means in words).

One row per GET, HEAD or POST by a member working as EQA, written after the response is made
(its status code included, a refusal or a 404 too). Static files, health checks and polling
(a pack's progress, any page named `*_status`) are left out so the log reads as what someone
opened. A failed write never breaks the page: it is logged as an error and the page goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import access
from .access_log import describe
from .models import AccessLog

logger = logging.getLogger(__name__)

LOGGED_METHODS = frozenset({"GET", "HEAD", "POST"})
SKIPPED_PREFIXES = ("/healthz", "/favicon.ico")
PATH_LENGTH = 500  # AccessLog.path


def _skipped(request: HttpRequest, view_name: str) -> bool:
    if request.method not in LOGGED_METHODS:
        return True
    if request.path.startswith((settings.STATIC_URL or "/static/", *SKIPPED_PREFIXES)):
        return True
    return view_name.endswith("_status") or view_name == "healthz"


def record(request: HttpRequest, response: HttpResponse) -> AccessLog | None:
    """Write the row for this request, if it is an EQA's page or file."""
    membership = getattr(request, "membership", None)
    if not access.works_as_eqa(membership):
        return None
    match = getattr(request, "resolver_match", None)
    view_name = (match.view_name if match else "") or ""
    if _skipped(request, view_name):
        return None
    url_name = (match.url_name if match else "") or ""
    with transaction.atomic():  # a savepoint: a failed write leaves the request's connection usable
        return AccessLog.objects.create(
            centre_id=membership.centre_id, user_id=membership.user_id, at=timezone.now(),
            method=request.method, path=request.get_full_path()[:PATH_LENGTH], view_name=view_name[:100],
            what=describe(url_name, match.kwargs if match else {}, request.path), status_code=response.status_code,
        )


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            record(request, response)
        except Exception:
            logger.exception("Could not log the EQA's visit to %s", request.path)
        return response
