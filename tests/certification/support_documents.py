"""Builders the document tests share: a submitted claim batch written straight to the models, in
bulk (tests of a thousand learners cannot take each through the assessment services; the batch
services are tested in tests/certification with support_batches, which the browser and run
tests use too).

A batch is written as a draft, its lines and units added, then marked submitted: the database
refuses any change to a submitted batch's lines (migration 0002), as it refuses it to the app."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.centres.models import Membership
from apps.certification.models import ClaimBatch, ClaimLine, ClaimOutcome, ClaimUnit, Document, DocumentRun
from apps.learners.models import Enrolment, ExternalAccess, Learner
from apps.qualifications.models import Qualification
from tests.factories import CentreFactory, MembershipFactory
from tests.iqa.support_samples import qualification as default_qualification

EVIDENCE = [{"title": "Call log, 3 March", "version": 2, "sha256": "ab" * 32},
            {"title": "Observation of a complaint call", "version": 1, "sha256": "cd" * 32}]


@dataclass
class Batch:
    centre: Any
    admin: Any  # users
    eqa: Any
    lead: Any
    qualification: Qualification
    batch: ClaimBatch
    lines: list[ClaimLine] = field(default_factory=list)
    learners: list[Any] = field(default_factory=list)  # the learners' users, in the lines' order


def staff(centre: Any) -> dict[str, Any]:
    """The admin, the lead IQA and the EQA, whose grant covers the test qualification (60 days)."""
    people = {
        "admin": MembershipFactory(centre=centre, is_admin=True, user__full_name="Ada Admin").user,
        "eqa": MembershipFactory(centre=centre, is_eqa=True, eqa_expires_on=timezone.localdate() + timedelta(days=60),
                                 user__full_name="Eve External").user,
        "lead": MembershipFactory(centre=centre, is_iqa=True, is_lead_iqa=True, user__full_name="Lee Lead").user,
    }
    grant = ExternalAccess.objects.create(
        centre=centre, email=people["eqa"].email, user=people["eqa"], awarding_organisation="NCFE",
        created_by=people["admin"], starts_on=timezone.localdate() - timedelta(days=1),
        ends_on=timezone.localdate() + timedelta(days=60))
    grant.qualifications.add(default_qualification())
    return people


def bulk_submitted_batch(centre: Any = None, *, learners: int = 2, units: tuple[str, ...] = ("1", "2"),
                    certificated: bool = False, submitted: bool = True, names: list[str] | None = None,
                    people: dict[str, Any] | None = None, reference: str = "") -> Batch:
    """A batch of `learners` lines, each claiming `units` of the test qualification (a unit claim),
    submitted to NCFE; with `certificated`, the AO's certificate recorded for every line."""
    centre = centre or CentreFactory(name="Riverside Training")
    people = people or staff(centre)
    admin = people["admin"]
    qualification = default_qualification()
    catalogue = {u.number: u for u in qualification.units.all()}
    now = timezone.now()
    stamp = f"{time.monotonic_ns() % 10**9}"
    batch = ClaimBatch.objects.create(
        centre=centre, awarding_organisation=qualification.awarding_organisation,
        reference=reference or f"CB-{now.year}-{stamp}", created_by=admin, route=ClaimBatch.Route.DCS,
    )
    names = names or [f"Learner {i:04d} Example" for i in range(learners)]
    users = User.objects.bulk_create(
        User(email=f"doc-{stamp}-{i}@example.test", full_name=names[i]) for i in range(learners))
    Membership.objects.bulk_create(Membership(centre=centre, user=u, is_learner=True) for u in users)
    records = Learner.objects.bulk_create(
        Learner(centre=centre, user=u, full_name=u.full_name, email=u.email, date_of_birth=date(1990, 5, 17),
                ) for u in users)
    today = timezone.localdate()
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(centre=centre, learner=r, qualification=qualification, registration_number=f"R{stamp}{i:05d}",
                  start_date=today - timedelta(days=200), planned_end_date=today + timedelta(days=100),
                  registered_on=today - timedelta(days=150), registered_name=r.full_name,
                  registered_date_of_birth=date(1990, 5, 17), funding_status=Enrolment.Funding.FUNDED)
        for i, r in enumerate(records))
    lines = ClaimLine.objects.bulk_create(
        ClaimLine(batch=batch, enrolment=e, claim_type=ClaimLine.ClaimType.UNIT, award_date=today - timedelta(days=5),
                  registration_number=e.registration_number, registered_name=e.registered_name,
                  date_of_birth=date(1990, 5, 17), uln="9876543210", added_by=admin)
        for e in enrolments)
    signed = now - timedelta(days=10)
    ClaimUnit.objects.bulk_create(
        ClaimUnit(line=line, unit=catalogue[number], achieved_on=today - timedelta(days=12),
                  assessor_name="Asha Assessor", assessor_signed_at=signed, iqa_name="Ira Quality", iqa_sampled=True,
                  iqa_signed_at=signed + timedelta(days=1), evidence=EVIDENCE)
        for line in lines for number in units)
    if submitted:
        data = f"claim file of {batch.reference}".encode()
        ClaimBatch.objects.filter(pk=batch.pk).update(
            status=ClaimBatch.Status.SUBMITTED, declared_by=people["lead"], declared_name="Lee Lead", declared_at=now,
            authorised_by=admin, authorised_name="Ada Admin", authorised_at=now, submitted_by=admin,
            submitted_at=now, export_key=f"claims/{batch.pk}.csv", export_sha256=hashlib.sha256(data).hexdigest())
        batch.refresh_from_db()
    if certificated:
        certify(lines, admin)
    return Batch(centre=centre, admin=admin, eqa=people["eqa"], lead=people["lead"], qualification=qualification,
                 batch=batch, lines=lines, learners=users)


def certify(lines: list[ClaimLine], admin: Any, *, on: date | None = None) -> None:
    ClaimOutcome.objects.bulk_create(
        ClaimOutcome(line=line, status=ClaimOutcome.Status.CERTIFICATED, certificate_number=f"NCFE-{line.pk:07d}",
                     certificate_date=on or timezone.localdate(), recorded_by=admin)
        for line in lines)


def reject(line: ClaimLine, admin: Any) -> ClaimOutcome:
    return ClaimOutcome.objects.create(line=line, status=ClaimOutcome.Status.REJECTED, reason="Not registered.",
                                       recorded_by=admin)


def numbers_by_series(centre: Any) -> dict[str, list[int]]:
    """Each series' numbers, as integers, in order: for "no duplicate, no gap" checks."""
    found: dict[str, list[int]] = {}
    for number in Document.objects.filter(centre=centre).values_list("number", flat=True):
        series, _year, serial = number.split("-")
        found.setdefault(series, []).append(int(serial))
    return {series: sorted(serials) for series, serials in found.items()}


def one_document_per_line_and_kind(run: DocumentRun) -> bool:
    """Every learner of the run's batch has exactly one document row of each of the run's kinds
    made for the run, whatever its status (a redelivery that reserved a second one fails this),
    and that one is valid and made."""
    rows = list(Document.objects.filter(run=run).values_list("line_id", "kind", "status", "sha256"))
    expected = {(line, kind) for line in run.batch.lines.values_list("pk", flat=True) for kind in run.kinds}
    return (sorted((line, kind) for line, kind, _, _ in rows) == sorted(expected)
            and all(status == Document.Status.VALID and sha256 for _, _, status, sha256 in rows))


def wait_for_run(run: DocumentRun, timeout: float = 120) -> DocumentRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status != DocumentRun.Status.RUNNING:
            return run
        time.sleep(0.2)
    raise AssertionError(f"the run is still {run.status}")
