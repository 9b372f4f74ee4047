"""Observations of assessors' practice and standardisation meetings: the IQA's records beside
samples. Each write is one transaction with its audit event (`iqa.practice_observed`,
`iqa.standardisation_recorded`) and the actions it sets (apps/iqa/actions.action_set); every
problem with the input is one ValidationError and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.centres.models import Centre
from apps.core.signatures import signature_or_problem
from apps.core.validators import EARLIEST_DATE
from apps.evidence.models import Evidence
from apps.learners.models import Enrolment
from apps.qualifications.models import Qualification, Unit

from . import access, signals
from .actions import action_set
from .checks import ANSWERS, NO, Check
from .models import Action, PracticeObservation, StandardisationJudgement, StandardisationMeeting

# What an IQA looks at when watching an assessor assess (the City & Guilds observation checklist).
OBSERVATION_CHECKS: tuple[Check, ...] = (
    Check("planning", "Planning", "Was the assessment planned with the learner, and the plan followed?"),
    Check("conduct", "Conduct", "Was the assessment fair, safe and carried out as planned?"),
    Check("questioning", "Questioning", "Were the questions open, clear and not leading?"),
    Check("feedback", "Feedback", "Was the feedback to the learner clear, constructive and developmental?"),
    Check("recording", "Recording", "Were the decisions recorded accurately, dated and signed?"),
    Check("appeals", "Appeals information given", "Was the learner told how to appeal a decision?"),
)
JUDGEMENTS = {"met": "Met", "not_yet_met": "Not yet met"}
TEXT_MAX = 5000


@dataclass(frozen=True)
class ActionInput:
    """An action to set with the record: what, for whom (the observed assessor when empty), by when."""

    text: str
    due_on: date | None
    owner_id: int | None = None


@dataclass(frozen=True)
class ObservationInput:
    assessor_id: int | None
    observed_on: date | None
    activity: str
    method: str
    checklist: dict[str, dict[str, str]]
    outcome: str
    notes: str
    signed_name: str
    enrolment_id: int | None = None
    actions: list[ActionInput] = field(default_factory=list)


@dataclass(frozen=True)
class JudgementInput:
    attendee_id: int
    judgement: str
    comment: str = ""


@dataclass(frozen=True)
class MeetingInput:
    held_on: date | None
    qualification_id: int | None
    unit_id: int | None
    facilitator_id: int | None
    exemplar: str
    agreed_judgement: str
    judgements: list[JudgementInput]
    notes: str
    actions: list[ActionInput] = field(default_factory=list)


def agreement_rate(judgements: list[str], agreed: str) -> int | None:
    """The share of attendees whose judgement matched the meeting's conclusion, in whole per cent."""
    if not judgements or not agreed:
        return None
    return round(100 * sum(1 for j in judgements if j == agreed) / len(judgements))


def _date_problems(day: date | None, what: str) -> list[str]:
    if day is None:
        return [f"Give the date {what}."]
    if day < EARLIEST_DATE:
        return [f"The date {what} is before 1900: check the year."]
    if day > timezone.localdate():
        return [f"The date {what} is in the future."]
    return []


def _checklist(raw: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], list[str]]:
    answers: dict[str, dict[str, str]] = {}
    problems = []
    for check in OBSERVATION_CHECKS:
        given = raw.get(check.key) or {}
        answer = str(given.get("answer") or "").strip()
        comment = str(given.get("comment") or "").strip()
        if answer not in ANSWERS:
            problems.append(f"Answer “{check.label}”: yes, no or not applicable.")
            continue
        if answer == NO and not comment:
            problems.append(f"Say what was wrong with “{check.label}”: the assessor must learn from it.")
        if len(comment) > TEXT_MAX:
            problems.append(f"The comment on “{check.label}” is too long.")
        answers[check.key] = {"answer": answer, "comment": comment}
    return answers, problems


def _action_problems(actions: list[ActionInput]) -> list[str]:
    problems = []
    for number, action in enumerate(actions, start=1):
        if not action.text.strip():
            problems.append(f"Action {number}: say what the assessor must do.")
        if action.due_on is None:
            problems.append(f"Action {number}: give the date it is due.")
        elif action.due_on < timezone.localdate():
            problems.append(f"Action {number}: the due date cannot be in the past.")
    return problems


@transaction.atomic
def observation_record(*, actor: Any, centre: Centre, data: ObservationInput) -> PracticeObservation:
    """Record an IQA's observation of an assessor's practice, signed, with any actions it sets."""
    membership = access.require_quality_recorder(actor, centre.pk)
    problems: list[str] = []
    assessor = None
    if data.assessor_id is None:
        problems.append("Choose the assessor you observed.")
    elif data.assessor_id == actor.pk:
        problems.append("You cannot observe your own practice: another IQA does that.")
    elif not access.may_observe(membership, data.assessor_id):
        problems.append("You can observe only the assessors you quality-assure.")
    else:
        assessor = User.objects.get(pk=data.assessor_id)
    enrolment = None
    if data.enrolment_id is not None:
        enrolment = access.enrolments_in_scope(membership).filter(pk=data.enrolment_id).first()
        if enrolment is None or (assessor is not None and not enrolment.assessors.filter(pk=assessor.pk).exists()):
            problems.append("The learner must be one of the observed assessor's learners.")
    problems += _date_problems(data.observed_on, "of the observation")
    activity = " ".join(data.activity.split())
    if not activity:
        problems.append("Say what you observed (for example, “Observation of a customer complaint call”).")
    elif len(activity) > 200:
        problems.append("Keep “what was observed” to 200 characters; put the rest in the notes.")
    if data.method and data.method not in Evidence.Method.values:
        problems.append("Choose the assessment method from the list.")
    checklist, checklist_problems = _checklist(data.checklist)
    problems += checklist_problems
    if data.outcome not in PracticeObservation.Outcome.values:
        problems.append("Choose the outcome of the observation.")
    elif data.outcome == PracticeObservation.Outcome.UNSATISFACTORY and not data.actions:
        problems.append("An observation that is not satisfactory needs at least one action for the assessor.")
    if len(data.notes) > TEXT_MAX * 4:
        problems.append("The notes are too long.")
    problems += _action_problems(data.actions)
    signed_name = signature_or_problem(data.signed_name, actor.full_name, problems)
    if problems:
        raise ValidationError(problems)

    observation = PracticeObservation.objects.create(
        centre=centre, iqa=actor, assessor=assessor, enrolment=enrolment, observed_on=data.observed_on,
        activity=activity, method=data.method, checklist=checklist, outcome=data.outcome, notes=data.notes.strip(),
        signed_name=signed_name,
    )
    audit_record(action="iqa.practice_observed", actor=actor, centre=centre, obj=observation,
                 payload={"assessor": assessor.full_name, "assessor_id": assessor.pk, "observed_on": data.observed_on.isoformat(),
                          "outcome": data.outcome, "actions": len(data.actions)})
    for action in data.actions:
        action_set(actor=actor, centre=centre, source=Action.Source.OBSERVATION, owner=assessor,
                   text=action.text, due_on=action.due_on, observation=observation, enrolment=enrolment)
    if data.actions:
        signals.quality_facts_changed.send(sender=Action, centre_id=centre.pk, assessor_id=assessor.pk,
                                           reason="Action set after an observation of practice")
    return observation


@transaction.atomic
def meeting_record(*, actor: Any, centre: Centre, data: MeetingInput) -> StandardisationMeeting:
    """Record a standardisation meeting: who judged the exemplar how, the agreed judgement, the
    minutes and the actions agreed."""
    access.require_quality_recorder(actor, centre.pk)
    problems: list[str] = []
    problems += _date_problems(data.held_on, "of the meeting")
    qualification = unit = None
    offered = Enrolment.objects.filter(centre_id=centre.pk).values("qualification_id")
    if data.qualification_id is not None:
        qualification = Qualification.objects.filter(pk=data.qualification_id, pk__in=offered).first()
        if qualification is None:
            problems.append("Choose a qualification the centre has learners on.")
    if data.unit_id is not None:
        unit = Unit.objects.filter(pk=data.unit_id).first()
        if unit is None or (qualification is not None and unit.qualification_id != qualification.pk):
            problems.append("The unit must be one of the chosen qualification's units.")
        elif qualification is None:
            qualification = unit.qualification
    if qualification is None and unit is None and not problems:
        problems.append("Choose the qualification (and, if you like, the unit) the exemplar is from.")
    members = {person.pk: person for person in access.standardisation_people(centre.pk)}
    facilitator = members.get(data.facilitator_id) if data.facilitator_id is not None else None
    if facilitator is None:
        problems.append("Choose who facilitated the meeting, from the centre's assessors and IQAs.")
    exemplar = data.exemplar.strip()
    if not exemplar:
        problems.append("Describe the exemplar everyone judged, and where it is kept.")
    if data.agreed_judgement not in JUDGEMENTS:
        problems.append("Give the judgement the meeting agreed: met or not yet met.")
    attendees = [j.attendee_id for j in data.judgements]
    if len(data.judgements) < 2:
        problems.append("Standardisation needs at least two attendees, each with their judgement of the exemplar.")
    if len(set(attendees)) != len(attendees):
        problems.append("Each attendee judges the exemplar once.")
    if any(a not in members for a in attendees):
        problems.append("Attendees must be the centre's assessors and IQAs.")
    if any(j.judgement not in JUDGEMENTS for j in data.judgements):
        problems.append("Each attendee's judgement is met or not yet met.")
    problems += _action_problems(data.actions)
    for number, action in enumerate(data.actions, start=1):
        if action.owner_id not in set(attendees) or action.owner_id not in members:
            problems.append(f"Action {number}: choose who it is for, from the attendees.")
    if problems:
        raise ValidationError(problems)

    meeting = StandardisationMeeting.objects.create(
        centre=centre, qualification=qualification, unit=unit, held_on=data.held_on, facilitator=facilitator,
        exemplar=exemplar, agreed_judgement=data.agreed_judgement, notes=data.notes.strip(), created_by=actor,
    )
    StandardisationJudgement.objects.bulk_create(
        StandardisationJudgement(meeting=meeting, attendee=members[j.attendee_id], judgement=j.judgement,
                                 comment=j.comment.strip())
        for j in data.judgements
    )
    rate = agreement_rate([j.judgement for j in data.judgements], data.agreed_judgement)
    audit_record(action="iqa.standardisation_recorded", actor=actor, centre=centre, obj=meeting,
                 payload={"held_on": data.held_on.isoformat(), "attendees": len(attendees), "agreement": rate,
                          "qualification": qualification.pk if qualification else None,
                          "unit": unit.pk if unit else None, "actions": len(data.actions)})
    assessors = access.centre_assessor_ids(centre.pk)
    for action in data.actions:
        action_set(actor=actor, centre=centre, source=Action.Source.STANDARDISATION, owner=members[action.owner_id],
                   text=action.text, due_on=action.due_on, meeting=meeting)
        if action.owner_id in assessors:  # an open action bears on an assessor's risk band
            signals.quality_facts_changed.send(sender=Action, centre_id=centre.pk, assessor_id=action.owner_id,
                                               reason="Action set at a standardisation meeting")
    return meeting
