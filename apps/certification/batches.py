"""Claim batches: learners claimed from one awarding organisation (AO) together, from the first
draft to the AO's answer for each learner.

    draft ─ lead IQA declares ─▶ declared ─ admin authorises ─▶ ready          (DCS for every qualification)
                                                             └▶ awaiting_eqa ─ EQA approves ─▶ ready
                                                                             └ EQA queries ──▶ eqa_queried
    ready ─ admin submits ─▶ submitted: frozen (migration 0002); then per learner, outcomes (append-only)
    declared, awaiting_eqa, eqa_queried or ready ─ admin reopens ─▶ draft, signatures cleared

Every service re-checks its actor through `access`, locks the batch it changes (two admins
submitting at once: one submits, the other is told), runs in one transaction with its audit
event, and refuses bad input with every problem in words, changing nothing. Who is claimable is
readiness.candidates' answer, asked again at every signature and at submission: a sign-off
suspended or an IQA action opened since the learner joined stops the batch, naming the learner.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.centres.models import Membership
from apps.core.signatures import signature_or_problem
from apps.core.text import name_problem
from apps.learners.models import Enrolment
from apps.notifications.services import notify

from . import access, counters, exports
from .models import AO, ClaimBatch, ClaimLine, ClaimOutcome, ClaimUnit, Document, QualificationApproval
from .readiness import Candidate, candidates

Status = ClaimBatch.Status
SERIES = "CB"

DECLARATION = (
    "As the centre's lead internal quality assurer I declare that, for every learner and unit in this claim: "
    "the assessment decisions were made by assessors entitled to make them, a trainee's decisions were "
    "countersigned, and each unit was signed off and acknowledged by the learner; internal quality assurance "
    "was carried out as the centre's sampling strategy requires, and no sample disagreement or IQA action "
    "remains open; credit transfer and recognition of prior learning are backed by the evidence recorded; "
    "and the evidence is kept by the centre for the awarding organisation and its external quality assurer."
)
AUTHORISATION = (
    "On behalf of the centre I authorise this claim: the learners' names, dates of birth and registration "
    "numbers are as registered with the awarding organisation, and the centre asks it to certificate the "
    "units and qualifications listed."
)

NOT_DRAFT = "Learners are added or taken out only while the batch is a draft. Reopen it first."
REOPENABLE = (Status.DECLARED, Status.AWAITING_EQA, Status.EQA_QUERIED, Status.READY)


# --- numbers ----------------------------------------------------------------------------------


# --- who is claimable -------------------------------------------------------------------------


def _refusal(candidate: Candidate) -> str:
    blocking = [p.message for p in candidate.problems if p.blocking]
    if blocking:
        return f"{candidate.learner_name}: " + " ".join(_sentence(m) for m in blocking)
    return f"{candidate.learner_name}: no whole unit is ready to claim."


def _sentence(message: str) -> str:
    message = message.strip()
    return message if message.endswith((".", "!", "?")) else message + "."


def _claimable(*, centre_id: int, enrolment_ids: list[int], awarding_organisation: str | None,
               today: date) -> tuple[str, list[tuple[Enrolment, Candidate]]]:
    """The chosen enrolments, locked, with their candidates: all claimable and of one AO, or a
    ValidationError naming each learner refused and why."""
    if not enrolment_ids:
        raise ValidationError("Choose at least one learner to claim for.")
    # Locked: a learner chosen by two admins at once joins one batch; the second is told.
    enrolments = {e.pk: e for e in Enrolment.objects.select_for_update(of=("self",)).select_related("learner")
                  .filter(centre_id=centre_id, pk__in=enrolment_ids)}
    found = {c.enrolment_id: c for c in candidates(centre_id=centre_id, today=today, enrolment_ids=list(enrolments))}
    problems: list[str] = []
    missing = [pk for pk in enrolment_ids if pk not in enrolments]
    if missing:
        problems.append("Some of the learners chosen are not this centre's: choose learners from the list.")
    chosen: list[tuple[Enrolment, Candidate]] = []
    for pk in enrolment_ids:
        if pk not in enrolments:
            continue
        candidate = found[pk]  # one per enrolment asked about
        if candidate.claimable:
            chosen.append((enrolments[pk], candidate))
        else:
            problems.append(_refusal(candidate))
    organisations = sorted({c.awarding_organisation for _, c in chosen})
    if awarding_organisation is not None:
        for _, candidate in chosen:
            if candidate.awarding_organisation != awarding_organisation:
                problems.append(f"{candidate.learner_name} is on a {candidate.awarding_organisation} qualification; "
                                f"this batch is for {awarding_organisation}.")
    elif len(organisations) > 1:
        problems.append(f"A batch goes to one awarding organisation: you chose learners of {' and '.join(organisations)}. "
                        "Choose the learners of one.")
    if problems:
        raise ValidationError(problems)
    return awarding_organisation or organisations[0], chosen


def _add_lines(batch: ClaimBatch, chosen: list[tuple[Enrolment, Candidate]], actor: Any) -> list[ClaimLine]:
    """One line per learner with the registration facts as they are now, and its ready units."""
    now = timezone.now()
    lines = ClaimLine.objects.bulk_create([
        ClaimLine(
            batch=batch, enrolment=enrolment, claim_type=candidate.claim_type,
            award_date=max(u.achieved_on for u in candidate.ready_units),
            registration_number=enrolment.registration_number, registered_name=enrolment.registered_name,
            date_of_birth=enrolment.registered_date_of_birth, uln=enrolment.learner.uln or "",
            added_by=actor, added_at=now,
        )
        for enrolment, candidate in chosen
    ])
    ClaimUnit.objects.bulk_create([
        ClaimUnit(
            line=line, unit_id=u.unit_id, route=u.route, achieved_on=u.achieved_on,
            assessor_name=u.assessor_name, assessor_signed_at=u.assessor_signed_at, iqa_name=u.iqa_name,
            iqa_sampled=u.iqa_sampled, iqa_signed_at=u.iqa_signed_at, prior_reference=u.prior_reference,
            evidence=[dict(e) for e in u.evidence],
        )
        for line, (_, candidate) in zip(lines, chosen, strict=True)
        for u in candidate.ready_units
    ])
    return lines


def recheck(batch: ClaimBatch, *, today: date) -> list[str]:
    """Each learner of the batch still claimable for every unit on their line: the problems in
    words, naming the learner (empty when all is well). Runs in the caller's transaction."""
    lines = list(batch.lines.select_related("enrolment__learner").prefetch_related("units__unit"))
    if not lines:
        return ["Add at least one learner to the batch first."]
    found = {c.enrolment_id: c for c in candidates(
        centre_id=batch.centre_id, today=today, enrolment_ids=[line.enrolment_id for line in lines],
        ignoring_batch_id=batch.pk)}
    remedy = ("Take the learner out of the batch" if batch.status == Status.DRAFT else
              "Reopen the batch and take the learner out") + ", or wait until it is ready again."
    problems = []
    for line in lines:
        candidate = found[line.enrolment_id]
        ready = {u.unit_id for u in candidate.ready_units}
        waiting = dict(candidate.waiting_units)
        lost = [f"{u.unit.number} {u.unit.title}" for u in line.units.all() if u.unit_id not in ready]
        # A unit-level pre-check ("Unit 2 …: …") of a unit on the line is said once, below.
        said = tuple(f"Unit {label}" for label in lost)
        blocking = [p.message for p in candidate.problems if p.blocking and not p.message.startswith(said)]
        if blocking:
            problems.append(f"{line.registered_name}: " + " ".join(_sentence(m) for m in blocking) + " " + remedy)
        for label in lost:
            why = waiting.get(label, "it is no longer ready to claim")
            problems.append(f"{line.registered_name}, unit {label}: {_sentence(why)} {remedy}")
        if changed := changed_facts(line):
            problems.append(f"{line.registered_name}: the {' and '.join(changed)} recorded for the learner changed "
                            "after they joined the batch. Take them out and add them again, so that the claim carries "
                            "the registration as it is now.")
    return problems


def changed_facts(line: ClaimLine) -> list[str]:
    """The registration facts copied onto the line that no longer match the enrolment's."""
    enrolment = line.enrolment
    pairs = (("registration number", line.registration_number, enrolment.registration_number),
             ("name as registered", line.registered_name, enrolment.registered_name),
             ("date of birth as registered", line.date_of_birth, enrolment.registered_date_of_birth),
             ("ULN", line.uln, enrolment.learner.uln or ""))
    return [label for label, copied, now in pairs if copied != now]


def _qualification_numbers(batch: ClaimBatch) -> set[str]:
    return set(batch.lines.values_list("enrolment__qualification__number", flat=True))


def without_dcs(batch: ClaimBatch) -> list[str]:
    """The batch's qualification numbers for which the centre holds no Direct Claims Status."""
    numbers = _qualification_numbers(batch)
    with_dcs = set(QualificationApproval.objects.filter(
        centre_id=batch.centre_id, qualification_number__in=numbers, has_dcs=True,
    ).values_list("qualification_number", flat=True))
    return sorted(numbers - with_dcs)


# --- making and changing a draft --------------------------------------------------------------


NAMES_AUDITED = 20  # a college's batch of a thousand learners: the count says the rest


def _names(chosen: list[tuple[Enrolment, Candidate]]) -> list[str]:
    return [candidate.learner_name for _, candidate in chosen[:NAMES_AUDITED]]


def _locked(batch: ClaimBatch) -> ClaimBatch:
    return ClaimBatch.objects.select_for_update().select_related("centre").get(pk=batch.pk)


@transaction.atomic
def batch_create(*, actor: Any, centre_id: int, enrolment_ids: Iterable[int],
                 awarding_organisation: str | None = None, today: date | None = None) -> ClaimBatch:
    """A draft batch of the chosen learners, numbered CB-<year>-<0001>: every one claimable and
    of one AO, or nothing is made and each refusal is said, naming the learner."""
    access.require_manage(membership_for(actor, centre_id))
    if awarding_organisation is not None and awarding_organisation not in AO.values:
        raise ValidationError("Choose an awarding organisation from the list.")
    today = today or timezone.localdate()
    ids = list(dict.fromkeys(enrolment_ids))
    organisation, chosen = _claimable(centre_id=centre_id, enrolment_ids=ids,
                                      awarding_organisation=awarding_organisation, today=today)
    number = counters.take(centre_id=centre_id, series=SERIES, year=today.year)
    batch = ClaimBatch.objects.create(centre_id=centre_id, awarding_organisation=organisation,
                                      reference=f"{SERIES}-{today.year}-{number:04d}", created_by=actor)
    _add_lines(batch, chosen, actor)
    audit_record(action="claim.batch_created", actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "awarding_organisation": organisation, "learners": len(chosen),
        "names": _names(chosen),
        "units": sum(len(c.ready_units) for _, c in chosen),
    })
    return batch


@transaction.atomic
def batch_add(*, actor: Any, batch: ClaimBatch, enrolment_ids: Iterable[int], today: date | None = None) -> ClaimBatch:
    """More learners into a draft: claimable, of the batch's AO, not in it already."""
    batch = _locked(batch)
    access.require_manage(membership_for(actor, batch.centre_id))
    if batch.status != Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    ids = list(dict.fromkeys(enrolment_ids))
    already = dict(batch.lines.filter(enrolment_id__in=ids).values_list("enrolment_id", "registered_name"))
    if already:
        raise ValidationError([f"{name} is in this batch already." for name in already.values()])
    _, chosen = _claimable(centre_id=batch.centre_id, enrolment_ids=ids,
                           awarding_organisation=batch.awarding_organisation, today=today or timezone.localdate())
    _add_lines(batch, chosen, actor)
    audit_record(action="claim.learners_added", actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "learners": len(chosen), "names": _names(chosen),
        "units": sum(len(c.ready_units) for _, c in chosen),
    })
    return batch


@transaction.atomic
def batch_remove(*, actor: Any, batch: ClaimBatch, line_id: int) -> ClaimBatch:
    """Take a learner out of a draft (their units are offered again on the ready page)."""
    batch = _locked(batch)
    access.require_manage(membership_for(actor, batch.centre_id))
    if batch.status != Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    line = batch.lines.filter(pk=line_id).first()
    if line is None:
        raise ValidationError("That learner is not in this batch (any more).")
    units = line.units.count()
    line.delete()
    audit_record(action="claim.learner_removed", actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "learner": line.registered_name, "units": units,
    })
    return batch


@transaction.atomic
def batch_reopen(*, actor: Any, batch: ClaimBatch) -> ClaimBatch:
    """Back to a draft to amend it (after an EQA's query, or a learner no longer claimable): the
    signatures are cleared and must be given again; the EQA's note stays to be read."""
    batch = _locked(batch)
    access.require_manage(membership_for(actor, batch.centre_id))
    if batch.status not in REOPENABLE:
        raise ValidationError("Only a batch declared and not yet submitted is reopened: "
                              f"this one is {batch.get_status_display().lower()}.")
    previous = batch.status
    batch.status, batch.route = Status.DRAFT, ""
    batch.declared_by, batch.declared_name, batch.declared_at = None, "", None
    batch.authorised_by, batch.authorised_name, batch.authorised_at = None, "", None
    batch.eqa_by, batch.eqa_name, batch.eqa_at = None, "", None
    batch.save()
    audit_record(action="claim.reopened", actor=actor, centre=batch.centre, obj=batch,
                 payload={"reference": batch.reference, "from": previous})
    return batch


# --- signatures -------------------------------------------------------------------------------


@transaction.atomic
def batch_declare(*, actor: Any, batch: ClaimBatch, signed_name: str, today: date | None = None) -> ClaimBatch:
    """The lead IQA's pre-claim declaration (DECLARATION), signed with their typed name."""
    batch = _locked(batch)
    access.require_declare(membership_for(actor, batch.centre_id))
    if batch.status != Status.DRAFT:
        raise ValidationError(f"Only a draft is declared: this batch is {batch.get_status_display().lower()}.")
    problems: list[str] = []
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    problems += recheck(batch, today=today or timezone.localdate())
    if problems:
        raise ValidationError(problems)
    batch.declared_by, batch.declared_name, batch.declared_at = actor, signed_name, timezone.now()
    batch.status = Status.DECLARED
    batch.save()
    audit_record(action="claim.declared", actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "signed_name": signed_name, "declaration": DECLARATION,
        "learners": batch.lines.count(),
    })
    return batch


@transaction.atomic
def batch_authorise(*, actor: Any, batch: ClaimBatch, signed_name: str, today: date | None = None) -> ClaimBatch:
    """The centre's authorisation, by an admin with their typed name. The route is fixed now:
    with DCS for every qualification in the batch it is ready to submit; without, it waits for
    the centre's EQA, who is told."""
    batch = _locked(batch)
    access.require_manage(membership_for(actor, batch.centre_id))
    if batch.status != Status.DECLARED:
        message = ("The lead IQA declares the batch first; then the centre authorises it."
                   if batch.status == Status.DRAFT else
                   f"This batch is {batch.get_status_display().lower()}: it was authorised already.")
        raise ValidationError(message)
    problems: list[str] = []
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    problems += recheck(batch, today=today or timezone.localdate())
    if problems:
        raise ValidationError(problems)
    missing_dcs = without_dcs(batch)
    batch.authorised_by, batch.authorised_name, batch.authorised_at = actor, signed_name, timezone.now()
    batch.route = ClaimBatch.Route.EQA if missing_dcs else ClaimBatch.Route.DCS
    batch.status = Status.AWAITING_EQA if missing_dcs else Status.READY
    batch.save()
    audit_record(action="claim.authorised", actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "signed_name": signed_name, "authorisation": AUTHORISATION,
        "route": batch.route, "without_dcs": missing_dcs,
    })
    if missing_dcs:
        notify(recipients=_eqas(batch), centre=batch.centre, exclude=actor,
               subject=f"Claim {batch.reference} to {batch.awarding_organisation} waits for your sign-off",
               body=f"The centre holds no Direct Claims Status for {', '.join(missing_dcs)}.",
               url=reverse("claims_batch", args=[batch.pk]))
    return batch


def _eqas(batch: ClaimBatch) -> list[Any]:
    """The centre's external quality assurers who may sign this batch off: their open grants
    cover every learner in it."""
    members = Membership.objects.filter(centre_id=batch.centre_id, is_active=True, is_eqa=True).select_related("user")
    return [m.user for m in members if access.may_sign_off_as_eqa(m, batch)]


def _eqa_sign(batch: ClaimBatch, actor: Any, signed_name: str, problems: list[str]) -> tuple[ClaimBatch, str]:
    batch = _locked(batch)
    access.require_eqa(membership_for(actor, batch.centre_id), batch)
    if batch.status != Status.AWAITING_EQA:
        raise ValidationError(f"Only a batch awaiting the EQA's sign-off is signed off or queried: "
                              f"this one is {batch.get_status_display().lower()}.")
    return batch, signature_or_problem(signed_name, actor.full_name, problems)


@transaction.atomic
def batch_eqa_approve(*, actor: Any, batch: ClaimBatch, signed_name: str, note: str = "") -> ClaimBatch:
    """The centre's EQA signs the claim off: it is ready to submit."""
    return _eqa_decide(batch, actor, signed_name, note, status=Status.READY, action="claim.eqa_approved",
                       subject=f"Claim {batch.reference} signed off by the EQA: ready to submit")


@transaction.atomic
def batch_eqa_query(*, actor: Any, batch: ClaimBatch, signed_name: str, note: str) -> ClaimBatch:
    """The centre's EQA queries the claim, saying what to look at: the admins reopen and amend it."""
    return _eqa_decide(batch, actor, signed_name, note, status=Status.EQA_QUERIED, action="claim.eqa_queried",
                       subject=f"Claim {batch.reference} queried by the EQA")


def _eqa_decide(batch: ClaimBatch, actor: Any, signed_name: str, note: str, *, status: str, action: str,
                subject: str) -> ClaimBatch:
    """The EQA's signed decision on a batch awaiting it; a query must say what to look at."""
    problems: list[str] = []
    batch, signed_name = _eqa_sign(batch, actor, signed_name, problems)
    if status == Status.EQA_QUERIED and not note.strip():
        problems.append("Say what the centre must look at before the claim can go.")
    elif note.strip() and (problem := name_problem(note, what="The note", writing=True)):
        problems.append(problem)
    if problems:
        raise ValidationError(problems)
    batch.eqa_by, batch.eqa_name, batch.eqa_at, batch.eqa_note = actor, signed_name, timezone.now(), note.strip()
    batch.status = status
    batch.save()
    audit_record(action=action, actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "signed_name": signed_name, "note": batch.eqa_note,
    })
    notify(recipients=[batch.authorised_by, batch.created_by], centre=batch.centre, exclude=actor, subject=subject,
           body=batch.eqa_note if status == Status.EQA_QUERIED else "", url=reverse("claims_batch", args=[batch.pk]))
    return batch


# --- submission and the AO's answers ----------------------------------------------------------


@transaction.atomic
def batch_submit(*, actor: Any, batch: ClaimBatch, ao_reference: str = "", today: date | None = None) -> ClaimBatch:
    """Send the claim: the generic claim file is made, stored in private storage with its
    SHA-256, and from now on the batch, its learners and units never change (the database
    refuses it). Each learner's start date is marked as sent (and so locked)."""
    batch = _locked(batch)
    access.require_manage(membership_for(actor, batch.centre_id))
    if batch.status == Status.SUBMITTED:
        raise ValidationError(f"This batch was submitted on {timezone.localtime(batch.submitted_at):%d %b %Y at %H:%M}: "
                              "a claim is submitted once.")
    if batch.status != Status.READY:
        raise ValidationError(f"Only a batch ready to submit is submitted: this one is {batch.get_status_display().lower()}.")
    problems: list[str] = []
    ao_reference = ao_reference.strip()
    if ao_reference and (problem := name_problem(ao_reference, what="The AO's reference")):
        problems.append(problem)
    elif len(ao_reference) > 100:
        problems.append("The AO's reference is at most 100 characters.")
    problems += recheck(batch, today=today or timezone.localdate())
    if batch.route == ClaimBatch.Route.DCS and (lost := without_dcs(batch)):
        problems.append(f"The centre no longer holds Direct Claims Status for {', '.join(lost)}: reopen the batch "
                        "so that it goes to the EQA for sign-off.")
    if problems:
        raise ValidationError(problems)
    data = exports.claim_csv(exports.claim_rows(exports.claim_facts(batch)))
    key = default_storage.save(f"claims/{batch.centre_id}/{batch.reference}-{uuid.uuid4().hex}.csv", ContentFile(data))
    now = timezone.now()
    try:
        batch.status, batch.submitted_by, batch.submitted_at = Status.SUBMITTED, actor, now
        batch.ao_reference, batch.export_key, batch.export_sha256 = ao_reference, key, hashlib.sha256(data).hexdigest()
        batch.save()
        enrolment_ids = list(batch.lines.values_list("enrolment_id", flat=True))
        Enrolment.objects.filter(pk__in=enrolment_ids, start_date_sent_at__isnull=True).update(start_date_sent_at=now)
        audit_record(action="claim.submitted", actor=actor, centre=batch.centre, obj=batch, payload={
            "reference": batch.reference, "awarding_organisation": batch.awarding_organisation,
            "learners": len(enrolment_ids), "sha256": batch.export_sha256, "ao_reference": ao_reference,
            "route": batch.route,
        })
    except Exception:
        default_storage.delete(key)
        raise
    return batch


@transaction.atomic
def outcome_record(*, actor: Any, line: ClaimLine, status: str, certificate_number: str = "",
                   certificate_date: date | None = None, reason: str = "", today: date | None = None) -> ClaimOutcome:
    """The AO's answer for one learner of a submitted batch: certificated (its certificate number
    and date), queried or rejected (why). Never changed: a correction is a newer outcome."""
    line = ClaimLine.objects.select_for_update(of=("self",)).select_related("batch__centre").get(pk=line.pk)
    batch = line.batch
    access.require_manage(membership_for(actor, batch.centre_id))
    if batch.status != Status.SUBMITTED:
        raise ValidationError("The AO's answer is recorded once the claim has been submitted.")
    today = today or timezone.localdate()
    problems: list[str] = []
    certificate_number, reason = certificate_number.strip(), reason.strip()
    if status not in ClaimOutcome.Status.values:
        raise ValidationError("Choose what the AO said: certificated, queried or rejected.")
    if status == ClaimOutcome.Status.CERTIFICATED:
        if not certificate_number:
            problems.append("Give the AO's certificate number.")
        elif problem := name_problem(certificate_number, what="The certificate number"):
            problems.append(problem)
        elif len(certificate_number) > 100:
            problems.append("The certificate number is at most 100 characters.")
        submitted_on = timezone.localtime(batch.submitted_at).date()
        if certificate_date is None:
            problems.append("Give the date on the AO's certificate.")
        elif certificate_date > today:
            problems.append("The certificate date is in the future: give the date printed on the certificate.")
        elif certificate_date < submitted_on:
            problems.append(f"The certificate date is before the claim was submitted ({submitted_on:%d %b %Y}): "
                            "check it.")
    else:
        certificate_number, certificate_date = "", None
        if not reason:
            problems.append(f"Say why the AO {'queried' if status == ClaimOutcome.Status.QUERIED else 'rejected'} "
                            "the claim for this learner.")
    if reason and (problem := name_problem(reason, what="The reason", writing=True)):
        problems.append(problem)
    if status == ClaimOutcome.Status.REJECTED:
        # No document may stand for a rejected claim; the line's lock keeps new ones out meanwhile.
        valid = list(Document.objects.filter(line=line, status=Document.Status.VALID).order_by("number")
                     .values_list("number", flat=True))
        if valid:
            problems.append(f"Revoke this learner's documents first: {', '.join(valid)} "
                            f"{'is' if len(valid) == 1 else 'are'} still valid, and no document may stand for a "
                            "rejected claim.")
    if problems:
        raise ValidationError(problems)
    previous = line.outcomes.first()  # newest first, as ClaimOutcome is ordered
    if previous is not None and (previous.status, previous.certificate_number, previous.certificate_date,
                                 previous.reason) == (status, certificate_number, certificate_date, reason):
        raise ValidationError(f"This is already the answer recorded for {line.registered_name}.")
    outcome = ClaimOutcome.objects.create(line=line, status=status, certificate_number=certificate_number,
                                          certificate_date=certificate_date, reason=reason, recorded_by=actor)
    audit_record(action="claim.outcome_recorded", actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "learner": line.registered_name, "status": status,
        "certificate_number": certificate_number,
        "certificate_date": certificate_date.isoformat() if certificate_date else "",
        "reason": reason, "corrects": previous.status if previous else "",
    })
    return outcome


def export_recorded(*, actor: Any, batch: ClaimBatch, what: str, sha256: str = "") -> None:
    """Record a download of one of the batch's files (the view serves it)."""
    audit_record(action="claim.exported", actor=actor, centre=batch.centre, obj=batch, payload={
        "reference": batch.reference, "file": what, "sha256": sha256,
    })
