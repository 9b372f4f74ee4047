from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.centres.permissions import capability_required
from apps.centres.roles import Cap

from .selectors import SORTS, caseload, filtered_and_sorted


@capability_required(Cap.ASSESS)
def caseload_page(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "status")
    status = request.GET.get("status", "")
    waiting_only = request.GET.get("waiting") == "1"
    q = request.GET.get("q", "").strip()
    rows = caseload(membership=request.membership)
    shown = filtered_and_sorted(rows, sort=sort, status=status, waiting_only=waiting_only, q=q)
    oldest = max((r for r in rows if r.oldest_waiting_id), key=lambda r: r.oldest_waiting_days or 0, default=None)
    return render(
        request,
        "caseload/caseload.html",
        {
            "rows": shown, "total": len(rows), "sort": sort if sort in SORTS else "status", "status": status,
            "waiting_only": waiting_only, "q": q, "oldest": oldest,
            "waiting_total": sum(r.waiting for r in rows),
            "columns": [("learner", "Learner"), ("qualification", "Qualification"), ("progress", "Progress"),
                        ("waiting", "Waiting"), ("oldest", "Oldest waiting"), ("activity", "Last activity"),
                        ("end", "Planned end"), ("status", "Status")],
        },
    )
