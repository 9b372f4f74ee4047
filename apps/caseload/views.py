from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.fragments import render_fragment

from .access import caseload_required
from .forms import COLUMNS, CaseloadFilterForm
from .selectors import caseload, filtered_and_sorted


@caseload_required
def caseload_page(request: HttpRequest) -> HttpResponse:
    form = CaseloadFilterForm(request.GET)
    wanted = form.applied()
    rows = caseload(membership=request.membership)
    shown = filtered_and_sorted(rows, **wanted)
    oldest = max((r for r in rows if r.oldest_waiting_id), key=lambda r: r.oldest_waiting_days or 0, default=None)
    # Each heading sorts by its column and keeps the filters.
    kept = {"status": wanted["status"], "waiting": "1" if wanted["waiting_only"] else "", "q": wanted["q"]}
    columns = [
        {
            "label": column.label,
            "href": "?" + urlencode({"sort": column.key, **{k: v for k, v in kept.items() if v}}),
            "aria_sort": ("descending" if column.descending else "ascending") if column.key == wanted["sort"] else "",
        }
        for column in COLUMNS
    ]
    return render(
        request,
        "caseload/caseload.html",
        {
            "form": form, "rows": shown,
            "rows_html": render_fragment("caseload/includes/rows.html", {"rows": shown, "total": len(rows)}), "total": len(rows), "oldest": oldest, "columns": columns,
            "waiting_total": sum(r.waiting for r in rows),
        },
    )
