"""Pages for learners, enrolments, unit plans and CSV imports. Thin: resolve through a
selector, check, bind the form, call the service, redirect with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.centres.access import manager_required
from apps.centres.models import Invitation, Membership
from apps.core.forms import errors_to_fields
from apps.core.lists import list_page
from apps.qualifications.engine import describe_rules

from . import access, csv_import, selectors, services
from .filters import LearnerFilter
from .forms import (
    EnrolmentCreateForm,
    EnrolmentDetailsForm,
    ImportApplyForm,
    ImportUploadForm,
    LearnerForm,
    PriorAchievementForm,
)
from .models import Enrolment, LearnerImport
from .rules import qualification_name


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


# --- learners ----------------------------------------------------------------------------


@manager_required
def learner_list(request: HttpRequest) -> HttpResponse:
    filters = LearnerFilter(request.GET, queryset=selectors.learners_of_centre(membership=request.membership))
    listed = list_page(request, filters.qs, per_page=50)
    page = listed.page
    return render(
        request,
        "learners/list.html",
        {"form": filters.form, "page": page, "query": listed.query, "searching": filters.form.has_changed()},
    )


@manager_required
def learner_create(request: HttpRequest) -> HttpResponse:
    form = LearnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.learner_create(centre=request.centre, actor=request.user, base_url=_base_url(request), **form.cleaned_data)
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            learner = created.learner
            if created.invited and created.linked:
                text = f"{learner.full_name} added. They already have an Attest account: the invitation sent to {learner.email} asks them to sign in to join."
            elif created.invited:
                text = f"{learner.full_name} added. An invitation to sign in has been sent to {learner.email}."
            else:
                text = f"{learner.full_name} added and linked to their existing account in this centre: no invitation is needed."
            messages.success(request, text)
            if created.linked and Membership.objects.filter(centre=request.centre, user_id=learner.user_id, is_active=False).exists():
                messages.warning(
                    request, f"{learner.full_name}'s membership of {request.centre.name} is deactivated: reactivate it under People so they can sign in."
                )
            return redirect("learner_detail", pk=learner.pk)
    return render(request, "learners/learner_form.html", {"form": form, "learner": None})


@login_required
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = access.learner_get_for_managing(membership=request.membership, pk=pk)
    membership = Membership.objects.filter(centre=request.centre, user__email__iexact=learner.email).first()
    invitation = (
        Invitation.objects.filter(
            centre=request.centre, email__iexact=learner.email, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    return render(
        request,
        "learners/learner_detail.html",
        {
            "learner": learner,
            "member": membership,
            "invitation": invitation,
            "enrolments": selectors.learner_enrolments(learner=learner),
        },
    )


@login_required
def learner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    learner = access.learner_get_for_managing(membership=request.membership, pk=pk)
    initial = {
        "full_name": learner.full_name,
        "email": learner.email,
        "date_of_birth": learner.date_of_birth,
        "uln": learner.uln or "",
        "mis_reference": learner.mis_reference,
    }
    form = LearnerForm(request.POST or None, initial=initial)
    if learner.user_id:
        form.fields["email"].help_text = "They sign in with this address, so it cannot be changed here."
    if request.method == "POST" and form.is_valid():
        try:
            learner = services.learner_update(learner=learner, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, f"Details of {learner.full_name} saved.")
            return redirect("learner_detail", pk=learner.pk)
    return render(request, "learners/learner_form.html", {"form": form, "learner": learner})


@require_POST
@login_required
def learner_invite(request: HttpRequest, pk: int) -> HttpResponse:
    learner = access.learner_get_for_managing(membership=request.membership, pk=pk)
    try:
        services.learner_invite(learner=learner, actor=request.user, base_url=_base_url(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation sent to {learner.email}.")
    return redirect("learner_detail", pk=learner.pk)


# --- enrolments --------------------------------------------------------------------------


@login_required
def enrolment_create(request: HttpRequest, pk: int) -> HttpResponse:
    learner = access.learner_get_for_managing(membership=request.membership, pk=pk)
    today = timezone.localdate()
    form = EnrolmentCreateForm(request.POST or None, centre=request.centre, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(learner=learner, actor=request.user, today=today, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(
                request,
                f"{learner.full_name} is enrolled on {qualification_name(enrolment.qualification)}. "
                "The mandatory units are in the plan: choose the optional units.",
            )
            return redirect("enrolment_plan", pk=enrolment.pk)
    return render(request, "learners/enrolment_form.html", {"form": form, "learner": learner, "enrolment": None})


@login_required
def enrolment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = access.enrolment_get_for_managing(membership=request.membership, pk=pk)
    initial = {
        "registration_number": enrolment.registration_number,
        "start_date": enrolment.start_date,
        "planned_end_date": enrolment.planned_end_date,
        "assessors": list(enrolment.assessors.all()),
        "iqa": enrolment.iqa,
    }
    form = EnrolmentDetailsForm(request.POST or None, centre=request.centre, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_update(enrolment=enrolment, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, "Enrolment saved.")
            return redirect("learner_detail", pk=enrolment.learner_id)
    return render(
        request, "learners/enrolment_form.html", {"form": form, "learner": enrolment.learner, "enrolment": enrolment}
    )


# --- unit plans --------------------------------------------------------------------------


def _plan_context(request: HttpRequest, enrolment: Enrolment) -> dict:
    qualification = enrolment.qualification
    units = list(qualification.units.all())
    planned = {p.unit_id: p for p in enrolment.planned_units.all()}
    prior = {p.unit_id: p for p in enrolment.prior_achievements.all()}
    mandatory_groups = {g["id"] for g in qualification.groups if g.get("mandatory")}
    # Which other units each unit is barred against, to say so where the choice is made.
    barred: dict[str, list[str]] = {}
    for entry in qualification.barred:
        for number in entry["units"]:
            barred.setdefault(number, []).extend(n for n in entry["units"] if n != number)

    def rows(members):
        return [
            {
                "unit": unit,
                "mandatory": unit.group in mandatory_groups,
                "planned": unit.pk in planned,
                "prior": prior.get(unit.pk),
                "barred_with": barred.get(unit.number, []),
            }
            for unit in members
        ]

    def counted(group_rows):
        return sum(r["unit"].credits for r in group_rows if r["planned"] or r["prior"])

    groups = []
    for group in qualification.groups:
        group_rows = rows([u for u in units if u.group == group["id"]])
        groups.append({**group, "rows": group_rows, "credits": counted(group_rows)})
    ungrouped = rows([u for u in units if u.group is None])
    if ungrouped:
        groups.append({"id": "none", "title": "Other units" if groups else "Units", "mandatory": False,
                       "rows": ungrouped, "credits": counted(ungrouped)})

    verdict = services.enrolment_plan_verdict(enrolment)
    titles = {u.number: u.title for u in units}
    ignored = [(number, titles.get(number, ""), reason) for number, reason in verdict.ignored]
    membership = request.membership
    can_edit = access.may_change_plan(membership, enrolment) and enrolment.status == Enrolment.Status.ACTIVE
    is_admin = access.may_manage_learners(membership)
    prior_form = None
    if is_admin and enrolment.status == Enrolment.Status.ACTIVE:
        free = qualification.units.exclude(pk__in=list(prior)).order_by("position")
        prior_form = PriorAchievementForm(units=free)
    return {
        "enrolment": enrolment,
        "q": qualification,
        "groups": groups,
        "verdict": verdict,
        "ignored": ignored,
        "rule_lines": describe_rules(qualification.rules()) if qualification.rules_in_source else [],
        "can_edit": can_edit,
        "is_admin": is_admin,
        "is_own": access.is_learner_of(request.user.pk, enrolment),
        "prior": list(prior.values()),
        "prior_form": prior_form,
        "planned_credits": sum(u.credits for u in units if u.pk in planned or u.pk in prior),
    }


@login_required
def enrolment_plan(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_plan(membership=request.membership, pk=pk)
    if not access.may_read_enrolment(request.membership):
        raise PermissionDenied("Your role in this centre does not allow this.")
    if request.method == "POST":
        if not access.may_change_plan(request.membership, enrolment):
            raise PermissionDenied("Only the learner and centre admins change a unit plan.")
        try:
            unit_ids = {int(value) for value in request.POST.getlist("units")}
        except ValueError:
            messages.error(request, "The plan could not be read: reload the page and try again.")
            return redirect("enrolment_plan", pk=enrolment.pk)
        try:
            services.enrolment_plan_set(enrolment=enrolment, actor=request.user, unit_ids=unit_ids)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Unit plan saved.")
        return redirect("enrolment_plan", pk=enrolment.pk)
    return render(request, "learners/plan.html", _plan_context(request, enrolment))


@require_POST
@login_required
def prior_achievement_add(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_plan(membership=request.membership, pk=pk)
    if not access.may_manage_learners(request.membership):
        raise PermissionDenied("Only centre admins record units achieved elsewhere.")
    form = PriorAchievementForm(request.POST, units=enrolment.qualification.units.all())
    if form.is_valid():
        try:
            services.prior_achievement_record(enrolment=enrolment, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            unit = form.cleaned_data["unit"]
            messages.success(request, f"Unit {unit.number} recorded as {dict(form.fields['route'].choices)[form.cleaned_data['route']].lower()}.")
            return redirect("enrolment_plan", pk=enrolment.pk)
    messages.error(request, "The unit achieved elsewhere was not recorded: correct the form below.")
    context = _plan_context(request, enrolment)
    context["prior_form"] = form
    return render(request, "learners/plan.html", context)


@require_POST
@login_required
def prior_achievement_remove(request: HttpRequest, pk: int, prior_pk: int) -> HttpResponse:
    enrolment = access.enrolment_get_for_managing(membership=request.membership, pk=pk)
    prior = get_object_or_404(enrolment.prior_achievements.select_related("unit"), pk=prior_pk)
    try:
        services.prior_achievement_remove(prior=prior, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Unit {prior.unit.number} is no longer recorded as achieved elsewhere.")
    return redirect("enrolment_plan", pk=enrolment.pk)


# --- CSV import --------------------------------------------------------------------------


@manager_required
def learner_import(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > csv_import.MAX_BYTES:
            form.add_error("file", f"The file is larger than {csv_import.MAX_BYTES // (1024 * 1024)} MB: split it into smaller files.")
        else:
            try:
                learner_import = services.learner_import_create(
                    centre=request.centre, actor=request.user, filename=upload.name, data=upload.read()
                )
            except ValidationError as exc:
                errors_to_fields(form, exc)
            else:
                return redirect("learner_import_preview", pk=learner_import.pk)
    return render(
        request,
        "learners/import.html",
        {"form": form, "imports": selectors.learner_imports_recent(membership=request.membership),
         "headers": csv_import.HEADERS, "labels": csv_import.FIELD_LABELS},
    )


@login_required
def learner_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    learner_import = access.learner_import_get(membership=request.membership, pk=pk)
    checks = []
    if learner_import.status == LearnerImport.Status.PREVIEW:
        checks = csv_import.analyse(centre=learner_import.centre, rows=learner_import.rows, today=timezone.localdate())
    bad = sum(1 for c in checks if not c.ok)
    here = sum(1 for c in checks if c.already_here)
    order = list(csv_import.HEADERS)
    columns = sorted(learner_import.columns.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    return render(
        request,
        "learners/import_preview.html",
        {
            "imp": learner_import,
            "columns": columns,
            "checks": checks,
            "bad": bad,
            "here": here,
            "good": len(checks) - bad - here,
            "form": ImportApplyForm(),
            "labels": csv_import.FIELD_LABELS,
        },
    )


@require_POST
@login_required
def learner_import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    learner_import = access.learner_import_get(membership=request.membership, pk=pk)
    form = ImportApplyForm(request.POST)
    form.is_valid()
    try:
        counts = services.learner_import_apply(
            learner_import=learner_import,
            actor=request.user,
            only_good_rows=form.cleaned_data.get("only_good_rows", False),
            base_url=_base_url(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("learner_import_preview", pk=learner_import.pk)
    parts = [
        f"{counts['learners']} new learner{'s' if counts['learners'] != 1 else ''} invited",
        f"{counts['enrolments']} enrolment{'s' if counts['enrolments'] != 1 else ''} created",
        f"{counts['already_here']} already here",
    ]
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} row{'s' if counts['skipped'] != 1 else ''} with problems left out")
    messages.success(request, f"Imported {learner_import.filename}: " + ", ".join(parts) + ".")
    return redirect("learner_list")
