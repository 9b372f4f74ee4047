"""The centre's details with each awarding organisation (AO), and a learner's registration facts.

Services: keyword-only, one transaction each, the actor re-checked through `access`, every
problem in one ValidationError (by field), the audit event in the same transaction. A call that
changes nothing records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.centres.models import Centre
from apps.core.text import name_problem
from apps.core.validators import EARLIEST_DATE
from apps.learners.models import Enrolment
from apps.learners.rules import date_of_birth_problem
from apps.learners.services import start_date_locked_message
from apps.qualifications.models import Qualification

from . import access
from .aos import ao_for
from .models import AOCentreNumber, QualificationApproval
from .prechecks import day

AO = Qualification.AwardingOrganisation
MAX_NUMBER = 50
MAX_NAME = 200


def _text_problem(value: str, what: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{what} is {len(value)} characters long: at most {limit} fit."
    return name_problem(value, what=what)


def _date_problem(value: date | None, what: str, today: date) -> str | None:
    if value is None:
        return None
    if value > today:
        return f"{what} {day(value)} is in the future: give the date it happened."
    if value < EARLIEST_DATE:
        return f"{what} {day(value)} is before 1900: check the year (it has four digits, like 2024)."
    return None


# --- reads for the settings page --------------------------------------------------------------


@dataclass(frozen=True)
class Taught:
    """A qualification the centre has learners on, with its approval (None when never set)."""

    number: str
    title: str
    awarding_organisation: str
    approval: QualificationApproval | None


def taught_qualifications(centre_id: int) -> list[Taught]:
    """The qualifications of the centre's enrolments (by number, whatever the version), with
    their approval: two queries."""
    rows = (
        Enrolment.objects.filter(centre_id=centre_id)
        .order_by("qualification__number", "-qualification__version")
        .distinct("qualification__number")
        .values_list("qualification__number", "qualification__title", "qualification__awarding_organisation")
    )
    approvals = {a.qualification_number: a for a in QualificationApproval.objects.filter(centre_id=centre_id)}
    return [Taught(number, title, ao, approvals.get(number)) for number, title, ao in rows]


def centre_numbers(centre_id: int) -> dict[str, AOCentreNumber]:
    return {n.awarding_organisation: n for n in AOCentreNumber.objects.filter(centre_id=centre_id)}


# --- the centre's numbers and approvals -------------------------------------------------------


@transaction.atomic
def ao_centre_number_set(*, actor: Any, centre: Centre, awarding_organisation: str, centre_number: str) -> AOCentreNumber:
    """Set the centre's number with one AO (replacing the one held)."""
    access.require_manage(membership_for(actor, centre.pk))
    number = centre_number.strip()
    if awarding_organisation not in AO.values:
        raise ValidationError({"awarding_organisation": "Choose an awarding organisation from the list."})
    label = ao_for(awarding_organisation).centre_number_label
    if not number:
        raise ValidationError({"centre_number": f"Type the {label}: it cannot be empty."})
    if problem := _text_problem(number, f"The {label}", MAX_NUMBER):
        raise ValidationError({"centre_number": problem})
    row = AOCentreNumber.objects.select_for_update().filter(
        centre=centre, awarding_organisation=awarding_organisation).first()
    before = row.centre_number if row else ""
    if row is not None and before == number:
        return row
    if row is None:
        row = AOCentreNumber(centre=centre, awarding_organisation=awarding_organisation)
    row.centre_number, row.updated_by, row.updated_at = number, actor, timezone.now()
    row.save()
    audit_record(action="certification.ao_number_set", actor=actor, centre=centre, obj=row,
                 payload={"awarding_organisation": awarding_organisation, "centre_number": number, "before": before})
    return row


@dataclass(frozen=True)
class ApprovalFacts:
    """The centre's approval for one qualification, as typed."""

    ao_course_code: str = ""
    has_dcs: bool = False
    dcs_since: date | None = None


@transaction.atomic
def approval_set(
    *, actor: Any, centre: Centre, qualification_number: str, facts: ApprovalFacts, today: date | None = None,
) -> QualificationApproval:
    """Set the AO's course code for a qualification the centre teaches, and whether the centre
    holds Direct Claims Status (DCS) for it and since when."""
    access.require_manage(membership_for(actor, centre.pk))
    today = today or timezone.localdate()
    if not Enrolment.objects.filter(centre=centre, qualification__number=qualification_number).exists():
        raise ValidationError(f"The centre has no learners on {qualification_number}: its approval is set once "
                              "learners are enrolled on it.")
    code, has_dcs, dcs_since = facts.ao_course_code.strip(), facts.has_dcs, facts.dcs_since
    problems: dict[str, str] = {}
    if code and (problem := _text_problem(code, "The course code", MAX_NUMBER)):
        problems["ao_course_code"] = problem
    if has_dcs and dcs_since is None:
        problems["dcs_since"] = "Say since when the centre holds Direct Claims Status for this qualification."
    elif not has_dcs and dcs_since is not None:
        problems["dcs_since"] = ("A date is given but Direct Claims Status is not ticked: tick it if the centre holds "
                                 "it, or clear the date.")
    elif problem := _date_problem(dcs_since, "The Direct Claims Status date", today):
        problems["dcs_since"] = problem
    if problems:
        raise ValidationError(problems)
    row = QualificationApproval.objects.select_for_update().filter(
        centre=centre, qualification_number=qualification_number).first()
    after = {"ao_course_code": code, "has_dcs": has_dcs, "dcs_since": dcs_since}
    if row is None:
        row = QualificationApproval(centre=centre, qualification_number=qualification_number)
        changed = [key for key, value in after.items() if value not in ("", False, None)]
    else:
        changed = [key for key, value in after.items() if getattr(row, key) != value]
        if not changed:
            return row
    for key, value in after.items():
        setattr(row, key, value)
    row.updated_by, row.updated_at = actor, timezone.now()
    row.save()
    audit_record(action="certification.approval_set", actor=actor, centre=centre, obj=row, payload={
        "qualification_number": qualification_number, "ao_course_code": code, "has_dcs": has_dcs,
        "dcs_since": dcs_since.isoformat() if dcs_since else None, "changed": changed,
    })
    return row


@transaction.atomic
def approval_follow_eqa(
    *, actor: Any, centre: Centre, qualification_number: str, has_dcs: bool, since: date, decision: str,
) -> QualificationApproval:
    """The EQA's decision on Direct Claims Status at a visit (granted or kept: held from the visit
    date, or from earlier if the centre held it already; removed or not granted: not held). The
    ready-to-claim and batch pages follow the approval; the course code stays as the centre set it.
    The caller (apps/eqa) has checked the EQA acts under an open grant for this qualification."""
    membership = membership_for(actor, centre.pk)
    if not (access.is_scoped_eqa(membership) and access.may_read_claims(membership)):
        raise PermissionDenied(access.NOT_EQA)
    row = QualificationApproval.objects.select_for_update().filter(
        centre=centre, qualification_number=qualification_number).first()
    if row is None:
        row = QualificationApproval(centre=centre, qualification_number=qualification_number)
    dcs_since = None
    if has_dcs:
        dcs_since = row.dcs_since if row.has_dcs and row.dcs_since and row.dcs_since <= since else since
    after = {"has_dcs": has_dcs, "dcs_since": dcs_since}
    changed = [key for key, value in after.items() if getattr(row, key) != value]
    if row.pk is not None and not changed:
        return row
    row.has_dcs, row.dcs_since = has_dcs, dcs_since
    row.updated_by, row.updated_at = actor, timezone.now()
    row.save()
    audit_record(action="certification.approval_set", actor=actor, centre=centre, obj=row, payload={
        "qualification_number": qualification_number, "ao_course_code": row.ao_course_code, "has_dcs": has_dcs,
        "dcs_since": dcs_since.isoformat() if dcs_since else None, "changed": changed,
        "decision": decision, "visited_on": since.isoformat(),
    })
    return row


# --- a learner's registration with the AO -----------------------------------------------------

REGISTRATION_FIELDS = ("registration_number", "registered_on", "start_date", "funding_status", "registered_name",
                       "registered_date_of_birth")


@dataclass(frozen=True)
class RegistrationFacts:
    """A learner's registration with the AO, as typed."""

    registration_number: str
    registered_on: date | None
    start_date: date
    funding_status: str  # Enrolment.Funding value, or "" when not known
    registered_name: str
    registered_date_of_birth: date | None


@transaction.atomic
def registration_set(
    *, actor: Any, enrolment: Enrolment, facts: RegistrationFacts, today: date | None = None,
) -> Enrolment:
    """Record the learner's registration with the AO as a claim must repeat it. The learner start
    date is locked once a claim carrying it has been submitted."""
    access.require_manage(membership_for(actor, enrolment.centre_id))
    today = today or timezone.localdate()
    # Only the enrolment's row is locked: the catalogue's qualification is shared by every centre.
    enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("qualification", "learner").get(
        pk=enrolment.pk)
    after = {
        "registration_number": facts.registration_number.strip(), "registered_on": facts.registered_on,
        "start_date": facts.start_date, "funding_status": facts.funding_status,
        "registered_name": " ".join(facts.registered_name.split()),
        "registered_date_of_birth": facts.registered_date_of_birth,
    }
    changed = [key for key in REGISTRATION_FIELDS if getattr(enrolment, key) != after[key]]
    problems: dict[str, str] = {}
    if "start_date" in changed and enrolment.start_date_sent_at is not None:
        problems["start_date"] = start_date_locked_message(enrolment)
    label = ao_for(enrolment.qualification.awarding_organisation).registration_label
    if after["registration_number"] and (problem := _text_problem(after["registration_number"], f"The {label}",
                                                                   MAX_NUMBER)):
        problems["registration_number"] = problem
    if after["registered_name"] and (problem := _text_problem(after["registered_name"], "The legal name", MAX_NAME)):
        problems["registered_name"] = problem
    if facts.funding_status not in ("", *Enrolment.Funding.values):
        problems["funding_status"] = "Choose funded or not funded."
    if problem := _date_problem(facts.registered_on, "The date of registration", today):
        problems["registered_on"] = problem
    if problem := date_of_birth_problem(facts.registered_date_of_birth, today):
        problems["registered_date_of_birth"] = problem
    if problems:
        raise ValidationError(problems)
    if not changed:
        return enrolment
    for key in changed:
        setattr(enrolment, key, after[key])
    enrolment.save(update_fields=changed)
    # The field names only: a date of birth is never written into the trail.
    audit_record(action="certification.registration_updated", actor=actor, centre=enrolment.centre, obj=enrolment,
                 payload={"enrolment": enrolment.pk, "learner": enrolment.learner.full_name,
                          "qualification": enrolment.qualification.number, "changed": changed})
    return enrolment
