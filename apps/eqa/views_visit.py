"""The visit's pages: sample requests, outcomes with their actions, the centre's answers, and the
EQA's claim sign-off. Thin views: access decides, visits.py does the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.centres.models import Membership
from apps.certification import access as claims_access
from apps.certification import batches as claim_batches
from apps.certification.forms_batches import EQAForm
from apps.certification.models import ClaimBatch, ClaimLine
from apps.core.forms import errors_to_fields, errors_to_form
from apps.core.lists import list_page
from apps.learners.access import grant_enrolments
from apps.learners.models import Enrolment, ExternalAccess

from . import access, rules, visits
from .forms_visit import ActionsFilterForm, CloseForm, OutcomeForm, RequestFilterForm, RequestForm, RespondForm
from .models import CentreAction, RequestedLearner, SampleRequest, VisitOutcome

PER_PAGE = 30
LEARNERS_PER_PAGE = 50
LINES_SHOWN = 100  # of one batch on the claims page; the batch's own page has them all
NEITHER = "Only the external quality assurer and the centre's admins and lead IQA see the EQA's visit."


def _reader(request: HttpRequest) -> Membership:
    """The visit's records are read by the centre side and the EQA (others: 403)."""
    membership = request.membership
    if not access.may_read_visit(membership):
        raise PermissionDenied(NEITHER)
    return membership


def _acting_grant(request: HttpRequest, grant_pk: int) -> ExternalAccess:
    """A grant the member sees (else 404) and acts under as its EQA (else 403)."""
    grant = access.grant_get(request.membership, grant_pk)
    access.require_eqa_of(request.membership, grant)
    return grant


def _own_grants(membership: Membership) -> list[ExternalAccess]:
    """The EQA's open grants, for the links to act under each (none for the centre side)."""
    return list(access.open_grants(membership).prefetch_related("qualifications").order_by("ends_on", "pk"))


def _due(value: Any, today: Any, done: bool = False) -> str:
    return rules.due_words(value, today, done=done)


# --- sample requests ---------------------------------------------------------------------------


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    membership = _reader(request)
    today = timezone.localdate()
    listed = (access.requests_in_scope(membership).select_related("grant", "requested_by")
              .annotate(learner_count=Count("learners")).order_by("-requested_at", "-pk"))
    listing = list_page(request, listed, per_page=PER_PAGE)
    rows = [{"request": r, "due": _due(r.due_on, today, r.status == SampleRequest.Status.WITHDRAWN)}
            for r in listing.page]
    own = _own_grants(membership)
    return render(request, "eqa/visit/requests.html", {
        "rows": rows, "page": listing.page, "query": listing.query, "grants": own, "Status": SampleRequest.Status,
    })


def _request_page(request: HttpRequest, grant: ExternalAccess, form: RequestForm) -> HttpResponse:
    qualifications = list(grant.qualifications.order_by("number", "pk"))
    filters = RequestFilterForm(request.GET or None, qualifications=qualifications)
    chosen_qualification, name = None, ""
    if filters.is_valid():
        chosen_qualification, name = filters.cleaned_data["qualification"], filters.cleaned_data["q"].strip()
    proposing = request.GET.get("propose") == "1" or (form.is_bound and form.data.get("proposed") == "True")
    found = visits.proposals(grant, chosen_qualification) if proposing else []
    proposed_ids = {pk for p in found for pk in p.proposal.ids}
    listed = grant_enrolments(grant).exclude(pk__in=proposed_ids)
    if chosen_qualification:
        listed = listed.filter(qualification_id=chosen_qualification)
    if name:
        listed = listed.filter(learner__full_name__icontains=name)
    listed = (listed.select_related("learner", "qualification").prefetch_related("assessors")
              .order_by("learner__full_name", "pk"))
    listing = list_page(request, listed, per_page=LEARNERS_PER_PAGE)
    ticked = set(form.data.getlist("enrolments")) if form.is_bound else {str(pk) for pk in proposed_ids}
    if not form.is_bound and proposing:
        form = RequestForm(initial={"proposed": True})
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("propose", None)
    return render(request, "eqa/visit/request_new.html", {
        "grant": grant, "form": form, "filters": filters,
        "proposals": found,
        "proposing": proposing, "rows": visits.rows_for(listing.page), "page": listing.page,
        "query": listing.query, "filter_query": query.urlencode(), "ticked": ticked,
        "ao": grant.awarding_organisation, "EnrolmentStatus": Enrolment.Status,
    })


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, grant_pk: int) -> HttpResponse:
    grant = _acting_grant(request, grant_pk)
    if request.method != "POST":
        return _request_page(request, grant, RequestForm())
    form = RequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = visits.sample_request(actor=request.user, grant=grant, enrolment_ids=data["enrolments"],
                                         due_on=data["due_on"], note=data["note"], proposed=data["proposed"])
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, f"Sample requested: the centre has been told it is due {visits.day(made.due_on)}.")
            return redirect("eqa_request", pk=made.pk)
    return _request_page(request, grant, form)


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership
    sample = access.request_get(membership, pk)
    sample = SampleRequest.objects.select_related("grant", "requested_by").get(pk=sample.pk)
    learners = (RequestedLearner.objects.filter(request=sample)
                .select_related("enrolment__learner", "enrolment__qualification").order_by("enrolment__learner__full_name", "pk"))
    may_withdraw = (sample.status == SampleRequest.Status.OPEN and sample.requested_by_id == request.user.pk
                    and access.may_act_as_eqa(membership, sample.grant))
    return render(request, "eqa/visit/request.html", {
        "sample": sample, "learners": learners, "may_withdraw": may_withdraw, "Status": SampleRequest.Status,
        "due": _due(sample.due_on, timezone.localdate(), sample.status == SampleRequest.Status.WITHDRAWN),
    })


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    sample = access.request_get(request.membership, pk)
    try:
        visits.sample_request_withdraw(actor=request.user, request=sample)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Sample request withdrawn. The centre has been told.")
    return redirect("eqa_request", pk=sample.pk)


# --- outcomes ---------------------------------------------------------------------------------------


@login_required
@require_GET
def outcome_list(request: HttpRequest) -> HttpResponse:
    membership = _reader(request)
    listed = (access.outcomes_in_scope(membership).select_related("qualification", "recorded_by")
              .annotate(action_count=Count("actions"),
                        open_count=Count("actions", filter=~Q(actions__status=CentreAction.Status.CLOSED)))
              .order_by("-visited_on", "-recorded_at", "-pk"))
    listing = list_page(request, listed, per_page=PER_PAGE)
    own = _own_grants(membership)
    return render(request, "eqa/visit/outcomes.html", {
        "page": listing.page, "query": listing.query, "grants": own, "DCS": VisitOutcome.DCS,
    })


@login_required
@require_http_methods(["GET", "POST"])
def outcome_new(request: HttpRequest, grant_pk: int) -> HttpResponse:
    grant = _acting_grant(request, grant_pk)
    qualifications = list(grant.qualifications.order_by("number", "pk"))
    form = OutcomeForm(request.POST or None, qualifications=qualifications)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = visits.outcome_record(actor=request.user, grant=grant, facts=form.facts())
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, "Outcome recorded. The centre has been told"
                             + (" and its claim settings follow your Direct Claims Status decision."
                                if outcome.dcs != VisitOutcome.DCS.NOT_DECIDED else "."))
            return redirect("eqa_outcome", pk=outcome.pk)
    return render(request, "eqa/visit/outcome_new.html", {"grant": grant, "form": form})


@login_required
@require_GET
def outcome_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = access.outcome_get(request.membership, pk)
    outcome = VisitOutcome.objects.select_related("qualification", "recorded_by", "grant").get(pk=outcome.pk)
    today = timezone.localdate()
    actions = [{"action": a, "due": _due(a.due_on, today, a.status == CentreAction.Status.CLOSED)}
               for a in outcome.actions.order_by("due_on", "pk")]
    return render(request, "eqa/visit/outcome.html", {"outcome": outcome, "actions": actions,
                                                      "Status": CentreAction.Status, "DCS": VisitOutcome.DCS})


# --- actions ---------------------------------------------------------------------------------------


@login_required
@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    membership = _reader(request)
    filters = ActionsFilterForm(request.GET or None)
    listed = access.actions_in_scope(membership).select_related("outcome__qualification")
    if filters.is_valid() and filters.cleaned_data["status"]:
        listed = listed.filter(status=filters.cleaned_data["status"])
    # Open first, then answered, then closed; within each by due date.
    order = {CentreAction.Status.OPEN: 0, CentreAction.Status.RESPONDED: 1, CentreAction.Status.CLOSED: 2}
    listed = listed.annotate(rank=Case(*[When(status=s, then=Value(n)) for s, n in order.items()],
                                       output_field=IntegerField())).order_by("rank", "due_on", "pk")
    listing = list_page(request, listed, per_page=PER_PAGE)
    today = timezone.localdate()
    rows = [{"action": a, "due": _due(a.due_on, today, a.status == CentreAction.Status.CLOSED),
             "overdue": a.status != CentreAction.Status.CLOSED and a.due_on < today} for a in listing.page]
    return render(request, "eqa/visit/actions.html", {
        "rows": rows, "page": listing.page, "query": listing.query, "filters": filters, "Status": CentreAction.Status,
        "grants": _own_grants(membership),
    })


def _action_page(request: HttpRequest, action: CentreAction, *, respond: RespondForm | None = None,
                 close: CloseForm | None = None) -> HttpResponse:
    membership = request.membership
    action = (CentreAction.objects.select_related("outcome__qualification", "outcome__recorded_by", "responded_by",
                                                  "closed_by").get(pk=action.pk))
    today = timezone.localdate()
    return render(request, "eqa/visit/action.html", {
        "action": action, "Status": CentreAction.Status,
        "due": _due(action.due_on, today, action.status == CentreAction.Status.CLOSED),
        "overdue": action.status != CentreAction.Status.CLOSED and action.due_on < today,
        "may_respond": access.may_respond(membership, action), "may_close": access.may_close(membership, action),
        "respond_form": respond or RespondForm(initial={"response": action.response}),
        "close_form": close or CloseForm(),
    })


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _action_page(request, access.action_get(request.membership, pk))


@login_required
@require_POST
def action_respond(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.action_get(request.membership, pk)
    if not access.is_centre_side(request.membership):
        raise PermissionDenied(access.NOT_CENTRE)
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            visits.action_respond(actor=request.user, action=action, response=form.cleaned_data["response"])
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, "Answer sent. The EQA has been told.")
            return redirect("eqa_action", pk=action.pk)
    return _action_page(request, action, respond=form)


@login_required
@require_POST
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.action_get(request.membership, pk)
    if not access.is_closer(request.membership, action):
        raise PermissionDenied(access.NOT_EQA)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            visits.action_close(actor=request.user, action=action, note=form.cleaned_data["note"])
        except ValidationError as exc:
            errors_to_fields(form, exc)
        else:
            messages.success(request, "Action closed. The centre has been told.")
            return redirect("eqa_action", pk=action.pk)
    return _action_page(request, action, close=form)


# --- claims without Direct Claims Status --------------------------------------------------------------

WAITING = (ClaimBatch.Status.AWAITING_EQA, ClaimBatch.Status.EQA_QUERIED)


def _waiting_batches(membership: Membership, grant: ExternalAccess) -> QuerySet[ClaimBatch]:
    """The centre's batches waiting for the EQA with at least one learner in this grant's scope,
    each with those learners (`in_scope`) and how many lines it has in all."""
    scope = grant_enrolments(grant)
    in_scope = Q(lines__enrolment__in=scope)
    return (claims_access.batches_in_scope(membership).filter(status__in=WAITING)
            .filter(pk__in=ClaimBatch.objects.filter(in_scope).values("pk"))
            .annotate(line_count=Count("lines", distinct=True),
                      scoped_count=Count("lines", filter=in_scope, distinct=True))
            .prefetch_related(Prefetch("lines", to_attr="in_scope", queryset=ClaimLine.objects.filter(
                enrolment__in=scope).select_related("enrolment__qualification").annotate(unit_count=Count("units"))
                .order_by("registered_name", "pk")))
            .order_by("authorised_at", "pk"))


def _claims_page(request: HttpRequest, grant: ExternalAccess, bound: EQAForm | None = None,
                 bound_pk: int | None = None) -> HttpResponse:
    membership = request.membership
    waiting = []
    for batch in _waiting_batches(membership, grant):
        form = bound if bound_pk == batch.pk else EQAForm(prefix=f"batch-{batch.pk}")
        waiting.append({"batch": batch, "lines": batch.in_scope[:LINES_SHOWN],
                        "more": max(0, len(batch.in_scope) - LINES_SHOWN),
                        "outside": batch.line_count - batch.scoped_count,
                        "form": form if batch.status == ClaimBatch.Status.AWAITING_EQA else None})
    signed = (claims_access.batches_in_scope(membership).filter(eqa_by=request.user)
              .annotate(line_count=Count("lines")).order_by("-eqa_at", "-pk")[:PER_PAGE])
    return render(request, "eqa/visit/claims.html", {
        "grant": grant, "waiting": waiting, "signed": signed, "Status": ClaimBatch.Status,
    })


@login_required
@require_http_methods(["GET", "POST"])
def claims(request: HttpRequest, grant_pk: int) -> HttpResponse:
    grant = _acting_grant(request, grant_pk)
    if request.method != "POST":
        return _claims_page(request, grant)
    batch_pk = request.POST.get("batch", "")
    if not (batch_pk.isascii() and batch_pk.isdigit() and 0 < int(batch_pk) < 2**31):
        messages.error(request, "Choose a claim from the list.")
        return redirect("eqa_claims", grant_pk=grant.pk)
    batch = get_object_or_404(_waiting_batches(request.membership, grant), pk=int(batch_pk))
    form = EQAForm(request.POST, prefix=f"batch-{batch.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == EQAForm.APPROVE:
                claim_batches.batch_eqa_approve(actor=request.user, batch=batch, signed_name=data["signed_name"],
                                                note=data["note"])
                done = f"Claim {batch.reference} signed off: the centre may submit it."
            else:
                claim_batches.batch_eqa_query(actor=request.user, batch=batch, signed_name=data["signed_name"],
                                              note=data["note"])
                done = f"Claim {batch.reference} queried: the centre has been told what to look at."
        except (ValidationError, PermissionDenied) as exc:
            errors_to_form(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, done)
            return redirect("eqa_claims", grant_pk=grant.pk)
    return _claims_page(request, grant, bound=form, bound_pk=batch.pk)
