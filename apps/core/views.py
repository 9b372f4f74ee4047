from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.centres.roles import Role

from .health import run_checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    roles = membership.roles() if membership else []
    return render(
        request,
        "core/home.html",
        {
            "roles": [role.value for role in roles],
            "is_learner": Role.LEARNER in roles,
            "is_assessor": Role.ASSESSOR in roles,
            "is_iqa": Role.IQA in roles,
            "is_admin": Role.ADMIN in roles,
            "is_eqa": Role.EQA in roles,
            "eqa_expired": bool(membership and membership.is_eqa and Role.EQA not in roles),
        },
    )


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return home(request)
    return render(request, "core/landing.html")
