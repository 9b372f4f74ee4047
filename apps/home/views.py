"""The home page: for each person, what needs doing, gathered from every app by what they may do."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.centres.access import external_access_until, home_sections
from apps.iqa.actions import assessor_home_actions
from apps.iqa.plans import iqa_home

from .selectors import evidence_waiting_for, learner_summaries


def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; each signed-in person's own home page."""
    if not request.user.is_authenticated:
        return render(request, "home/landing.html")
    membership = request.membership
    sections = home_sections(membership)
    waiting, waiting_total = evidence_waiting_for(membership=membership) if sections["is_assessor"] else ([], 0)
    eqa_until = external_access_until(membership)
    return render(
        request,
        "home/home.html",
        {
            **sections,
            "eqa_until": eqa_until,
            "is_eqa": eqa_until is not None and timezone.localdate() <= eqa_until,
            "eqa_expired": eqa_until is not None and timezone.localdate() > eqa_until,
            "summaries": learner_summaries(membership=membership) if sections["is_learner"] else [],
            "waiting": waiting,
            "waiting_total": waiting_total,
            "iqa_home": iqa_home(membership) if sections["is_iqa"] else None,
            # Actions an IQA set for this assessor, due and overdue (apps/iqa/actions.py).
            "assessor_actions": assessor_home_actions(membership) if sections["is_assessor"] else None,
        },
    )
