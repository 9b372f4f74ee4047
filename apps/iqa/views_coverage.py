"""The coverage page: "are we covered?" for the member's scope and a period."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import access
from .coverage import Period, coverage, default_period, qualification_choices
from .forms_quality import PeriodForm


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not access.may_read_quality(membership):
        raise PermissionDenied(access.NOT_IQA)
    current = default_period(membership)
    form = PeriodForm(request.GET or None, qualifications=qualification_choices(membership))
    period, qualification, learner, page = current, None, "", 1
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("start") and data.get("end"):
            period = Period(data["start"], data["end"])
        qualification, learner, page = data.get("qualification"), data.get("learner") or "", data.get("page") or 1
    elif form.is_bound:
        # Bad input is said beside the field; the page shows the current period meanwhile.
        qualification = None
    if not form.is_bound:
        form = PeriodForm(initial={"start": current.start, "end": current.end},
                          qualifications=qualification_choices(membership))
    result = coverage(membership, period=period, qualification_id=qualification, learner_query=learner, page=page)
    keep = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if result.qualification:
        keep["qualification"] = str(result.qualification.id)
    if learner:
        keep["learner"] = learner
    return render(request, "iqa/coverage/coverage.html", {
        "form": form, "cov": result, "is_current": period == current, "current": current,
        "query": urlencode(keep),
    })
