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
    from apps.evidence.dashboard import evidence_waiting_for, learner_summaries

    membership = request.membership
    roles = membership.roles() if membership else []
    waiting, waiting_total = (
        evidence_waiting_for(membership=membership) if Role.ASSESSOR in roles else ([], 0)
    )
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
            "summaries": learner_summaries(membership=membership) if Role.LEARNER in roles else [],
            "waiting": waiting,
            "waiting_total": waiting_total,
        },
    )


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return home(request)
    return render(request, "core/landing.html")
