"""The home page: for each person, what needs doing, gathered from every app by what they may do."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.centres.access import external_access_until, home_sections
from apps.iqa.actions import assessor_home_actions
from apps.iqa.plans import iqa_home

from .selectors import eqa_access, evidence_waiting_for, learner_summaries


def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; each signed-in person's own home page."""
    if not request.user.is_authenticated:
        return render(request, "home/landing.html")
    membership = request.membership
    sections = home_sections(membership)
    waiting, waiting_total = evidence_waiting_for(membership=membership) if sections["is_assessor"] else ([], 0)
    # Someone who is (or was) the centre's EQA: their grants, open, to come and ended.
    eqa = eqa_access(membership) if external_access_until(membership) is not None else None
    return render(
        request,
        "home/home.html",
        {
            **sections,
            "eqa": eqa,
            "summaries": learner_summaries(membership=membership) if sections["is_learner"] else [],
            "waiting": waiting,
            "waiting_total": waiting_total,
            "iqa_home": iqa_home(membership) if sections["is_iqa"] else None,
            # Actions an IQA set for this assessor, due and overdue (apps/iqa/actions.py).
            "assessor_actions": assessor_home_actions(membership) if sections["is_assessor"] else None,
        },
    )
