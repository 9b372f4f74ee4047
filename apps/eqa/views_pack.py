"""The EQA pack (ask for it, watch it being built, download it) and the same set on screen,
part by part. Thin views: apps/eqa/access.py and grants.py decide who sees what, apps/eqa/set.py
reads the set, apps/eqa/packs.py builds the pack.

The set is read by the EQA of an open grant and by the centre side (admins, the lead IQA) for
any of the centre's grants, to check what the EQA sees; only the EQA builds and downloads the
pack."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.forms import errors_to_fields
from apps.core.http import private_download
from apps.core.lists import list_page
from apps.learners.models import ExternalAccess

from . import access, packs
from . import set as eqa_set
from .models import Pack, SampleRequest

RECENT_PACKS = 10


class PackForm(forms.Form):
    request = forms.CharField(label="Sample request the pack is for", required=False)

    def __init__(self, *args: Any, requests: list[SampleRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request"].widget = forms.Select(choices=[("", "The newest open request, or none")] + [
            (str(r.pk), f"Requested {eqa_set.day_words(eqa_set.local_day(r.requested_at))}, due {eqa_set.day_words(r.due_on)}")
            for r in requests])

    def clean_request(self) -> int | None:
        value = (self.cleaned_data.get("request") or "").strip()
        if not value:
            return None
        if not value.isdigit() or int(value) > 2**31 - 1:
            raise ValidationError("Choose one of the sample requests in the list, or none.")
        return int(value)


def _grant(request: HttpRequest, pk: int) -> ExternalAccess:
    """A grant whose set the member reads (404 otherwise)."""
    return get_object_or_404(access.grants_in_scope(request.membership).select_related("centre"), pk=pk)


def _set_context(request: HttpRequest, grant: ExternalAccess) -> dict[str, Any]:
    scope = eqa_set.scope_of(grant)
    is_eqa = access.may_act_as_eqa(request.membership, grant)
    return {"grant": grant, "scope": scope, "parts": eqa_set.PARTS, "is_eqa": is_eqa}


def _set_page(request: HttpRequest, grant: ExternalAccess, form: PackForm | None = None, *,
              status: int = 200) -> HttpResponse:
    context = _set_context(request, grant)
    open_requests = list(SampleRequest.objects.filter(grant=grant, status=SampleRequest.Status.OPEN)
                         .order_by("-requested_at", "-pk"))
    context |= {
        "summary": eqa_set.summary(context["scope"], eqa_set.sample_request_for(context["scope"])),
        "form": form or PackForm(requests=open_requests),
        "packs": list(access.packs_in_scope(request.membership).filter(grant=grant)
                      .select_related("requested_by").order_by("-requested_at", "-pk")[:RECENT_PACKS]),
    }
    return render(request, "eqa/set/index.html", context, status=status)


@login_required
@require_GET
def set_index(request: HttpRequest, grant_pk: int) -> HttpResponse:
    return _set_page(request, _grant(request, grant_pk))


@login_required
@require_POST
def pack_new(request: HttpRequest, grant_pk: int) -> HttpResponse:
    grant = _grant(request, grant_pk)
    access.require_eqa_of(request.membership, grant)
    open_requests = list(SampleRequest.objects.filter(grant=grant, status=SampleRequest.Status.OPEN)
                         .order_by("-requested_at", "-pk"))
    form = PackForm(request.POST, requests=open_requests)
    if form.is_valid():
        try:
            pack = packs.pack_request(actor=request.user, grant=grant, request_id=form.cleaned_data["request"])
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.info(request, "Your EQA pack is being built. This page shows its progress; you will also get "
                                   "a notification when it is ready.")
            return redirect("eqa_pack", pk=pack.pk)
    return _set_page(request, grant, form, status=400)


def _pack_context(request: HttpRequest, pack: Pack) -> dict[str, Any]:
    return {"pack": pack, "percent": packs.percent(pack), "waiting": pack.status in packs.UNFINISHED,
            "may_download": access.may_act_as_eqa(request.membership, pack.grant), "size": packs.size_words(pack.size or 0)}


@login_required
@require_GET
def pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pack = access.pack_get(request.membership, pk)
    return render(request, "eqa/pack/detail.html", _pack_context(request, pack))


@login_required
@require_GET
def pack_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress alone, polled by the pack's page (htmx) until the pack is ready or failed."""
    pack = access.pack_get(request.membership, pk)
    return render(request, "eqa/pack/status.html", _pack_context(request, pack))


@login_required
@require_GET
def pack_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    pack = access.pack_get(request.membership, pk)
    access.require_eqa_of(request.membership, pack.grant)
    if pack.status != Pack.Status.READY or not pack.file:
        raise Http404("This pack is not ready.")
    with transaction.atomic():
        packs.pack_downloaded(actor=request.user, pack=pack)
    return private_download(default_storage.open(pack.file.name, "rb"), packs.download_name(pack), "application/zip")


# --- the set on screen, part by part ------------------------------------------------------------


def _page(request: HttpRequest, items: Any) -> dict[str, Any]:
    listed = list_page(request, items, per_page=eqa_set.PER_PAGE)
    return {"page": listed.page, "query": listed.query}


def _assessment_plan(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    context = _page(request, eqa_set.plan_pairs(scope))
    context["rows"] = eqa_set.plan_rows(context["page"].object_list)
    return context


def _strategy(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    return eqa_set.strategy_context(scope)


def _plans(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    views = eqa_set.plans(scope)
    context: dict[str, Any] = {"plans": views, "chosen": None}
    chosen = request.GET.get("plan", "")
    if chosen:
        view = next((v for v in views if str(v.plan.pk) == chosen), None)
        if view is None:
            raise Http404("No such sampling plan for these learners.")
        context["chosen"] = view
        context |= _page(request, eqa_set.plan_items(scope, view.plan))
        context["rows"] = eqa_set.plan_item_rows(context["page"].object_list, scope.centre_id)
    return context


def _samples(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    sample_request = eqa_set.sample_request_for(scope)
    context = _page(request, eqa_set.requested_samples(scope, sample_request))
    return context | {"request": sample_request, "requested": eqa_set.requested_learners(scope, sample_request)}


def _standardisation(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    context = _page(request, eqa_set.meetings(scope))
    context["meetings"] = eqa_set.meeting_views(context["page"].object_list)
    return context


def _staff(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    return {"rows": eqa_set.staff(scope)}


def _claims(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    context = _page(request, eqa_set.claim_enrolments(scope).only("pk"))
    context["rows"] = eqa_set.claim_rows(context["page"].object_list)
    return context


def _actions(request: HttpRequest, scope: eqa_set.Scope) -> dict[str, Any]:
    from django.utils import timezone

    return _page(request, eqa_set.previous_actions(scope)) | {"today": timezone.localdate()}


PART_READERS = {
    "assessment-plan": _assessment_plan, "strategy": _strategy, "plans": _plans, "samples": _samples,
    "standardisation": _standardisation, "staff": _staff, "claims": _claims, "actions": _actions,
}


@login_required
@require_GET
def set_part(request: HttpRequest, grant_pk: int, part: str) -> HttpResponse:
    grant = _grant(request, grant_pk)
    if part not in PART_READERS:
        raise Http404("No such part of the set.")
    context = _set_context(request, grant)
    context |= {"part": eqa_set.PART_BY_SLUG[part]} | PART_READERS[part](request, context["scope"])
    return render(request, f"eqa/set/{part.replace('-', '_')}.html", context)
