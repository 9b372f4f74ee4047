from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import HEALTHY, run_checks
from .unavailable import is_unavailable, unavailable_response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    healthy = all(value in HEALTHY for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: the database being out of reach is the 503 page (see core.unavailable)."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable_response()
    return HttpResponse(loader.render_to_string("500.html"), status=500)
