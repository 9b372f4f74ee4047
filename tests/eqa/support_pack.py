"""The world of the pack and set tests: tests/eqa/support.py's centre with quality assurance and
claims added straight to the models (the services that fill them are other areas' work).

In scope of the NCFE grant: Cara (units planned, registered, a signed sample in a plan, a claim
certificated with a document) and Ned (units planned). Outside it, and so never in a pack or on
a set page: Paula (Pearson: her own plan item, signed sample, standardisation meeting, EQA
action) and Elsie of the other centre. An old standardisation meeting (over a year ago) is out
of the twelve months."""

from __future__ import annotations

import io
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.certification.models import ClaimBatch, ClaimLine, ClaimOutcome, Document
from apps.eqa.models import CentreAction, RequestedLearner, SampleRequest, VisitOutcome
from apps.iqa import rules
from apps.iqa.models import (
    AssessorProfile,
    SamplingPlan,
    SamplingStrategy,
    StandardisationJudgement,
    StandardisationMeeting,
)
from apps.learners.models import Enrolment, PlannedUnit
from apps.qualifications.models import Unit
from tests.eqa.support import EqaWorld, enrol, grant_for
from tests.iqa.support_reports import sampled_unit

CARA_ULN = "9876543210"


@dataclass
class PackWorld:
    world: EqaWorld
    plan: SamplingPlan
    cara_sample: Any
    paula_sample: Any
    request: SampleRequest
    meeting: StandardisationMeeting
    old_meeting: StandardisationMeeting
    pearson_meeting: StandardisationMeeting
    action: CentreAction  # an earlier NCFE visit's action, answered and closed
    pearson_action: CentreAction
    batch: ClaimBatch
    document: Document


def plan_units(enrolment: Enrolment, numbers: tuple[str, ...] = ("1", "2")) -> None:
    for unit in Unit.objects.filter(qualification=enrolment.qualification, number__in=numbers):
        PlannedUnit.objects.get_or_create(enrolment=enrolment, unit=unit, defaults={"source": PlannedUnit.Source.CHOSEN})


def sample_request(world: EqaWorld, enrolments: list[Enrolment], *, grant: Any = None,
                   status: str = SampleRequest.Status.OPEN) -> SampleRequest:
    grant = grant or world.grant
    request = SampleRequest.objects.create(centre=world.centre, grant=grant, requested_by=world.eqa.user,
                                           due_on=timezone.localdate() + timedelta(days=14), status=status)
    for e in enrolments:
        RequestedLearner.objects.create(request=request, enrolment=e, reason="Chosen by the EQA")
    return request


def earlier_outcome(world: EqaWorld, qualification: Any, *, text: str, closed: bool = True) -> CentreAction:
    """An outcome of an earlier visit (a grant that has ended) with one action."""
    today = timezone.localdate()
    earlier = grant_for(world.eqa, qualifications=[qualification], starts_on=today - timedelta(days=400),
                        ends_on=today - timedelta(days=370), created_by=world.admin.user)
    outcome = VisitOutcome.objects.create(
        centre=world.centre, grant=earlier, qualification=qualification, visited_on=today - timedelta(days=380),
        result=VisitOutcome.Result.ACTIONS, report="Good overall.", recorded_by=world.eqa.user,
        signed_name=world.eqa.user.full_name)
    now = timezone.now()
    return CentreAction.objects.create(
        centre=world.centre, outcome=outcome, text=text, due_on=today - timedelta(days=300),
        status=CentreAction.Status.CLOSED if closed else CentreAction.Status.OPEN,
        response="Done: see the new tracking sheet." if closed else "", responded_by=world.lead.user if closed else None,
        responded_at=now - timedelta(days=320) if closed else None, closed_by=world.eqa.user if closed else None,
        closed_at=now - timedelta(days=310) if closed else None, closing_note="Seen at this visit." if closed else "")


def meeting(world: EqaWorld, *, qualification: Any, days_ago: int, exemplar: str) -> StandardisationMeeting:
    held = StandardisationMeeting.objects.create(
        centre=world.centre, qualification=qualification, held_on=timezone.localdate() - timedelta(days=days_ago),
        facilitator=world.lead.user, exemplar=exemplar, agreed_judgement="met", notes="Minutes of the meeting.",
        created_by=world.lead.user)
    StandardisationJudgement.objects.create(meeting=held, attendee=world.assessor.user, judgement="met",
                                            comment="All criteria shown.")
    StandardisationJudgement.objects.create(meeting=held, attendee=world.iqa.user, judgement="not_yet_met",
                                            comment="1.2 is thin.")
    return held


def claim(world: EqaWorld, enrolment: Enrolment) -> tuple[ClaimBatch, Document]:
    """A submitted batch claiming the enrolment, certificated, with a document issued."""
    admin = world.admin.user
    now = timezone.now()
    batch = ClaimBatch.objects.create(centre=world.centre, awarding_organisation="NCFE", reference="CB-2026-0007",
                                      route=ClaimBatch.Route.DCS, created_by=admin)
    line = ClaimLine.objects.create(
        batch=batch, enrolment=enrolment, claim_type=ClaimLine.ClaimType.FULL, award_date=timezone.localdate(),
        registration_number=enrolment.registration_number, registered_name=enrolment.learner.full_name, added_by=admin)
    ClaimBatch.objects.filter(pk=batch.pk).update(status=ClaimBatch.Status.SUBMITTED, submitted_by=admin,
                                                  submitted_at=now, export_sha256="a" * 64)
    batch.refresh_from_db()
    ClaimOutcome.objects.create(line=line, status=ClaimOutcome.Status.CERTIFICATED, certificate_number="NC123456",
                                certificate_date=timezone.localdate(), recorded_by=admin)
    document = Document.objects.create(
        centre=world.centre, line=line, kind=Document.Kind.ACHIEVEMENT_RECORD, number="AR-2026-000042",
        public_code="c" * 40, key="documents/x.pdf", sha256="b" * 64, issued_by=admin)
    return batch, document


def pack_world(world: EqaWorld) -> PackWorld:
    today = timezone.localdate()
    cara, ned, paula = world.cara, world.ned, world.paula
    for e in (cara, ned, paula):
        plan_units(e)
    cara.learner.uln = CARA_ULN
    cara.learner.save(update_fields=["uln"])
    cara.registration_number, cara.registered_on = "NCFE-REG-0001", today - timedelta(days=80)
    cara.save(update_fields=["registration_number", "registered_on"])
    paula.registration_number = "PEARSON-REG-9"
    paula.save(update_fields=["registration_number"])
    AssessorProfile.objects.create(
        centre=world.centre, assessor=world.assessor.user, status=AssessorProfile.Status.EXPERIENCED,
        assessor_qualification="Level 3 Certificate in Assessing Vocational Achievement",
        qualified_on=today - timedelta(days=900), cpd_notes="Sector update day, March.",
        occupational_competence="Ten years as a site supervisor.")
    SamplingStrategy.objects.create(
        centre=world.centre, version=1, status=SamplingStrategy.Status.APPROVED, rules=rules.TEMPLATE,
        rationale="Our rates, agreed with the team.", from_template=True, created_by=world.lead.user,
        approved_by=world.lead.user, approved_name="Lee Lead", approved_at=timezone.now())
    plan = SamplingPlan.objects.create(
        centre=world.centre, iqa=world.iqa.user, period_start=today - timedelta(days=30),
        period_end=today + timedelta(days=60), seed=7, created_by=world.iqa.user, generation=1,
        generated_at=timezone.now())
    people = {"assessor": world.assessor.user, "iqa": world.iqa.user, "plan": plan}
    cara_made = sampled_unit(cara, **people)
    paula_made = sampled_unit(paula, **people)
    request = sample_request(world, [cara, paula])  # Paula's row cannot widen the grant
    batch, document = claim(world, cara)
    return PackWorld(
        world=world, plan=plan, cara_sample=cara_made["sample"], paula_sample=paula_made["sample"], request=request,
        meeting=meeting(world, qualification=world.ncfe, days_ago=40, exemplar="Ned's call log, unit 1"),
        old_meeting=meeting(world, qualification=world.ncfe, days_ago=400, exemplar="An exemplar from long ago"),
        pearson_meeting=meeting(world, qualification=world.pearson, days_ago=20, exemplar="A Pearson exemplar"),
        action=earlier_outcome(world, world.ncfe, text="Put a tracking sheet in every portfolio."),
        pearson_action=earlier_outcome(world, world.pearson, text="A Pearson action", closed=False),
        batch=batch, document=document,
    )


def more_learners(world: EqaWorld, n: int, *, prefix: str = "Learner") -> list[Enrolment]:
    """n more NCFE learners of the world's assessor and IQA, each with two units planned."""
    made = []
    for i in range(n):
        e = enrol(world.centre, name=f"{prefix} {i:03d}", qualification=world.ncfe, assessor=world.assessor.user,
                  iqa=world.iqa.user)
        plan_units(e)
        made.append(e)
    return made


# --- reading a pack -------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The PDF's words as pdftotext (poppler) reads them, one space between each (lines joined)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    return " ".join(text.split())


def csv_rows(data: bytes) -> list[list[str]]:
    import csv

    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def open_zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def table_rows(html: str, caption_starts: str) -> list[list[str]]:
    """The body rows of the page's table whose caption starts with these words, each cell's text
    with its white space collapsed: what a reader of the page sees in it."""
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: list[tuple[str, list[list[str]]]] = []
            self.caption: str | None = None
            self.rows: list[list[str]] | None = None
            self.cell: list[str] | None = None
            self.in_body = False

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "table":
                self.rows, self.caption = [], ""
            elif tag == "tbody":
                self.in_body = True
            elif tag == "tr" and self.in_body and self.rows is not None:
                self.rows.append([])
            elif tag in ("td", "th") and self.in_body:
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None and self.rows:
                self.rows[-1].append(" ".join("".join(self.cell).split()))
                self.cell = None
            elif tag == "tbody":
                self.in_body = False
            elif tag == "table" and self.rows is not None:
                self.tables.append((" ".join((self.caption or "").split()), self.rows))
                self.rows = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)
            elif self.rows is not None and not self.in_body and self.caption is not None and not self.rows:
                self.caption += data

    parser = Tables()
    parser.feed(html)
    found = [rows for caption, rows in parser.tables if caption.startswith(caption_starts)]
    assert found, f"no table captioned {caption_starts!r}: {[c for c, _ in parser.tables]}"
    return found[0]
