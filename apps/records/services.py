"""Writes of assessment records: each becomes submitted, signed evidence in the learner's portfolio.

An assessor's record is signed by the assessor (typed name, time, IP address) when it is
created; an observation is then confirmed by the learner; a witness testimony is signed by
the witness through a one-time link. Every write is one transaction with its audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.core import outbox
from apps.core.sealing import seal
from apps.core.signatures import check_signature
from apps.evidence.models import Evidence, EvidenceVersion, StoredFile
from apps.evidence.services import EvidenceContent, evidence_record
from apps.learners.models import Enrolment
from apps.notifications.services import notify
from apps.qualifications.models import AssessmentCriterion

from . import access
from .models import (
    Observation,
    ObservationConfirmation,
    ProfessionalDiscussion,
    QuestionAnswer,
    Questioning,
    WitnessRequest,
    hash_token,
)

ASSESSOR_DECLARATION = "By typing your name you sign this record as a true and accurate account."
LEARNER_CONFIRMATION = "I confirm that this observation record is an accurate account of what I did."
WITNESS_DECLARATION = (
    "I confirm that what I have written is a true account of what I saw, and that I am the person named above."
)


# --- what every record shares ---------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """A typed name and the address it was typed from; the time is when the service runs."""

    name: str
    ip_address: str | None = None


@dataclass(frozen=True)
class RecordBasics:
    """What an assessor says about any record: when, where the work was done, what it covers."""

    on: date
    context: str
    criteria: list[AssessmentCriterion] = field(default_factory=list)


def _check_signature(signature: Signature, expected: str, whose: str) -> None:
    check_signature(signature.name, expected, whose=whose)


def _check_record(enrolment: Enrolment, assessor, basics: RecordBasics, *, criteria_needed: bool = True) -> None:
    access.require_recorder(assessor, enrolment)
    problems = []
    if enrolment.status != Enrolment.Status.ACTIVE:
        problems.append(f"This enrolment is {enrolment.get_status_display().lower()}: no new records can be added.")
    if basics.on > timezone.localdate():
        problems.append("The date is in the future.")
    if basics.context not in Evidence.Context.values:
        problems.append("Choose where the work was done: real work, a realistic work environment or a simulation.")
    if criteria_needed and not basics.criteria:
        problems.append("Tick at least one criterion this record covers.")
    if {c.unit.qualification_id for c in basics.criteria} - {enrolment.qualification_id}:
        problems.append("Some criteria are not part of this learner's qualification.")
    if problems:
        raise ValidationError(problems)


def _signed_evidence(
    *,
    enrolment: Enrolment,
    author,
    method: str,
    basics: RecordBasics,
    title: str,
    description: str,
    text: str,
    signed_name: str,
    ip_address: str | None,
    files: list[StoredFile] | None = None,
) -> EvidenceVersion:
    """The record as evidence in the learner's portfolio, already submitted and signed."""
    return evidence_record(
        enrolment=enrolment, author=author, signed_name=signed_name, ip_address=ip_address,
        content=EvidenceContent(
            title=title.strip()[:200], evidence_date=basics.on, method=method, context=basics.context,
            description=description, text=text, files=list(dict.fromkeys(files or [])), criteria=list(basics.criteria),
        ),
    )


def _tell_learner(enrolment: Enrolment, *, actor, subject: str, body: str, url: str) -> None:
    learner_user = enrolment.learner.user
    if learner_user is not None:
        notify(recipients=[learner_user], centre=enrolment.centre, subject=subject, body=body, url=url, exclude=actor)


def _audit(action: str, *, actor, record, version: EvidenceVersion | None, ip_address: str | None, **payload) -> None:
    if version is not None:
        payload = {"evidence": version.evidence_id, "version": version.number, **payload}
    audit_record(action=action, actor=actor, centre=record.centre, obj=record, payload=payload, ip_address=ip_address)


# --- observation ------------------------------------------------------------------------------


@transaction.atomic
def observation_create(
    *,
    enrolment: Enrolment,
    assessor,
    basics: RecordBasics,
    place: str,
    activity: str,
    account: str,
    signature: Signature,
) -> Observation:
    """The assessor's signed observation record; it waits for the learner's confirmation."""
    _check_record(enrolment, assessor, basics)
    _check_signature(signature, assessor.full_name, "your")
    version = _signed_evidence(
        enrolment=enrolment, author=assessor, method=Evidence.Method.OBSERVATION, basics=basics, title=activity,
        description=f"Observed by {signature.name.strip()} at {place.strip()}.", text=account,
        signed_name=signature.name, ip_address=signature.ip_address,
    )
    observation = Observation.objects.create(
        centre=enrolment.centre, enrolment=enrolment, version=version, created_by=assessor,
        observed_on=basics.on, place=place.strip(), activity=activity.strip(), account=account.strip(),
    )
    _audit(
        "records.observation_created", actor=assessor, record=observation, version=version,
        ip_address=signature.ip_address, signed_name=version.declared_name, criteria=len(basics.criteria),
    )
    _tell_learner(
        enrolment, actor=assessor, subject=f"Please confirm the observation “{observation.activity}”",
        body=f"{signature.name.strip()} recorded an observation of your work. Read it and confirm it is accurate.",
        url=reverse("records_observation_confirm", args=[observation.pk]),
    )
    return observation


@transaction.atomic
def observation_confirm(*, observation: Observation, learner_user, signature: Signature) -> ObservationConfirmation:
    """The learner agrees the observation is accurate, signing with their name."""
    observation = (
        Observation.objects.select_for_update(of=("self",)).select_related("enrolment__learner", "centre")
        .get(pk=observation.pk)
    )
    learner = observation.enrolment.learner
    access.require_confirmer(learner_user, observation)
    if ObservationConfirmation.objects.filter(observation=observation).exists():
        raise ValidationError("You have already confirmed this observation.")
    _check_signature(signature, learner.full_name, "your")
    confirmation = ObservationConfirmation.objects.create(
        observation=observation, confirmed_by=learner_user, confirmed_name=signature.name.strip(),
        confirmed_ip=signature.ip_address,
    )
    audit_record(
        action="records.observation_confirmed", actor=learner_user, centre=observation.centre, obj=observation,
        payload={"evidence": observation.version.evidence_id, "confirmed_name": confirmation.confirmed_name},
        ip_address=signature.ip_address,
    )
    return confirmation


# --- questioning ------------------------------------------------------------------------------


def questioning_text(pairs: list[tuple[str, str]]) -> str:
    """The questions and answers as plain text: what the evidence page, search and exports show."""
    return "\n\n".join(f"Q{i}. {q.strip()}\nA{i}. {a.strip()}" for i, (q, a) in enumerate(pairs, start=1))


@transaction.atomic
def questioning_create(
    *,
    enrolment: Enrolment,
    assessor,
    basics: RecordBasics,
    topic: str,
    pairs: list[tuple[str, str]],
    signature: Signature,
) -> Questioning:
    """The questions asked and the learner's answers, signed by the assessor."""
    _check_record(enrolment, assessor, basics)
    pairs = [(q.strip(), a.strip()) for q, a in pairs]
    problems = []
    if not pairs:
        problems.append("Record at least one question and the learner's answer.")
    for i, (q, a) in enumerate(pairs, start=1):
        if not q:
            problems.append(f"Write question {i}.")
        if not a:
            problems.append(f"Write the learner's answer to question {i}.")
    if problems:
        raise ValidationError(problems)
    _check_signature(signature, assessor.full_name, "your")
    version = _signed_evidence(
        enrolment=enrolment, author=assessor, method=Evidence.Method.QUESTIONING, basics=basics, title=topic,
        description=f"Questions asked by {signature.name.strip()}; {len(pairs)} answered.",
        text=questioning_text(pairs), signed_name=signature.name, ip_address=signature.ip_address,
    )
    questioning = Questioning.objects.create(
        centre=enrolment.centre, enrolment=enrolment, version=version, created_by=assessor,
        asked_on=basics.on, topic=topic.strip(),
    )
    QuestionAnswer.objects.bulk_create(
        QuestionAnswer(questioning=questioning, position=i, question=q, answer=a)
        for i, (q, a) in enumerate(pairs, start=1)
    )
    _audit(
        "records.questioning_created", actor=assessor, record=questioning, version=version,
        ip_address=signature.ip_address, signed_name=version.declared_name, questions=len(pairs),
    )
    _tell_learner(
        enrolment, actor=assessor, subject=f"Questioning record added: “{questioning.topic}”",
        body=f"{signature.name.strip()} recorded your answers to {len(pairs)} question(s) in your portfolio.",
        url=reverse("evidence_detail", args=[version.evidence_id]),
    )
    return questioning


# --- professional discussion --------------------------------------------------------------------

RECORDING_KINDS = {StoredFile.Kind.AUDIO, StoredFile.Kind.VIDEO}


@transaction.atomic
def discussion_create(
    *,
    enrolment: Enrolment,
    assessor,
    basics: RecordBasics,
    topic: str,
    summary: str,
    files: list[StoredFile],
    signature: Signature,
) -> ProfessionalDiscussion:
    """A professional discussion: its recording (and any other files) and the assessor's summary."""
    _check_record(enrolment, assessor, basics)
    problems = []
    if any(f.centre_id != enrolment.centre_id for f in files):
        problems.append("A file belongs to another centre.")
    if not any(f.kind in RECORDING_KINDS for f in files):
        problems.append("Add the recording of the discussion (an audio or video file).")
    if not summary.strip():
        problems.append("Write a summary of the discussion.")
    if problems:
        raise ValidationError(problems)
    _check_signature(signature, assessor.full_name, "your")
    version = _signed_evidence(
        enrolment=enrolment, author=assessor, method=Evidence.Method.PROFESSIONAL_DISCUSSION, basics=basics,
        title=topic, description=f"Professional discussion led by {signature.name.strip()}.", text=summary,
        signed_name=signature.name, ip_address=signature.ip_address, files=files,
    )
    discussion = ProfessionalDiscussion.objects.create(
        centre=enrolment.centre, enrolment=enrolment, version=version, created_by=assessor,
        held_on=basics.on, topic=topic.strip(), summary=summary.strip(),
    )
    _audit(
        "records.discussion_created", actor=assessor, record=discussion, version=version,
        ip_address=signature.ip_address, signed_name=version.declared_name, files=[f.pk for f in files],
    )
    _tell_learner(
        enrolment, actor=assessor, subject=f"Professional discussion added: “{discussion.topic}”",
        body=f"{signature.name.strip()} added the recording and summary of your professional discussion.",
        url=reverse("evidence_detail", args=[version.evidence_id]),
    )
    return discussion


# --- witness testimony --------------------------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    name: str
    email: str
    job_title: str
    relationship: str


def _send_link(witness_request: WitnessRequest, token: str, base_url: str) -> None:
    from .tasks import email_witness_request

    # Only the token's hash is kept; the token itself travels sealed to the worker that emails it.
    outbox.enqueue(email_witness_request, witness_request.pk, seal(token), base_url)


def _witness_request_new(
    *, enrolment: Enrolment, assessor, witness: Witness, activity: str, basics: RecordBasics
) -> tuple[WitnessRequest, str]:
    """The request and its link's token (which exists nowhere else once this returns)."""
    _check_record(enrolment, assessor, basics)
    email = witness.email.strip().lower()
    problems = []
    if enrolment.learner.email and email == enrolment.learner.email.strip().lower():
        problems.append("That is the learner's own email address: a witness must be someone else.")
    if not activity.strip():
        problems.append("Describe what you are asking the witness about.")
    if problems:
        raise ValidationError(problems)
    token, token_hash = WitnessRequest.new_token()
    now = timezone.now()
    witness_request = WitnessRequest.objects.create(
        centre=enrolment.centre, enrolment=enrolment, requested_by=assessor, witness_name=witness.name.strip(),
        witness_email=email, witness_job_title=witness.job_title.strip(), relationship=witness.relationship.strip(),
        activity=activity.strip(), context=basics.context, token_hash=token_hash, created_at=now, sent_at=now,
        expires_at=now + timedelta(days=WitnessRequest.LIFETIME_DAYS),
    )
    witness_request.criteria.set(basics.criteria)
    audit_record(
        action="records.witness_requested", actor=assessor, centre=enrolment.centre, obj=witness_request,
        payload={"witness": witness_request.witness_name, "email": email, "criteria": len(basics.criteria)},
    )
    return witness_request, token


@transaction.atomic
def witness_request_create(
    *,
    enrolment: Enrolment,
    assessor,
    witness: Witness,
    activity: str,
    basics: RecordBasics,
    base_url: str,
) -> WitnessRequest:
    """Ask a witness to confirm what they saw; they are emailed a one-time link that expires."""
    witness_request, token = _witness_request_new(
        enrolment=enrolment, assessor=assessor, witness=witness, activity=activity, basics=basics
    )
    _send_link(witness_request, token, base_url)
    return witness_request


def _lock_request(witness_request: WitnessRequest) -> WitnessRequest:
    return (
        WitnessRequest.objects.select_for_update(of=("self",))
        .select_related("enrolment__learner", "centre", "requested_by")
        .get(pk=witness_request.pk)
    )


def _check_manager(witness_request: WitnessRequest, actor) -> None:
    access.require_witness_request_manager(membership_for(actor, witness_request.centre_id), witness_request)


@transaction.atomic
def witness_request_resend(*, witness_request: WitnessRequest, actor, base_url: str) -> WitnessRequest:
    """A fresh link (the old one stops working) valid for another full period, emailed again."""
    witness_request = _lock_request(witness_request)
    _check_manager(witness_request, actor)
    status = witness_request.status
    if status == WitnessRequest.Status.RESPONDED:
        raise ValidationError("The witness has already responded; there is nothing to resend.")
    if status == WitnessRequest.Status.CANCELLED:
        raise ValidationError("This request was cancelled. Make a new request instead.")
    token, witness_request.token_hash = WitnessRequest.new_token()
    now = timezone.now()
    witness_request.sent_at = now
    witness_request.expires_at = now + timedelta(days=WitnessRequest.LIFETIME_DAYS)
    witness_request.times_sent += 1
    witness_request.emailed_at = None
    witness_request.save(update_fields=["token_hash", "sent_at", "expires_at", "times_sent", "emailed_at"])
    audit_record(
        action="records.witness_request_resent", actor=actor, centre=witness_request.centre, obj=witness_request,
        payload={"email": witness_request.witness_email, "was": status, "times_sent": witness_request.times_sent},
    )
    _send_link(witness_request, token, base_url)
    return witness_request


@transaction.atomic
def witness_request_cancel(*, witness_request: WitnessRequest, actor) -> WitnessRequest:
    """Withdraw the request: its link shows the witness that it is no longer needed."""
    witness_request = _lock_request(witness_request)
    _check_manager(witness_request, actor)
    if witness_request.status == WitnessRequest.Status.RESPONDED:
        raise ValidationError("The witness has already responded; their testimony stays in the portfolio.")
    if witness_request.status == WitnessRequest.Status.CANCELLED:
        raise ValidationError("This request is already cancelled.")
    witness_request.cancelled_at = timezone.now()
    witness_request.cancelled_by = actor
    witness_request.save(update_fields=["cancelled_at", "cancelled_by"])
    audit_record(
        action="records.witness_request_cancelled", actor=actor, centre=witness_request.centre, obj=witness_request,
        payload={"email": witness_request.witness_email},
    )
    return witness_request


@transaction.atomic
def witness_request_answer(
    *,
    witness_request: WitnessRequest,
    token: str,
    account: str,
    job_title: str,
    signature: Signature,
) -> Evidence:
    """The witness's testimony: witness-testimony evidence in the learner's portfolio, signed by
    the witness. The link is used up and the assessors are told."""
    witness_request = _lock_request(witness_request)
    # Checked again under the lock: two answers sent at once make one piece of evidence.
    if witness_request.token_hash != hash_token(token) or not witness_request.is_open:
        raise ValidationError("This link can no longer be used.")
    problems = []
    if not account.strip():
        problems.append("Write what you saw the learner do.")
    if not job_title.strip():
        problems.append("Confirm your job title.")
    if problems:
        raise ValidationError(problems)
    _check_signature(signature, witness_request.witness_name, "your")
    enrolment = witness_request.enrolment
    criteria = list(witness_request.criteria.select_related("unit"))
    job_title = job_title.strip()
    version = _signed_evidence(
        # The witness has no account: the evidence is created on behalf of the assessor who
        # asked, and signed (declared_name, IP, time) by the witness.
        enrolment=enrolment, author=witness_request.requested_by, method=Evidence.Method.WITNESS_TESTIMONY,
        basics=RecordBasics(on=timezone.localdate(), context=witness_request.context, criteria=criteria),
        title=f"Witness testimony from {witness_request.witness_name}",
        description=(
            f"{signature.name.strip()}, {job_title} ({witness_request.relationship}), "
            f"asked about: {witness_request.activity}"
        ),
        text=account, signed_name=signature.name, ip_address=signature.ip_address,
    )
    witness_request.responded_at = version.submitted_at
    witness_request.response_job_title = job_title
    witness_request.version = version
    witness_request.save(update_fields=["responded_at", "response_job_title", "version"])
    audit_record(
        action="records.witness_responded", actor=None, centre=witness_request.centre, obj=witness_request,
        payload={"evidence": version.evidence_id, "signed_name": version.declared_name, "job_title": job_title},
        ip_address=signature.ip_address,
    )
    learner = enrolment.learner
    notify(
        recipients=[witness_request.requested_by, *enrolment.assessors.all()], centre=witness_request.centre,
        subject=f"{witness_request.witness_name} has responded about {learner.full_name}",
        body=f"The witness testimony from {witness_request.witness_name} is in {learner.full_name}'s portfolio, "
        "waiting for you to map and judge it.",
        url=reverse("evidence_detail", args=[version.evidence_id]),
    )
    return version.evidence


def witness_request_email(*, request_id: int, token: str, base_url: str) -> bool:
    """Email the witness their link (Celery). Sends nothing if the link was replaced, cancelled,
    answered or already emailed: the request is marked emailed before the email goes (and
    unmarked if it fails), so a task delivered twice never sends a dead or duplicate link."""
    witness_request = (
        WitnessRequest.objects.select_related("enrolment__learner", "centre", "requested_by")
        .filter(pk=request_id, token_hash=hash_token(token), emailed_at=None)
        .first()
    )
    if witness_request is None or not witness_request.is_open:
        return False
    claimed_at = timezone.now()
    claim = WitnessRequest.objects.filter(pk=request_id, token_hash=witness_request.token_hash, emailed_at=None)
    if not claim.update(emailed_at=claimed_at):
        return False
    from django.conf import settings

    link = base_url.rstrip("/") + reverse("records_witness_respond", args=[token])
    context = {
        "witness_request": witness_request,
        "learner": witness_request.enrolment.learner,
        "criteria": witness_request.criteria.select_related("unit").order_by("unit__position", "outcome__position", "position"),
        "link": link,
    }
    try:
        send_mail(
            subject=(
                f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Please confirm what you saw: "
                f"{witness_request.enrolment.learner.full_name}"
            ),
            message=render_to_string("records/email/witness_request.txt", context),
            from_email=None,
            recipient_list=[witness_request.witness_email],
        )
    except Exception:
        WitnessRequest.objects.filter(pk=request_id, emailed_at=claimed_at).update(emailed_at=None)
        raise
    return True
