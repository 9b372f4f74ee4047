"""Actions set for assessors by IQAs: setting them, the assessor's response, closing and
reopening, and what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.assessment.models import Decision
from apps.audit.services import audit_record
from apps.evidence.models import EvidenceVersion
from apps.notifications.services import notify

from . import access, signals
from .models import Action, Sample


def action_set(
    *, actor: Any, centre: Any, source: str, owner: Any, text: str, due_on: date | None,
    sample=None, observation=None, meeting=None, enrolment=None, unit=None,
) -> Action:
    """Set one action for an assessor (call inside the transaction of the record that raises it:
    the caller has checked the actor may raise it). Needs words and a due date not in the past."""
    problems = []
    if not text.strip():
        problems.append("Say what the assessor must do.")
    if due_on is None:
        problems.append("Give the date the action is due.")
    elif due_on < timezone.localdate():
        problems.append("The due date cannot be in the past.")
    if problems:
        raise ValidationError(problems)
    action = Action.objects.create(
        centre=centre, source=source, sample=sample, observation=observation, meeting=meeting, enrolment=enrolment,
        unit=unit, owner=owner, raised_by=actor, text=text.strip(), due_on=due_on,
    )
    audit_record(action="iqa.action_set", actor=actor, centre=centre, obj=action,
                 payload={"owner": owner.pk, "due_on": due_on.isoformat(), "source": source})
    notify(recipients=[owner], centre=centre, subject=f"An action for you from {actor.full_name}, due {due_on:%d %b %Y}",
           body=action.text, url=reverse("iqa_action", args=[action.pk]), exclude=actor)
    return action


# --- the assessor's response, closing and reopening ------------------------------------------------

CLOSE_NEEDS_FOLLOW_UP = ("Re-sample the corrected work first: an action raised by a disagreement closes once a "
                         "follow-up sample, signed after the assessor's answer, agrees.")


def is_overdue(action: Action, today: date | None = None) -> bool:
    """Due date passed and not closed (computed, never stored)."""
    return action.status != Action.Status.CLOSED and action.due_on < (today or timezone.localdate())


def response_choices(action: Action) -> tuple[list[Decision], list[EvidenceVersion]]:
    """What a response may point at: the decisions made in the action's unit for its learner
    since the action was set, and the evidence versions of that learner submitted since."""
    if action.enrolment_id is None:
        return [], []
    decisions = Decision.objects.filter(enrolment_id=action.enrolment_id, signed_at__gte=action.created_at)
    if action.unit_id is not None:
        decisions = decisions.filter(criterion__unit_id=action.unit_id)
    versions = EvidenceVersion.objects.filter(
        evidence__enrolment_id=action.enrolment_id, submitted_at__gte=action.created_at
    )
    return (
        list(decisions.select_related("criterion", "version").order_by("-signed_at", "-id")),
        list(versions.order_by("-submitted_at", "-id")),
    )


def _locked(action: Action) -> Action:
    return Action.objects.select_for_update(of=("self",)).select_related("owner", "raised_by", "unit", "sample").get(pk=action.pk)


def _tell(action: Action, *, recipient: Any, actor: Any, subject: str, body: str = "") -> None:
    notify(recipients=[recipient], centre=action.centre, subject=subject, body=body,
           url=reverse("iqa_action", args=[action.pk]), exclude=actor)


@transaction.atomic
def action_respond(
    *, action: Action, actor: Any, response: str, decision_id: int | None = None, version_id: int | None = None
) -> Action:
    """The assessor answers an open action: what they did, pointing at the new decision or the new
    evidence version that shows it (for an action about a learner's unit)."""
    action = _locked(action)
    access.require_responder(actor, action)
    problems = []
    if not response.strip():
        problems.append("Say what you did to answer the action.")
    decisions, versions = response_choices(action)
    decision = next((d for d in decisions if d.pk == decision_id), None)
    version = next((v for v in versions if v.pk == version_id), None)
    if decision_id is not None and decision is None:
        problems.append("Choose one of the decisions made in this unit since the action was set.")
    if version_id is not None and version is None:
        problems.append("Choose one of the learner's evidence versions submitted since the action was set.")
    if action.enrolment_id is not None and decision_id is None and version_id is None:
        problems.append("Point at the corrected decision or the new evidence that answers this action.")
    if problems:
        raise ValidationError(problems)
    action.response, action.responded_at = response.strip(), timezone.now()
    action.response_decision, action.response_version = decision, version
    action.status = Action.Status.RESPONDED
    action.save(update_fields=["response", "responded_at", "response_decision", "response_version", "status"])
    audit_record(action="iqa.action_responded", actor=actor, centre=action.centre, obj=action,
                 payload={"decision": decision.pk if decision else None, "version": version.pk if version else None})
    _tell(action, recipient=action.raised_by, actor=actor, subject=f"{actor.full_name} answered action A-{action.pk}",
          body=action.response)
    signals.quality_facts_changed.send(sender=Action, centre_id=action.centre_id, assessor_id=action.owner_id,
                                       reason="action_responded")
    return action


def close_refusal(action: Action) -> str | None:
    """Why this action cannot be closed yet, in words; None when it can."""
    if action.status == Action.Status.CLOSED:
        return "This action is already closed."
    if action.status != Action.Status.RESPONDED:
        return "The assessor has not answered this action yet: it closes once they have."
    sample = action.sample
    if sample is not None and sample.outcome == Sample.Outcome.DISAGREE:
        agreeing = Sample.objects.filter(
            follow_up_of=sample, signed_at__gte=action.responded_at,
            outcome__in=[Sample.Outcome.AGREE, Sample.Outcome.AGREE_WITH_ADVICE],
        )
        if not agreeing.exists():
            return CLOSE_NEEDS_FOLLOW_UP
    return None


@transaction.atomic
def action_close(*, action: Action, actor: Any, note: str = "") -> Action:
    """The IQA closes an answered action (one raised by a disagreement only once a follow-up
    sample agrees)."""
    action = _locked(action)
    access.require_closer(actor, action)
    if refusal := close_refusal(action):
        raise ValidationError(refusal)
    action.status, action.closed_by, action.closed_at, action.close_note = (
        Action.Status.CLOSED, actor, timezone.now(), note.strip()
    )
    action.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
    audit_record(action="iqa.action_closed", actor=actor, centre=action.centre, obj=action,
                 payload={"note": action.close_note})
    _tell(action, recipient=action.owner, actor=actor, subject=f"Action A-{action.pk} is closed", body=action.close_note)
    signals.quality_facts_changed.send(sender=Action, centre_id=action.centre_id, assessor_id=action.owner_id,
                                       reason="action_closed")
    return action


@transaction.atomic
def action_reopen(*, action: Action, actor: Any, note: str, due_on: date | None = None) -> Action:
    """The IQA sends an answered (or closed) action back to the assessor, with a note saying why,
    and a new due date if they give one."""
    action = _locked(action)
    access.require_closer(actor, action)
    problems = []
    if action.status == Action.Status.OPEN:
        problems.append("This action is open already: the assessor has not answered it yet.")
    if not note.strip():
        problems.append("Say why the action is reopened: the assessor reads it.")
    if due_on is not None and due_on < timezone.localdate():
        problems.append("The new due date cannot be in the past.")
    if problems:
        raise ValidationError(problems)
    action.status, action.closed_by, action.closed_at = Action.Status.OPEN, None, None
    action.close_note = note.strip()
    action.reopened_count += 1
    if due_on is not None:
        action.due_on = due_on
    action.save(update_fields=["status", "closed_by", "closed_at", "close_note", "reopened_count", "due_on"])
    audit_record(action="iqa.action_reopened", actor=actor, centre=action.centre, obj=action,
                 payload={"note": action.close_note, "due_on": action.due_on.isoformat()})
    _tell(action, recipient=action.owner, actor=actor,
          subject=f"Action A-{action.pk} was reopened, due {action.due_on:%d %b %Y}", body=action.close_note)
    signals.quality_facts_changed.send(sender=Action, centre_id=action.centre_id, assessor_id=action.owner_id,
                                       reason="action_reopened")
    return action


# --- what the pages show -----------------------------------------------------------------------------


def _listed(actions: QuerySet[Action], today: date) -> list[Action]:
    """Not closed first (overdue, then by due date), then closed, newest closing first; each
    marked overdue or not for the template."""
    rows = list(actions.select_related("owner", "raised_by", "enrolment__learner", "unit"))
    for a in rows:
        a.overdue = is_overdue(a, today)
        a.days_overdue = (today - a.due_on).days if a.overdue else 0
    closed = sorted((a for a in rows if a.status == Action.Status.CLOSED), key=lambda a: a.closed_at, reverse=True)
    live = sorted((a for a in rows if a.status != Action.Status.CLOSED), key=lambda a: (not a.overdue, a.due_on, a.pk))
    return live + closed


def actions_listed(membership: Any, *, limit: int = 200) -> dict[str, list[Action]]:
    """The actions page: those for the member as an assessor, and those they set as an IQA (or,
    for those who read all of the centre's quality assurance, every action)."""
    today = timezone.localdate()
    visible = access.actions_visible(membership)
    if membership is None:
        return {"for_me": [], "set_by_me": [], "others": []}
    for_me = visible.filter(owner_id=membership.user_id)
    set_by_me = visible.filter(raised_by_id=membership.user_id)
    others = visible.exclude(owner_id=membership.user_id).exclude(raised_by_id=membership.user_id)
    return {
        "for_me": _listed(for_me.order_by("-created_at")[:limit], today),
        "set_by_me": _listed(set_by_me.order_by("-created_at")[:limit], today),
        "others": _listed(others.order_by("-created_at")[:limit], today),
    }


@dataclass
class AssessorActions:
    actions: list[Action]
    total: int
    overdue: int


def assessor_home_actions(membership: Any, *, limit: int = 10) -> AssessorActions:
    """The assessor's open actions for their home page, overdue first then by due date (two queries)."""
    if not access.may_read_own_quality(membership):
        return AssessorActions([], 0, 0)
    today = timezone.localdate()
    open_actions = Action.objects.filter(centre_id=membership.centre_id, owner_id=membership.user_id,
                                         status=Action.Status.OPEN)
    counts = open_actions.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    rows = list(open_actions.select_related("enrolment__learner", "unit").order_by("due_on", "id")[:limit])
    for a in rows:
        a.overdue = is_overdue(a, today)
        a.days_overdue = (today - a.due_on).days if a.overdue else 0
    return AssessorActions(rows, counts["total"], counts["overdue"])
