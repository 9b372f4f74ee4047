"""Writes for learners, enrolments, unit plans and CSV imports.

Each write runs in one transaction with its audit event. Rules shared with the CSV import
are pure functions in `rules.py`; `enrolment_plan_verdict` is the one read here, because
other apps call it to ask whether a plan (or, later, what is achieved) meets the rules.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.models import Centre, Membership
from apps.centres.roles import RoleSet
from apps.centres.services import invitation_create, membership_change_roles
from apps.qualifications.engine import Achieved, Verdict, evaluate
from apps.qualifications.models import Qualification, Unit

from . import access, csv_import
from .models import Enrolment, Learner, LearnerImport, PlannedUnit, PriorAchievement
from .rules import (
    date_of_birth_problem,
    enrolment_dates_problem,
    qualification_closed_reason,
)
from .signals import enrolment_changed
from .uln import normalise_uln, uln_problem

User = get_user_model()


class LearnerCreated(NamedTuple):
    learner: Learner
    invited: bool  # an invitation email goes out when the transaction commits
    linked: bool  # the email already had an account, now linked to the record


def _learner_checks(
    *, centre: Centre, email: str, uln: str, date_of_birth: date | None, exclude: Learner | None = None
) -> None:
    """Field-by-field problems as one ValidationError (keys are the form's field names)."""
    problems: dict[str, str] = {}
    others = Learner.objects.filter(centre=centre)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    same_email = others.filter(email__iexact=email).first()
    if same_email is not None:
        problems["email"] = f"{same_email.full_name} already has the email {email} in this centre."
    if uln:
        problem = uln_problem(uln)
        if problem:
            problems["uln"] = problem
        else:
            same_uln = others.filter(uln=uln).first()
            if same_uln is not None:
                problems["uln"] = f"The ULN {uln} already belongs to {same_uln.full_name} ({same_uln.email}) in this centre."
    problem = date_of_birth_problem(date_of_birth, timezone.localdate())
    if problem:
        problems["date_of_birth"] = problem
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def learner_create(
    *,
    centre: Centre,
    actor,
    full_name: str,
    email: str,
    date_of_birth: date | None = None,
    uln: str = "",
    mis_reference: str = "",
    base_url: str,
) -> LearnerCreated:
    """Record a learner and give them access to the centre.

    Someone with no account gets the centre's learner invitation. Someone who already has
    an account is linked to the record straight away (an email is one person): if they
    already belong to the centre they gain the learner role and need no invitation;
    otherwise they are invited and join by signing in.
    """
    access.require_manager(actor, centre.pk)
    email = email.strip().lower()
    full_name = " ".join(full_name.split())
    uln = normalise_uln(uln)
    if not full_name:
        raise ValidationError({"full_name": "Enter the learner's name."})
    _learner_checks(centre=centre, email=email, uln=uln, date_of_birth=date_of_birth)
    user = User.objects.filter(email__iexact=email).first()
    linked = Learner.objects.filter(centre=centre, user=user).first() if user else None
    if linked is not None:
        raise ValidationError({"email": f"The account {email} is already the learner record of {linked.full_name} ({linked.email})."})
    try:
        with transaction.atomic():
            learner = Learner.objects.create(
                centre=centre,
                user=user,
                full_name=full_name,
                email=email,
                date_of_birth=date_of_birth,
                uln=uln or None,
                mis_reference=mis_reference.strip(),
            )
    except IntegrityError:
        # Someone added the same email or ULN between the checks and now.
        raise ValidationError(f"A learner with the email {email} or the ULN {uln} was added a moment ago.") from None
    audit_record(
        action="learner.created",
        actor=actor,
        centre=centre,
        obj=learner,
        payload={"email": email, "uln": uln or None, "linked_account": user is not None},
    )
    membership = Membership.objects.filter(centre=centre, user=user).first() if user else None
    if membership is not None:
        if not membership.roleset.learner:
            membership_change_roles(
                membership=membership, actor=actor, roles=dataclasses.replace(membership.roleset, learner=True)
            )
        return LearnerCreated(learner, invited=False, linked=True)
    invitation_create(
        centre=centre, actor=actor, email=email, full_name=full_name, roles=RoleSet(learner=True), base_url=base_url
    )
    return LearnerCreated(learner, invited=True, linked=user is not None)


@transaction.atomic
def learner_update(
    *,
    learner: Learner,
    actor,
    full_name: str,
    email: str,
    date_of_birth: date | None,
    uln: str,
    mis_reference: str,
) -> Learner:
    """Correct a learner's details. A changed ULN is its own audit event (it identifies the
    learner to awarding organisations); the other changes are one `learner.updated`."""
    access.require_manager(actor, learner.centre_id)
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    email = email.strip().lower()
    full_name = " ".join(full_name.split())
    uln = normalise_uln(uln)
    if not full_name:
        raise ValidationError({"full_name": "Enter the learner's name."})
    if learner.user_id is not None and email != learner.email.lower():
        raise ValidationError(
            {"email": f"{learner.full_name} signs in as {learner.email}: the email of someone with an account cannot be changed here."}
        )
    _learner_checks(centre=learner.centre, email=email, uln=uln, date_of_birth=date_of_birth, exclude=learner)
    before = {
        "full_name": learner.full_name, "email": learner.email, "date_of_birth": learner.date_of_birth,
        "mis_reference": learner.mis_reference,
    }
    after = {"full_name": full_name, "email": email, "date_of_birth": date_of_birth, "mis_reference": mis_reference.strip()}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    old_uln = learner.uln
    for key, value in after.items():
        setattr(learner, key, value)
    learner.uln = uln or None
    learner.save()
    if changes:
        audit_record(action="learner.updated", actor=actor, centre=learner.centre, obj=learner, payload={"changes": changes})
    if old_uln != learner.uln:
        audit_record(
            action="learner.uln_changed",
            actor=actor,
            centre=learner.centre,
            obj=learner,
            payload={"before": old_uln, "after": learner.uln},
        )
    return learner


@transaction.atomic
def learner_invite(*, learner: Learner, actor, base_url: str):
    """Send (again) the invitation to join the centre as a learner."""
    access.require_manager(actor, learner.centre_id)
    if Membership.objects.filter(centre_id=learner.centre_id, user__email__iexact=learner.email).exists():
        raise ValidationError(f"{learner.full_name} already belongs to {learner.centre.name}: no invitation is needed.")
    return invitation_create(
        centre=learner.centre,
        actor=actor,
        email=learner.email,
        full_name=learner.full_name,
        roles=RoleSet(learner=True),
        base_url=base_url,
    )


@transaction.atomic
def learner_link_account(*, membership: Membership) -> Learner | None:
    """Link the centre's learner record with this member's email to their account.

    Runs when a membership is saved (an invitation accepted), so the learner sees their
    enrolments as soon as they join.
    """
    learner = (
        Learner.objects.select_for_update()
        .filter(centre_id=membership.centre_id, user=None, email__iexact=membership.user.email)
        .first()
    )
    if learner is None or Learner.objects.filter(centre_id=membership.centre_id, user=membership.user).exists():
        return None
    learner.user = membership.user
    learner.save(update_fields=["user"])
    audit_record(
        action="learner.account_linked", actor=membership.user, centre=learner.centre, obj=learner,
        payload={"email": learner.email},
    )
    return learner


# --- enrolments --------------------------------------------------------------------------


def _staff_members(centre: Centre, users: Iterable, flag: str) -> list:
    """The users who are active members of the centre with the role `flag` (is_assessor...)."""
    ids = [user.pk for user in users]
    allowed = set(
        Membership.objects.filter(centre=centre, is_active=True, user_id__in=ids, **{flag: True}).values_list(
            "user_id", flat=True
        )
    )
    return [user for user in users if user.pk in allowed]


def _check_staff(enrolment_learner: Learner, assessors: list, iqa) -> None:
    centre = enrolment_learner.centre
    problems: dict[str, list[str]] = {}
    allowed = {user.pk for user in _staff_members(centre, assessors, "is_assessor")}
    refused = [user for user in assessors if user.pk not in allowed]
    if refused:
        names = ", ".join(str(user) for user in refused)
        problems.setdefault("assessors", []).append(f"{names}: not an active assessor in {centre.name}.")
    if iqa is not None and not _staff_members(centre, [iqa], "is_iqa"):
        problems.setdefault("iqa", []).append(f"{iqa} is not an active internal quality assurer in {centre.name}.")
    if iqa is not None and iqa in assessors:
        problems.setdefault("iqa", []).append(
            f"{iqa} cannot be both an assessor and the IQA of this enrolment: they would be sampling their own decisions."
        )
    own = enrolment_learner.user_id
    if own is not None and (any(user.pk == own for user in assessors) or (iqa is not None and iqa.pk == own)):
        problems.setdefault("assessors", []).append(
            f"{enrolment_learner.full_name} cannot assess or quality-assure their own enrolment."
        )
    if problems:
        raise ValidationError(problems)


def _check_dates(start_date: date, planned_end_date: date) -> None:
    problem = enrolment_dates_problem(start_date, planned_end_date)
    if problem:
        raise ValidationError({"planned_end_date": problem})


def start_date_locked_message(enrolment: Enrolment) -> str:
    """Why the learner start date cannot change: a claim carrying it has been submitted, and the
    awarding organisation changes it only on request (NCFE asks for evidence)."""
    ao = enrolment.qualification.awarding_organisation
    sent = timezone.localtime(enrolment.start_date_sent_at).date() if enrolment.start_date_sent_at else None
    when = f" on {sent.day} {sent:%B %Y}" if sent else ""
    return (f"The learner start date was sent to {ao} with a claim{when}, so it is locked. {ao} changes it only "
            "on request, with evidence: ask their customer support.")


def _names(users: Iterable) -> list[str]:
    return sorted(f"{user} ({user.email})" for user in users)


@transaction.atomic
def enrolment_create(
    *,
    learner: Learner,
    actor,
    qualification: Qualification,
    start_date: date,
    planned_end_date: date,
    registration_number: str = "",
    assessors: Iterable = (),
    iqa=None,
    today: date | None = None,
) -> Enrolment:
    """Enrol a learner on the current version of a qualification that takes enrolments.

    Every unit of the qualification's mandatory groups goes into the plan straight away.
    """
    access.require_manager(actor, learner.centre_id)
    today = today or timezone.localdate()
    assessors = list(assessors)
    unit_count = Unit.objects.filter(qualification=qualification).count()
    reason = qualification_closed_reason(qualification, today, unit_count=unit_count)
    if reason:
        raise ValidationError({"qualification": reason})
    _check_dates(start_date, planned_end_date)
    _check_staff(learner, assessors, iqa)
    current = (
        Enrolment.objects.filter(
            learner=learner, qualification__number=qualification.number, status=Enrolment.Status.ACTIVE
        )
        .order_by("start_date")
        .first()
    )
    if current is not None:
        raise ValidationError(
            {"qualification": f"{learner.full_name} is already enrolled on {qualification.number} (since {current.start_date:%d/%m/%Y})."}
        )
    enrolment = Enrolment.objects.create(
        centre=learner.centre,
        learner=learner,
        qualification=qualification,
        registration_number=registration_number.strip(),
        start_date=start_date,
        planned_end_date=planned_end_date,
        iqa=iqa,
    )
    enrolment.assessors.set(assessors)
    mandatory = {group["id"] for group in qualification.groups if group.get("mandatory")}
    units = Unit.objects.filter(qualification=qualification, group__in=mandatory).order_by("position")
    PlannedUnit.objects.bulk_create(
        [PlannedUnit(enrolment=enrolment, unit=unit, source=PlannedUnit.Source.MANDATORY, added_by=actor) for unit in units]
    )
    audit_record(
        action="enrolment.created",
        actor=actor,
        centre=learner.centre,
        obj=enrolment,
        payload={
            "learner": learner.full_name,
            "qualification": qualification.number,
            "version": qualification.version,
            "registration_number": enrolment.registration_number,
            "start_date": start_date,
            "planned_end_date": planned_end_date,
            "assessors": _names(assessors),
            "iqa": _names([iqa]) if iqa else [],
            "mandatory_units": [unit.number for unit in units],
        },
    )
    enrolment_changed.send(sender=Enrolment, enrolment_id=enrolment.pk)
    return enrolment


@transaction.atomic
def enrolment_update(
    *,
    enrolment: Enrolment,
    actor,
    registration_number: str,
    start_date: date,
    planned_end_date: date,
    assessors: Iterable,
    iqa,
) -> Enrolment:
    """Change an enrolment's details; a change of assessors or IQA is its own audit event."""
    access.require_manager(actor, enrolment.centre_id)
    enrolment = Enrolment.objects.select_for_update().select_related("learner__centre").get(pk=enrolment.pk)
    assessors = list(assessors)
    if start_date != enrolment.start_date and enrolment.start_date_sent_at is not None:
        raise ValidationError({"start_date": start_date_locked_message(enrolment)})
    _check_dates(start_date, planned_end_date)
    _check_staff(enrolment.learner, assessors, iqa)
    before = {
        "registration_number": enrolment.registration_number,
        "start_date": enrolment.start_date,
        "planned_end_date": enrolment.planned_end_date,
    }
    after = {"registration_number": registration_number.strip(), "start_date": start_date, "planned_end_date": planned_end_date}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    old_assessors = list(enrolment.assessors.all())
    old_iqa = enrolment.iqa
    for key, value in after.items():
        setattr(enrolment, key, value)
    enrolment.iqa = iqa
    enrolment.save()
    if changes:
        audit_record(
            action="enrolment.updated", actor=actor, centre=enrolment.centre, obj=enrolment, payload={"changes": changes}
        )
    if {u.pk for u in old_assessors} != {u.pk for u in assessors} or (old_iqa and old_iqa.pk) != (iqa and iqa.pk):
        enrolment.assessors.set(assessors)
        audit_record(
            action="enrolment.staff_reassigned",
            actor=actor,
            centre=enrolment.centre,
            obj=enrolment,
            payload={
                "assessors": {"before": _names(old_assessors), "after": _names(assessors)},
                "iqa": {"before": _names([old_iqa]) if old_iqa else [], "after": _names([iqa]) if iqa else []},
            },
        )
    return enrolment


# --- unit plans --------------------------------------------------------------------------


def _plan_editable(enrolment: Enrolment) -> None:
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError(f"This enrolment is {enrolment.get_status_display().lower()}: its plan can no longer change.")


@transaction.atomic
def enrolment_plan_set(*, enrolment: Enrolment, actor, unit_ids: Iterable[int]) -> Enrolment:
    """Make the plan exactly these units. Mandatory units cannot be left out, and every unit
    must belong to the enrolment's version of the qualification."""
    enrolment = Enrolment.objects.select_for_update().select_related("qualification").get(pk=enrolment.pk)
    _plan_editable(enrolment)
    wanted = set(unit_ids)
    access.require_plan_changer(actor, enrolment)
    units = {unit.pk: unit for unit in Unit.objects.filter(qualification=enrolment.qualification)}
    foreign = wanted - set(units)
    if foreign:
        others = Unit.objects.filter(pk__in=foreign).select_related("qualification").order_by("pk")
        names = ", ".join(f"unit {u.number} of {u.qualification.number}" for u in others) or "an unknown unit"
        raise ValidationError(
            f"The plan can only hold units of {enrolment.qualification.number}: {names} is not one of them."
        )
    planned = {p.unit_id: p for p in PlannedUnit.objects.filter(enrolment=enrolment)}
    mandatory_groups = {group["id"] for group in enrolment.qualification.groups if group.get("mandatory")}
    mandatory_left_out = [
        unit
        for unit in units.values()
        if unit.pk not in wanted
        and (unit.group in mandatory_groups or getattr(planned.get(unit.pk), "source", None) == PlannedUnit.Source.MANDATORY)
    ]
    if mandatory_left_out:
        names = ", ".join(f"unit {u.number} {u.title}" for u in sorted(mandatory_left_out, key=lambda u: u.position))
        raise ValidationError(f"Mandatory units cannot be removed from the plan: {names}.")
    added = sorted((units[i] for i in wanted - set(planned)), key=lambda u: u.position)
    removed = sorted((units[i] for i in set(planned) - wanted), key=lambda u: u.position)
    if not added and not removed:
        return enrolment
    PlannedUnit.objects.filter(enrolment=enrolment, unit__in=removed).delete()
    PlannedUnit.objects.bulk_create(
        [
            PlannedUnit(
                enrolment=enrolment,
                unit=unit,
                source=PlannedUnit.Source.MANDATORY if unit.group in mandatory_groups else PlannedUnit.Source.CHOSEN,
                added_by=actor,
            )
            for unit in added
        ]
    )
    audit_record(
        action="enrolment.plan_changed",
        actor=actor,
        centre=enrolment.centre,
        obj=enrolment,
        payload={"added": [u.number for u in added], "removed": [u.number for u in removed]},
    )
    enrolment_changed.send(sender=Enrolment, enrolment_id=enrolment.pk)
    return enrolment


@transaction.atomic
def prior_achievement_record(
    *,
    enrolment: Enrolment,
    actor,
    unit: Unit,
    route: str,
    reference: str,
    achieved_on: date | None = None,
) -> PriorAchievement:
    """Record a unit achieved elsewhere (credit transfer, RPL or exemption): it counts
    towards the rules like an assessed unit."""
    access.require_manager(actor, enrolment.centre_id)
    enrolment = Enrolment.objects.select_for_update().select_related("qualification").get(pk=enrolment.pk)
    _plan_editable(enrolment)
    problems: dict[str, str] = {}
    if unit.qualification_id != enrolment.qualification_id:
        problems["unit"] = f"Unit {unit.number} is not a unit of {enrolment.qualification.number}."
    elif PriorAchievement.objects.filter(enrolment=enrolment, unit=unit).exists():
        problems["unit"] = f"Unit {unit.number} is already recorded as achieved elsewhere."
    if route not in PriorAchievement.Route.values:
        problems["route"] = "Choose credit transfer, recognition of prior learning or exemption."
    if not reference.strip():
        problems["reference"] = "Give the certificate number, awarding organisation or RPL record this rests on."
    if achieved_on is not None and achieved_on > timezone.localdate():
        problems["achieved_on"] = f"The date achieved {achieved_on:%d/%m/%Y} is in the future."
    if problems:
        raise ValidationError(problems)
    prior = PriorAchievement.objects.create(
        enrolment=enrolment, unit=unit, route=route, reference=reference.strip(), achieved_on=achieved_on, recorded_by=actor
    )
    audit_record(
        action="enrolment.prior_achievement_recorded",
        actor=actor,
        centre=enrolment.centre,
        obj=enrolment,
        payload={"unit": unit.number, "urn": unit.urn, "route": route, "reference": prior.reference, "achieved_on": achieved_on},
    )
    enrolment_changed.send(sender=Enrolment, enrolment_id=enrolment.pk)
    return prior


@transaction.atomic
def prior_achievement_remove(*, prior: PriorAchievement, actor) -> None:
    """Remove a unit recorded in error; the audit event keeps what it said."""
    access.require_manager(actor, prior.enrolment.centre_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=prior.enrolment_id)
    _plan_editable(enrolment)
    payload = {
        "unit": prior.unit.number, "route": prior.route, "reference": prior.reference, "achieved_on": prior.achieved_on,
    }
    prior.delete()
    audit_record(
        action="enrolment.prior_achievement_removed", actor=actor, centre=enrolment.centre, obj=enrolment, payload=payload
    )
    enrolment_changed.send(sender=Enrolment, enrolment_id=enrolment.pk)


def enrolment_plan_verdict(enrolment: Enrolment) -> Verdict:
    """What the rules engine says of the plan: planned and prior units as if achieved.

    Units achieved elsewhere count by their route; a planned unit also recorded as prior
    counts once. Three queries at
    most (units of the qualification, planned units, prior units), none for what the
    caller prefetched (`qualification__units`, `planned_units__unit`, `prior_achievements__unit`).
    """
    rules = enrolment.qualification.rules()
    cache = getattr(enrolment, "_prefetched_objects_cache", {})
    if "prior_achievements" in cache:
        prior = {p.unit.number: p.route for p in enrolment.prior_achievements.all()}
    else:
        prior = dict(enrolment.prior_achievements.values_list("unit__number", "route"))
    if "planned_units" in cache:
        numbers = [p.unit.number for p in enrolment.planned_units.all()]
    else:
        numbers = list(enrolment.planned_units.values_list("unit__number", flat=True))
    achieved = [Achieved(unit=number) for number in numbers if number not in prior]
    achieved += [Achieved(unit=number, via=route) for number, route in prior.items()]
    return evaluate(rules, achieved)


# --- CSV import ------------------------------------------------------------------------


@transaction.atomic
def learner_import_create(*, centre: Centre, actor, filename: str, data: bytes) -> LearnerImport:
    """Keep an uploaded CSV's rows for the preview. Raises ValidationError when the file as
    a whole cannot be read (then nothing is kept)."""
    access.require_manager(actor, centre.pk)
    try:
        parsed = csv_import.read_csv(data)
    except csv_import.CsvProblem as exc:
        raise ValidationError(str(exc)) from None
    learner_import = LearnerImport.objects.create(
        centre=centre,
        uploaded_by=actor,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        columns=parsed.columns,
        ignored_columns=parsed.ignored,
        rows=parsed.rows,
    )
    audit_record(
        action="learner_import.uploaded",
        actor=actor,
        centre=centre,
        obj=learner_import,
        payload={"filename": learner_import.filename, "rows": len(parsed.rows), "sha256": learner_import.sha256},
    )
    return learner_import


@transaction.atomic
def learner_import_apply(
    *, learner_import: LearnerImport, actor, only_good_rows: bool, base_url: str, today: date | None = None
) -> dict[str, int]:
    """Import the file: new learners (each invited), and their enrolments.

    Nothing is imported while any row has a problem, unless the admin chose to import
    only the good rows. Rows already here are left alone, so importing the same file
    again creates nothing twice.
    """
    access.require_manager(actor, learner_import.centre_id)
    today = today or timezone.localdate()
    learner_import = LearnerImport.objects.select_for_update().get(pk=learner_import.pk)
    if learner_import.status == LearnerImport.Status.APPLIED:
        raise ValidationError(
            f"This file was already imported on {timezone.localtime(learner_import.applied_at):%d/%m/%Y at %H:%M}."
        )
    checks = csv_import.analyse(centre=learner_import.centre, rows=learner_import.rows, today=today)
    bad = [check for check in checks if not check.ok]
    if bad and not only_good_rows:
        raise ValidationError(
            f"Nothing was imported: {len(bad)} of {len(checks)} rows have problems. Correct the file and "
            "upload it again, or choose to import only the good rows."
        )
    counts = {"learners": 0, "enrolments": 0, "already_here": 0, "skipped": len(bad)}
    created: dict[str, Learner] = {}
    try:
        for check in checks:
            if not check.ok:
                continue
            if check.already_here:
                counts["already_here"] += 1
                continue
            learner = check.existing or created.get(check.email)
            if learner is None:
                learner = learner_create(
                    centre=learner_import.centre,
                    actor=actor,
                    full_name=check.full_name,
                    email=check.email,
                    date_of_birth=check.date_of_birth,
                    uln=check.uln,
                    mis_reference=check.values.get("mis_reference", ""),
                    base_url=base_url,
                ).learner
                created[check.email] = learner
                counts["learners"] += 1
            if check.creates_enrolment:
                enrolment_create(
                    learner=learner,
                    actor=actor,
                    qualification=check.qualification,
                    start_date=check.start_date,
                    planned_end_date=check.planned_end_date,
                    registration_number=check.values.get("registration_number", ""),
                    today=today,
                )
                counts["enrolments"] += 1
    except (ValidationError, IntegrityError) as exc:
        # Someone changed the centre between the checks and the import: import nothing.
        detail = " ".join(exc.messages) if isinstance(exc, ValidationError) else "a learner was added meanwhile"
        raise ValidationError(f"Nothing was imported: line {check.line} could not be imported ({detail}).") from None
    learner_import.status = LearnerImport.Status.APPLIED
    learner_import.applied_at = timezone.now()
    learner_import.applied_by = actor
    learner_import.result = counts
    learner_import.save(update_fields=["status", "applied_at", "applied_by", "result"])
    audit_record(
        action="learner_import.applied",
        actor=actor,
        centre=learner_import.centre,
        obj=learner_import,
        payload={**counts, "filename": learner_import.filename, "only_good_rows": only_good_rows},
    )
    return counts

