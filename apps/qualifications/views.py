"""Catalogue pages for staff: qualifications, their rules in plain English, units, search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import access, glossary, selectors, spec_imports
from .engine import describe_rules
from .forms import SpecImportRequestForm, SpecUploadForm
from .models import AssessmentCriterion, Qualification, Unit


def number_from_slug(slug: str) -> str:
    """URLs carry qualification numbers with '-' for '/' (600-1257-2 is 600/1257/2)."""
    return slug.replace("-", "/")


def _qualification(slug: str, version: str | None) -> Qualification:
    number = number_from_slug(slug)
    try:
        return selectors.qualification_with_units(number=number, version=int(version) if version else None)
    except (Qualification.DoesNotExist, ValueError):
        raise Http404(f"No qualification {number}") from None


@access.catalogue_reader_required
def qualification_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    awarding = request.GET.get("ao", "")
    show_withdrawn = request.GET.get("withdrawn") != "hide"
    qualifications = selectors.qualifications_current().annotate(unit_count=Count("units"))
    if awarding:
        qualifications = qualifications.filter(awarding_organisation=awarding)
    rows = [q for q in qualifications if show_withdrawn or not q.is_withdrawn(today)]
    return render(
        request,
        "qualifications/list.html",
        {
            "rows": [(q, q.is_withdrawn(today)) for q in rows],
            "awarding_organisations": Qualification.AwardingOrganisation.choices,
            "ao": awarding,
            "show_withdrawn": show_withdrawn,
        },
    )


@access.catalogue_reader_required
def qualification_detail(request: HttpRequest, slug: str) -> HttpResponse:
    qualification = _qualification(slug, request.GET.get("version"))
    rules = qualification.rules()
    units = list(qualification.units.all())
    groups = [
        {**group, "units": [u for u in units if u.group == group["id"]]} for group in qualification.groups
    ]
    ungrouped = [u for u in units if u.group is None]
    titles = {u.number: u.title for u in units}
    barred = [
        {"units": [(n, titles.get(n, "")) for n in entry["units"]], "text": entry.get("text")}
        for entry in qualification.barred
    ]
    return render(
        request,
        "qualifications/detail.html",
        {
            "q": qualification,
            "withdrawn": qualification.is_withdrawn(),
            "rule_lines": describe_rules(rules) if qualification.rules_in_source else [],
            "groups": groups,
            "ungrouped": ungrouped,
            "has_units": bool(units),  # none: it cannot be enrolled on (learners/rules.py)
            "barred": barred,
            "shared_urns": rules.shared_urns(),
            "versions": selectors.qualification_versions(number=qualification.number).only(
                "number", "version", "is_current", "loaded_at"
            ),
        },
    )


@access.catalogue_reader_required
def unit_detail(request: HttpRequest, slug: str, unit: str) -> HttpResponse:
    qualification = _qualification(slug, request.GET.get("version"))
    unit_obj = get_object_or_404(Unit, qualification=qualification, number=unit)
    tree = selectors.qualification_tree(qualification.pk, unit_ids=[unit_obj.pk])[0]
    same_urn = (
        Unit.objects.filter(urn=unit_obj.urn, qualification__is_current=True)
        .exclude(pk=unit_obj.pk)
        .select_related("qualification")
        .order_by("qualification__number", "position")
    )
    group = next((g for g in qualification.groups if g["id"] == unit_obj.group), None)
    return render(
        request,
        "qualifications/unit.html",
        {"q": qualification, "unit": unit_obj, "tree": tree, "group": group, "same_urn": same_urn},
    )


@access.catalogue_reader_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = None
    hits: dict[int, list[AssessmentCriterion]] = {}
    if q:
        page = Paginator(selectors.catalogue_search(q=q), 25).get_page(request.GET.get("page"))
        hits = selectors.matching_criteria(q=q, units=list(page))
    return render(
        request,
        "qualifications/search.html",
        {"q": q, "page": page, "hits": hits, "query": f"q={q}" if q else ""},
    )


def glossary_page(request: HttpRequest) -> HttpResponse:
    """The specifications' words in plain language: for everyone, signed in or not (it names
    nothing of any centre), and linked from the pages that use the words."""
    return render(request, "qualifications/glossary.html", {"terms": glossary.alphabetical()})


# --- specification uploads ---------------------------------------------------------
# Who may do what with an import is decided in `access`; the services check it again.


def _import_page(request: HttpRequest, spec_import, *, request_form=None, status: int = 200) -> HttpResponse:
    template = "qualifications/import_status.html" if request.htmx else "qualifications/import.html"
    context = {
        "imp": spec_import,
        "actions": spec_imports.spec_import_actions(
            user=request.user, membership=request.membership, spec_import=spec_import
        ),
        "platform_view": access.sees_every_spec_import(user=request.user),
        "request_form": request_form or SpecImportRequestForm(),
    }
    return render(request, template, context, status=status)


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    access.spec_import_require_uploading(user=request.user, membership=request.membership)
    form = SpecUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        spec_import = spec_imports.spec_import_create(
            actor=request.user,
            membership=request.membership,
            filename=form.cleaned_data["file"].name,
            text=form.cleaned_data["text"],
        )
        return redirect("catalogue_import", pk=spec_import.pk)
    imports = access.spec_imports_visible(user=request.user, membership=request.membership)[:20]
    return render(
        request,
        "qualifications/imports.html",
        {"form": form, "imports": imports, "platform_view": access.sees_every_spec_import(user=request.user)},
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    spec_import = access.spec_import_get_for_reading(user=request.user, membership=request.membership, pk=pk)
    return _import_page(request, spec_import)


@require_POST
@login_required
def import_request(request: HttpRequest, pk: int) -> HttpResponse:
    spec_import = access.spec_import_get_for_requesting(user=request.user, membership=request.membership, pk=pk)
    form = SpecImportRequestForm(request.POST)
    if not form.is_valid():
        return _import_page(request, spec_import, request_form=form, status=400)
    try:
        spec_imports.spec_import_request(
            spec_import=spec_import, actor=request.user, membership=request.membership, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Platform staff have been asked to apply this import; you will see here when they do.")
    return redirect("catalogue_import", pk=spec_import.pk)


@require_POST
@login_required
def import_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    kwargs = {"user": request.user, "membership": request.membership, "pk": pk}
    spec_import = (
        access.spec_import_get_for_applying(**kwargs)
        if decision == "apply"
        else access.spec_import_get_for_discarding(**kwargs)
    )
    try:
        if decision == "apply":
            lines = spec_imports.spec_import_apply(
                spec_import=spec_import, actor=request.user, membership=request.membership
            )
            for line in lines:
                messages.success(request, line)
        else:
            spec_imports.spec_import_discard(spec_import=spec_import, actor=request.user, membership=request.membership)
            messages.info(request, "The import was discarded; the catalogue is unchanged.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("catalogue_import", pk=spec_import.pk)
