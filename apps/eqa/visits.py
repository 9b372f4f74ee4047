"""The EQA's visit: sample requests (picked by hand or proposed by the AO's rule), the outcome per
qualification with Direct Claims Status (DCS), actions for the centre and their answers.

Services: keyword-only, one transaction each, the actor re-checked through `access`, every
problem in one ValidationError (by field where the form has the field), the audit event and the
notifications in the same transaction. Reads for the pages are here too, scoped by the caller's
`access` query sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.assessment.progress import enrolment_progress_many
from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.centres.models import Membership
from apps.certification import settings as certification_settings
from apps.core.signatures import signature_or_problem
from apps.core.text import name_problem
from apps.learners.access import grant_enrolments
from apps.learners.models import Enrolment, ExternalAccess
from apps.notifications.services import notify
from apps.qualifications.models import Qualification, Unit

from . import access, rules
from .models import CentreAction, RequestedLearner, SampleRequest, VisitOutcome

NAMES_AUDITED = 20  # a large sample: the count says the rest
MAX_REQUESTED = 500
MAX_ACTIONS = 3  # blank action rows on the outcome form
DCS = VisitOutcome.DCS
RESULT = VisitOutcome.Result


def day(value: date) -> str:
    """'2 Dec 2026'."""
    return f"{value.day} {value:%b %Y}"


def _text_problem(text: str, what: str) -> str | None:
    return name_problem(text, what=what, writing=True) if text else None


# --- who is in a grant's scope, and how far on -------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One learner of the request page: the rule's candidate and what the page shows."""

    candidate: rules.Candidate
    enrolment: Enrolment
    assessors: tuple[str, ...]

    @property
    def progress(self) -> str:
        return rules.progress_words(self.candidate)


def rows_for(enrolments: Iterable[Enrolment]) -> list[Row]:
    """The learners with their progress, complete or not: four queries whatever their number."""
    enrolments = list(enrolments)
    progress = enrolment_progress_many(enrolments)
    units = dict(Unit.objects.filter(qualification_id__in={e.qualification_id for e in enrolments})
                 .values("qualification_id").annotate(n=Count("pk")).values_list("qualification_id", "n"))
    rows = []
    for e in enrolments:
        p = progress[e.pk]
        assessors = sorted(e.assessors.all(), key=lambda u: u.full_name.casefold())  # prefetched
        complete = e.status == Enrolment.Status.COMPLETED or p.qualification.achieved
        total = p.units_planned or units.get(e.qualification_id, 0)
        rows.append(Row(
            candidate=rules.Candidate(
                id=e.pk, name=e.learner.full_name, assessor_ids=tuple(a.pk for a in assessors),
                units_done=min(p.units_signed_off, total) if total else p.units_signed_off, units_total=total,
                complete=complete, criteria_share=p.criteria_met / p.criteria_total if p.criteria_total else 0.0,
            ),
            enrolment=e, assessors=tuple(a.full_name for a in assessors),
        ))
    return rows


def _listed(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return (enrolments.select_related("learner", "qualification").prefetch_related("assessors")
            .order_by("learner__full_name", "pk"))


@dataclass(frozen=True)
class QualificationProposal:
    qualification: Qualification
    proposal: rules.Proposal
    rows: dict[int, Row]  # the proposed learners' rows, by enrolment id

    def picks(self) -> list[tuple[rules.Pick, Row]]:
        return [(pick, self.rows[pick.id]) for pick in self.proposal.picks]


def proposals(grant: ExternalAccess, qualification_id: int | None = None) -> list[QualificationProposal]:
    """Attest's proposal by the AO's rule, one per qualification of the grant (DCS is held per
    qualification), from the learners not withdrawn."""
    qualifications = grant.qualifications.order_by("number", "pk")
    if qualification_id is not None:
        qualifications = qualifications.filter(pk=qualification_id)
    found = []
    in_scope = _listed(grant_enrolments(grant).exclude(status=Enrolment.Status.WITHDRAWN))
    rows = rows_for(in_scope)
    for qualification in qualifications:
        mine = [r for r in rows if r.enrolment.qualification_id == qualification.pk]
        names = {a.pk: a.full_name for r in mine for a in r.enrolment.assessors.all()}
        proposal = rules.propose([r.candidate for r in mine], rules.rule_for(qualification.awarding_organisation),
                                 names)
        chosen = set(proposal.ids)
        found.append(QualificationProposal(qualification=qualification, proposal=proposal,
                                           rows={r.candidate.id: r for r in mine if r.candidate.id in chosen}))
    return found


# --- the people who host the visit ---------------------------------------------------------------


def centre_side(centre_id: int) -> list[Any]:
    """The centre's admins and lead IQA, who are told of the EQA's requests and outcomes."""
    members = (Membership.objects.filter(centre_id=centre_id, is_active=True)
               .filter(Q(is_admin=True) | Q(is_lead_iqa=True)).select_related("user").order_by("pk"))
    return [m.user for m in members if access.is_centre_side(m)]


# --- sample requests -----------------------------------------------------------------------------


@transaction.atomic
def sample_request(*, actor: Any, grant: ExternalAccess, enrolment_ids: Sequence[int], due_on: date | None,
                   note: str = "", proposed: bool = False, today: date | None = None) -> SampleRequest:
    """The EQA asks the centre for these learners by `due_on`. With `proposed`, each learner keeps
    the reason Attest's proposal gave (a learner the EQA added keeps "chosen by the EQA")."""
    access.require_eqa_of(membership_for(actor, grant.centre_id), grant)
    today = today or timezone.localdate()
    note = note.strip()
    ids = list(dict.fromkeys(enrolment_ids))
    problems: dict[str, list[str]] = {}
    if not ids:
        problems["enrolments"] = ["Choose at least one learner for the sample, or ask Attest to propose one."]
    elif len(ids) > MAX_REQUESTED:
        problems["enrolments"] = [f"Choose at most {MAX_REQUESTED} learners in one request."]
    enrolments = {e.pk: e for e in _listed(grant_enrolments(grant).filter(pk__in=ids))}
    if ids and len(enrolments) != len(ids):
        problems.setdefault("enrolments", []).append(
            "Some of the learners chosen are outside your access: choose learners from the list.")
    if due_on is None:
        problems["due_on"] = ["Give the date the centre should have the sample ready by."]
    elif due_on < today:
        problems["due_on"] = [f"The due date {day(due_on)} is in the past: give a date from today on."]
    if problem := _text_problem(note, "The note"):
        problems["note"] = [problem]
    if problems:
        raise ValidationError(problems)
    assert due_on is not None
    reasons: dict[int, str] = {}
    rule_words: list[str] = []
    if proposed:
        for found in proposals(grant):
            reasons |= {p.id: p.reason for p in found.proposal.picks}
            if found.proposal.rule.words not in rule_words:
                rule_words.append(found.proposal.rule.words)
    rows = {r.candidate.id: r for r in rows_for(enrolments[pk] for pk in ids)}
    request = SampleRequest.objects.create(
        centre_id=grant.centre_id, grant=grant, requested_by=actor, due_on=due_on, note=note, proposed=proposed,
        rule=" ".join(rule_words)[:300],
    )
    RequestedLearner.objects.bulk_create([
        RequestedLearner(request=request, enrolment_id=pk,
                         reason=reasons.get(pk) or f"chosen by the EQA; {rows[pk].progress}"[:rules.REASON_MAX])
        for pk in ids
    ])
    names = [enrolments[pk].learner.full_name for pk in ids]
    audit_record(action="eqa.sample_requested", actor=actor, centre=grant.centre, obj=request, payload={
        "learners": names[:NAMES_AUDITED], "count": len(ids), "due_on": due_on.isoformat(), "proposed": proposed,
        "note": note,
    })
    listed = "\n".join(f"- {enrolments[pk].learner.full_name} ({enrolments[pk].qualification.number})" for pk in ids)
    notify(recipients=centre_side(grant.centre_id), centre=grant.centre, exclude=actor,
           subject=f"The EQA asks to see {len(ids)} {rules.plural(len(ids), 'learner')} by {day(due_on)}",
           body=(f"{actor.full_name} asks for the work of these learners by {day(due_on)}:\n{listed}"
                 + (f"\n\n{note}" if note else "")),
           url=reverse("eqa_request", args=[request.pk]))
    return request


@transaction.atomic
def sample_request_withdraw(*, actor: Any, request: SampleRequest) -> SampleRequest:
    """The EQA who asked takes a request back (while their access is open)."""
    request = SampleRequest.objects.select_for_update().select_related("grant", "centre").get(pk=request.pk)
    access.require_eqa_of(membership_for(actor, request.centre_id), request.grant)
    if request.requested_by_id != actor.pk:
        raise PermissionDenied("Only the EQA who asked for this sample withdraws it.")
    if request.status == SampleRequest.Status.WITHDRAWN:
        raise ValidationError("This request was withdrawn already.")
    request.status = SampleRequest.Status.WITHDRAWN
    request.save(update_fields=["status"])
    audit_record(action="eqa.sample_request_withdrawn", actor=actor, centre=request.centre, obj=request,
                 payload={"due_on": request.due_on.isoformat(), "count": request.learners.count()})
    notify(recipients=centre_side(request.centre_id), centre=request.centre, exclude=actor,
           subject=f"The EQA withdrew the sample request due {day(request.due_on)}",
           url=reverse("eqa_request", args=[request.pk]))
    return request


# --- the outcome of a visit ------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionDraft:
    """One action row of the outcome form, as typed (`row` numbers the form's fields)."""

    row: int
    text: str
    due_on: date | None


@dataclass(frozen=True)
class OutcomeFacts:
    qualification_id: int | None
    kind: str
    visited_on: date | None
    result: str
    dcs: str
    report: str
    signed_name: str
    actions: tuple[ActionDraft, ...] = ()


# What the centre's approval becomes after the EQA's decision (None: unchanged).
DCS_HELD = {DCS.GRANTED: True, DCS.KEPT: True, DCS.REMOVED: False, DCS.WITHHELD: False, DCS.NOT_DECIDED: None}


def _action_problems(actions: Sequence[ActionDraft], visited_on: date | None, today: date,
                     problems: dict[str, list[str]]) -> list[ActionDraft]:
    kept = []
    for a in actions:
        text = a.text.strip()
        if not text and a.due_on is None:
            continue
        n = a.row + 1
        if not text:
            problems[f"action-{a.row}-text"] = [f"Say what action {n} asks the centre to do, or clear its due date."]
        elif problem := _text_problem(text, f"Action {n}"):
            problems[f"action-{a.row}-text"] = [problem]
        if a.due_on is None:
            problems[f"action-{a.row}-due"] = [f"Give the date action {n} is due."]
        elif visited_on is not None and a.due_on <= visited_on:
            problems[f"action-{a.row}-due"] = [
                f"Action {n} is due {day(a.due_on)}, not after the visit on {day(visited_on)}: give a later date."]
        elif a.due_on < today:
            problems[f"action-{a.row}-due"] = [f"Action {n} is due {day(a.due_on)}, in the past: give a date from today on."]
        kept.append(ActionDraft(row=a.row, text=text, due_on=a.due_on))
    return kept


@transaction.atomic
def outcome_record(*, actor: Any, grant: ExternalAccess, facts: OutcomeFacts,
                   today: date | None = None) -> VisitOutcome:
    """The EQA's outcome for one qualification of the grant, signed with their typed name, with the
    actions set for the centre. A Direct Claims Status decision is followed by the centre's
    approval for that qualification (certification.settings.approval_follow_eqa)."""
    access.require_eqa_of(membership_for(actor, grant.centre_id), grant)
    today = today or timezone.localdate()
    problems: dict[str, list[str]] = {}
    qualification = grant.qualifications.filter(pk=facts.qualification_id).first() if facts.qualification_id else None
    if qualification is None:
        problems["qualification"] = ["Choose one of the qualifications your access covers."]
    if facts.kind not in VisitOutcome.Kind.values:
        problems["kind"] = ["Choose what kind of review this was."]
    if facts.visited_on is None:
        problems["visited_on"] = ["Give the date of the visit or review."]
    elif facts.visited_on > today:
        problems["visited_on"] = [f"The visit date {day(facts.visited_on)} is in the future: record the outcome "
                                  "once the visit has happened."]
    if facts.result not in RESULT.values:
        problems["result"] = ["Choose the result of the visit."]
    if facts.dcs not in DCS.values:
        problems["dcs"] = ["Choose what the visit decided about Direct Claims Status."]
    elif facts.result == RESULT.BLOCK and DCS_HELD[facts.dcs]:
        problems["dcs"] = ["Claims are blocked: Direct Claims Status cannot be granted or kept at the same visit."]
    report = facts.report.strip()
    if not report:
        problems["report"] = ["Write the report to the centre: what you saw and what you decided."]
    elif problem := _text_problem(report, "The report"):
        problems["report"] = [problem]
    signature: list[str] = []
    signed_name = signature_or_problem(facts.signed_name, actor.full_name, signature)
    if signature:
        problems["signed_name"] = signature
    actions = _action_problems(facts.actions, facts.visited_on, today, problems)
    if facts.result == RESULT.ACTIONS and not actions:
        problems.setdefault("action-0-text", []).append(
            "“Satisfactory with actions” needs at least one action: say what the centre must do, and by when.")
    elif facts.result == RESULT.SATISFACTORY and actions:
        problems.setdefault("result", []).append(
            "You set actions but chose “Satisfactory: no actions”: choose “Satisfactory with actions”, or clear "
            "the actions.")
    if problems:
        raise ValidationError(problems)
    assert qualification is not None and facts.visited_on is not None
    outcome = VisitOutcome.objects.create(
        centre_id=grant.centre_id, grant=grant, qualification=qualification, kind=facts.kind,
        visited_on=facts.visited_on, result=facts.result, dcs=facts.dcs, report=report, recorded_by=actor,
        signed_name=signed_name,
    )
    CentreAction.objects.bulk_create([
        CentreAction(centre_id=grant.centre_id, outcome=outcome, text=a.text, due_on=a.due_on) for a in actions
    ])
    audit_record(action="eqa.outcome_recorded", actor=actor, centre=grant.centre, obj=outcome, payload={
        "qualification": f"{qualification.number} {qualification.title}",
        "result": outcome.get_result_display(),
        "dcs": outcome.get_dcs_display() if facts.dcs != DCS.NOT_DECIDED else "",
        "actions": len(actions), "visited_on": facts.visited_on.isoformat(), "kind": outcome.get_kind_display(),
        "signed_name": signed_name,
    })
    held = DCS_HELD[facts.dcs]
    if held is not None:
        certification_settings.approval_follow_eqa(
            actor=actor, centre=grant.centre, qualification_number=qualification.number, has_dcs=held,
            since=facts.visited_on, decision=outcome.get_dcs_display())
    notify(recipients=centre_side(grant.centre_id), centre=grant.centre, exclude=actor,
           subject=f"EQA outcome for {qualification.number}: {outcome.get_result_display()}",
           body="\n".join(filter(None, [
               outcome.get_dcs_display() + "." if held is not None else "",
               f"{len(actions)} {rules.plural(len(actions), 'action')} for the centre." if actions else "",
               report,
           ])),
           url=reverse("eqa_outcome", args=[outcome.pk]))
    return outcome


# --- actions ---------------------------------------------------------------------------------------


def action_label(action: CentreAction) -> str:
    text = " ".join(action.text.split())
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


def _locked(action: CentreAction) -> CentreAction:
    return (CentreAction.objects.select_for_update(of=("self",))
            .select_related("outcome__grant", "outcome__qualification", "outcome__recorded_by", "centre")
            .get(pk=action.pk))


@transaction.atomic
def action_respond(*, actor: Any, action: CentreAction, response: str) -> CentreAction:
    """The centre (an admin or the lead IQA) answers an action: what it did. A later answer
    replaces an earlier one until the EQA closes the action."""
    action = _locked(action)
    if not access.may_respond(membership_for(actor, action.centre_id), action):
        if action.status == CentreAction.Status.CLOSED:
            raise ValidationError("This action is closed: it takes no more answers.")
        raise PermissionDenied(access.NOT_CENTRE)
    response = response.strip()
    if not response:
        raise ValidationError({"response": ["Say what the centre did to answer the action."]})
    if problem := _text_problem(response, "The answer"):
        raise ValidationError({"response": [problem]})
    action.status, action.response = CentreAction.Status.RESPONDED, response
    action.responded_by, action.responded_at = actor, timezone.now()
    action.save(update_fields=["status", "response", "responded_by", "responded_at"])
    audit_record(action="eqa.action_responded", actor=actor, centre=action.centre, obj=action, payload={
        "action": action_label(action), "qualification": action.outcome.qualification.number, "response": response,
    })
    notify(recipients=[action.outcome.recorded_by], centre=action.centre, exclude=actor,
           subject=f"The centre answered your action {action_label(action)}", body=response,
           url=reverse("eqa_action", args=[action.pk]))
    return action


@transaction.atomic
def action_close(*, actor: Any, action: CentreAction, note: str = "") -> CentreAction:
    """The EQA closes an answered action, with a note if they wish."""
    action = _locked(action)
    membership = membership_for(actor, action.centre_id)
    if not access.may_close(membership, action):
        if not access.is_closer(membership, action):
            raise PermissionDenied(access.NOT_EQA)
        if action.status == CentreAction.Status.CLOSED:
            raise ValidationError("This action is closed already.")
        raise ValidationError("The centre has not answered this action yet: it closes once they have.")
    note = note.strip()
    if problem := _text_problem(note, "The note"):
        raise ValidationError({"note": [problem]})
    action.status, action.closed_by, action.closed_at, action.closing_note = (
        CentreAction.Status.CLOSED, actor, timezone.now(), note)
    action.save(update_fields=["status", "closed_by", "closed_at", "closing_note"])
    audit_record(action="eqa.action_closed", actor=actor, centre=action.centre, obj=action, payload={
        "action": action_label(action), "qualification": action.outcome.qualification.number, "note": note,
    })
    notify(recipients=centre_side(action.centre_id), centre=action.centre, exclude=actor,
           subject=f"The EQA closed the action {action_label(action)}", body=note,
           url=reverse("eqa_action", args=[action.pk]))
    return action
