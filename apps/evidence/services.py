"""Writes to learners' portfolios: evidence, its versions, submission and withdrawal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.signatures import check_signature
from apps.learners.models import Enrolment
from apps.notifications.services import notify
from apps.qualifications.models import AssessmentCriterion

from . import access
from .models import Evidence, EvidenceFile, EvidenceVersion, StoredFile

DECLARATION = (
    "I declare that this evidence is my own work, that it was produced by me in the way described, "
    "and that the files are genuine records of what they show."
)


@dataclass(frozen=True)
class EvidenceContent:
    """What a learner writes and attaches; becomes one version of a piece of evidence."""

    title: str
    evidence_date: date
    method: str
    context: str
    description: str = ""
    text: str = ""
    files: list[StoredFile] = field(default_factory=list)
    criteria: list[AssessmentCriterion] = field(default_factory=list)


def _check(enrolment: Enrolment, content: EvidenceContent) -> None:
    problems = []
    if content.evidence_date > timezone.localdate():
        problems.append("The evidence date is in the future.")
    for f in content.files:
        if f.centre_id != enrolment.centre_id:
            problems.append(f"The file {f.original_name} belongs to another centre.")
    unit_qualification = {c.unit.qualification_id for c in content.criteria}
    if unit_qualification - {enrolment.qualification_id}:
        problems.append("Some suggested criteria are not part of this qualification.")
    if problems:
        raise ValidationError(problems)


def _fill(version: EvidenceVersion, content: EvidenceContent) -> None:
    version.title = content.title.strip()
    version.description = content.description.strip()
    version.evidence_date = content.evidence_date
    version.method = content.method
    version.context = content.context
    version.text = content.text.strip()
    version.save()
    EvidenceFile.objects.filter(version=version).delete()
    EvidenceFile.objects.bulk_create(
        EvidenceFile(version=version, file=f, position=i) for i, f in enumerate(dict.fromkeys(content.files))
    )
    version.suggested_criteria.set(content.criteria)


@transaction.atomic
def evidence_create(*, enrolment: Enrolment, actor, content: EvidenceContent) -> Evidence:
    """A new draft in the learner's portfolio."""
    access.require_portfolio_owner(actor, enrolment)
    _check(enrolment, content)
    evidence = Evidence.objects.create(centre=enrolment.centre, enrolment=enrolment, created_by=actor)
    version = EvidenceVersion(evidence=evidence, number=1)
    _fill(version, content)
    evidence.current = version
    evidence.save(update_fields=["current"])
    audit_record(
        action="evidence.created", actor=actor, centre=enrolment.centre, obj=evidence,
        payload={"title": version.title, "files": len(content.files)},
    )
    return evidence


@transaction.atomic
def evidence_update(*, evidence: Evidence, actor, content: EvidenceContent) -> Evidence:
    """Change a draft in place; a submitted or withdrawn version stays as it was and a new
    draft version carries the change."""
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("enrolment__learner", "current").get(pk=evidence.pk)
    access.require_changer(actor, evidence)
    _check(evidence.enrolment, content)
    if evidence.status == Evidence.Status.SUBMITTED:
        raise ValidationError("Submitted evidence waits for your assessor. Withdraw it first to change it.")
    version = evidence.current
    if version.is_locked:
        version = EvidenceVersion(evidence=evidence, number=version.number + 1)
        _fill(version, content)
        evidence.current = version
        evidence.status = Evidence.Status.DRAFT
        evidence.submitted_at = None
        evidence.save(update_fields=["current", "status", "submitted_at"])
        action = "evidence.new_version"
    else:
        _fill(version, content)
        action = "evidence.updated"
    audit_record(
        action=action, actor=actor, centre=evidence.centre, obj=evidence,
        payload={"version": version.number, "files": len(content.files)},
    )
    return evidence


@transaction.atomic
def evidence_submit(*, evidence: Evidence, actor, declared_name: str, ip_address: str | None) -> Evidence:
    """Sign the authenticity declaration and submit the current version; it is locked from now on."""
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("enrolment__learner", "current").get(pk=evidence.pk)
    access.require_changer(actor, evidence)
    version = evidence.current
    if evidence.status != Evidence.Status.DRAFT or version.is_locked:
        raise ValidationError("This evidence has already been submitted.")
    if not version.text and not version.evidence_files.exists():
        raise ValidationError("Add at least one file or write your account before submitting.")
    declared = check_signature(declared_name, evidence.enrolment.learner.full_name)
    now = timezone.now()
    version.submitted_at = now
    version.declared_name = declared
    version.declared_ip = ip_address
    version.save(update_fields=["submitted_at", "declared_name", "declared_ip"])
    evidence.status = Evidence.Status.SUBMITTED
    evidence.submitted_at = now
    evidence.shared_version = version
    evidence.save(update_fields=["status", "submitted_at", "shared_version"])
    audit_record(
        action="evidence.submitted", actor=actor, centre=evidence.centre, obj=evidence,
        payload={"version": version.number, "declared_name": version.declared_name}, ip_address=ip_address,
    )
    learner = evidence.enrolment.learner
    notify(
        recipients=evidence.enrolment.assessors.all(), centre=evidence.centre, exclude=actor,
        subject=f"{learner.full_name} submitted “{version.title}”",
        body=f"New evidence from {learner.full_name} is waiting for your judgement.",
        url=reverse("assessment_evidence", args=[evidence.pk]),
    )
    return evidence


@transaction.atomic
def evidence_record(
    *,
    enrolment: Enrolment,
    author,
    content: EvidenceContent,
    signed_name: str,
    ip_address: str | None,
) -> EvidenceVersion:
    """Evidence that enters the portfolio already submitted and signed: a record the learner's
    assessor made, or a witness's testimony (made on behalf of the assessor who asked). The
    calling service has checked who may record it; the signature is checked there too."""
    _check(enrolment, content)
    now = timezone.now()
    evidence = Evidence.objects.create(
        centre=enrolment.centre, enrolment=enrolment, created_by=author, status=Evidence.Status.SUBMITTED,
        submitted_at=now,
    )
    version = EvidenceVersion(
        evidence=evidence, number=1, submitted_at=now, declared_name=signed_name.strip(), declared_ip=ip_address
    )
    # The assessment page offers a version's suggested criteria first: here, the ones recorded.
    _fill(version, content)
    evidence.current = evidence.shared_version = version
    evidence.save(update_fields=["current", "shared_version"])
    audit_record(
        action="evidence.recorded", actor=author, centre=enrolment.centre, obj=evidence, ip_address=ip_address,
        payload={"title": version.title, "learner": enrolment.learner.full_name, "method": version.method,
                 "signed_name": version.declared_name, "files": len(content.files)},
    )
    return version


@transaction.atomic
def evidence_withdraw(*, evidence: Evidence, actor) -> Evidence:
    """Take back a submission before it has been assessed."""
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("enrolment__learner", "current").get(pk=evidence.pk)
    access.require_changer(actor, evidence)
    if evidence.status != Evidence.Status.SUBMITTED:
        raise ValidationError("Only submitted evidence that has not been assessed can be withdrawn.")
    evidence.current.withdrawn_at = timezone.now()
    evidence.current.save(update_fields=["withdrawn_at"])
    evidence.status = Evidence.Status.WITHDRAWN
    evidence.save(update_fields=["status"])
    audit_record(
        action="evidence.withdrawn", actor=actor, centre=evidence.centre, obj=evidence,
        payload={"version": evidence.current.number},
    )
    return evidence


def duplicate_files(*, enrolment: Enrolment, files: list[StoredFile], exclude: Evidence | None = None) -> list[tuple[StoredFile, Evidence]]:
    """Files whose content is already in this portfolio (same SHA-256), with the evidence holding it."""
    hashes = {f.sha256: f for f in files}
    if not hashes:
        return []
    held = (
        EvidenceFile.objects.filter(
            version__evidence__enrolment=enrolment, file__sha256__in=hashes.keys()
        )
        .exclude(file__in=files)
        .select_related("file", "version__evidence__current")
        .order_by("version__evidence_id")
    )
    if exclude is not None:
        held = held.exclude(version__evidence=exclude)
    found: dict[str, tuple[StoredFile, Evidence]] = {}
    for row in held:
        found.setdefault(row.file.sha256, (hashes[row.file.sha256], row.version.evidence))
    return list(found.values())


@transaction.atomic
def file_download_record(*, stored_file: StoredFile, actor, centre, inline: bool) -> None:
    """Someone opened a file they did not upload: the trail says who, when and which."""
    audit_record(
        action="file.downloaded", actor=actor, centre=centre, obj=stored_file,
        payload={"name": stored_file.original_name, "sha256": stored_file.sha256, "inline": inline},
    )
