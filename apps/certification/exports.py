"""A claim batch's files: the generic claim file (CSV and XLSX) and the per-AO keying sheets' CSV.

The generic claim file follows §3.2 of the domain notes: one row per learner × unit, its columns
in that order, dates as YYYY-MM-DD (times as YYYY-MM-DD HH:MM, UK time). The per-learner summary
travels in the same file, so that one file (and one SHA-256) is what the batch froze at
submission:

- CSV: a first column `row_type` says what each row is: `learner` (the summary: columns 1–15,
  the learner-level columns 27–31 and, at the end, units_claimed_count, credits_claimed_total,
  rules_of_combination_met and rules_reason) or `unit` (every column of §3.2). Each learner's
  summary row comes first, then its units.
- XLSX: the same rows in two sheets, "Units" (§3.2's columns) and "Learners" (the summary).

Both neutralise spreadsheet formulas (apps/core/spreadsheets.safe_cell). The rows are built by
pure functions (`claim_rows`) from plain facts (`claim_facts` reads them: five queries whatever
the batch's size); after submission the rows are read back from the frozen CSV (`rows_from_csv`),
so the XLSX and the keying sheets say what was sent, whatever changed since.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.storage import default_storage
from django.utils import timezone

from apps.assessment import facts as assessment_facts
from apps.assessment import status as st
from apps.core.spreadsheets import csv_bytes, safe_cell
from apps.qualifications.models import AssessmentCriterion

from . import aos, keying
from .models import AOCentreNumber, ClaimBatch, ClaimLine, ClaimUnit, QualificationApproval

CLAIM_COLUMNS = (
    "claim_batch_ref", "ao_code", "centre_number", "qualification_number", "ao_qualification_code",
    "qualification_title", "ao_registration_number", "uln", "learner_forenames", "learner_surname", "date_of_birth",
    "registration_date", "learner_start_date", "claim_type", "award_date",
    "unit_urn", "ao_unit_code", "unit_title", "unit_level", "unit_credit", "unit_grade", "achievement_route",
    "prior_ao", "prior_certificate_number", "prior_achievement_date", "unit_achievement_date",
    "assessor_name", "assessor_signed_at", "iqa_name", "iqa_sampled", "iqa_signed_at",
    "funding_status", "dcs_at_claim", "eqa_signoff_ref", "centre_declaration_by", "centre_declaration_at",
    "app_claim_line_id",
)
LEARNER_LEVEL = CLAIM_COLUMNS[:15] + CLAIM_COLUMNS[31:]
SUMMARY_ONLY = ("units_claimed_count", "credits_claimed_total", "rules_of_combination_met", "rules_reason")
LEARNER_COLUMNS = LEARNER_LEVEL + SUMMARY_ONLY
CSV_COLUMNS = ("row_type",) + CLAIM_COLUMNS + SUMMARY_ONLY
NUMBERS = {"unit_level", "unit_credit", "app_claim_line_id", "units_claimed_count", "credits_claimed_total"}

LEARNER, UNIT = "learner", "unit"
# Pearson's grade set: P achieved, T transferred credit (the other routes are achievements too).
GRADES = {ClaimUnit.Route.CREDIT_TRANSFER: "T", ClaimUnit.Route.EXEMPTION: "T"}
RULES_REASONS = {
    ClaimLine.ClaimType.FULL: "The units claimed meet the qualification's rules of combination.",
    ClaimLine.ClaimType.UNIT: "Unit (credit) claim: the units achieved do not yet meet the rules of combination.",
}


# --- the facts, read once -----------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFacts:
    urn: str | None  # None where the catalogue does not know the unit's own reference number
    number: str
    title: str
    level: int
    credits: int
    route: str
    achieved_on: date
    assessor_name: str
    assessor_signed_at: datetime | None
    iqa_name: str
    iqa_sampled: bool
    iqa_signed_at: datetime | None
    prior_reference: str


@dataclass(frozen=True)
class LineFacts:
    line_id: int
    qualification_number: str
    qualification_title: str
    ao_course_code: str
    has_dcs: bool
    registration_number: str
    uln: str
    registered_name: str
    date_of_birth: date | None
    registered_on: date | None
    start_date: date | None
    funding_status: str
    claim_type: str
    award_date: date
    units: tuple[UnitFacts, ...]


@dataclass(frozen=True)
class ClaimFacts:
    reference: str
    ao_code: str
    centre_number: str
    eqa_signoff_ref: str
    declaration_by: str
    declaration_at: datetime | None
    lines: tuple[LineFacts, ...]


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def claim_facts(batch: ClaimBatch) -> ClaimFacts:
    """What the claim file says of a batch, as it stands: five queries whatever its size."""
    lines = list(batch.lines.select_related("enrolment__qualification")
                 .prefetch_related("units__unit").order_by("registered_name", "id"))
    approvals = {a.qualification_number: a for a in QualificationApproval.objects.filter(
        centre_id=batch.centre_id, qualification_number__in={line.enrolment.qualification.number for line in lines})}
    number = AOCentreNumber.objects.filter(centre_id=batch.centre_id,
                                           awarding_organisation=batch.awarding_organisation).first()
    eqa = f"{batch.eqa_name}, {_local(batch.eqa_at):%Y-%m-%d}" if batch.route == ClaimBatch.Route.EQA and batch.eqa_at else ""
    facts = []
    for line in lines:
        qualification = line.enrolment.qualification
        approval = approvals.get(qualification.number)
        facts.append(LineFacts(
            line_id=line.pk, qualification_number=qualification.number, qualification_title=qualification.title,
            ao_course_code=approval.ao_course_code if approval else "", has_dcs=bool(approval and approval.has_dcs),
            registration_number=line.registration_number, uln=line.uln, registered_name=line.registered_name,
            date_of_birth=line.date_of_birth, registered_on=line.enrolment.registered_on,
            start_date=line.enrolment.start_date, funding_status=line.enrolment.funding_status,
            claim_type=line.claim_type, award_date=line.award_date,
            units=tuple(
                UnitFacts(urn=u.unit.urn, number=u.unit.number, title=u.unit.title, level=u.unit.level,
                          credits=u.unit.credits, route=u.route, achieved_on=u.achieved_on,
                          assessor_name=u.assessor_name, assessor_signed_at=_local(u.assessor_signed_at),
                          iqa_name=u.iqa_name, iqa_sampled=u.iqa_sampled, iqa_signed_at=_local(u.iqa_signed_at),
                          prior_reference=u.prior_reference)
                for u in sorted(line.units.all(), key=lambda u: (u.unit.position, u.unit_id))
            ),
        ))
    return ClaimFacts(
        reference=batch.reference, ao_code=aos.ao_for(batch.awarding_organisation).code,
        centre_number=number.centre_number if number else "", eqa_signoff_ref=eqa,
        declaration_by=batch.authorised_name, declaration_at=_local(batch.authorised_at), lines=tuple(facts),
    )


# --- the rows (pure) ----------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def split_name(name: str) -> tuple[str, str]:
    """Forenames and surname of a name as registered: the surname is its last word."""
    words = name.split()
    if len(words) < 2:
        return "", " ".join(words)
    return " ".join(words[:-1]), words[-1]


def claim_rows(facts: ClaimFacts) -> list[dict[str, str]]:
    """Every row of the generic claim file, as text: per learner, the summary row then a row
    per unit (each a dict over CSV_COLUMNS)."""
    rows: list[dict[str, str]] = []
    for line in facts.lines:
        forenames, surname = split_name(line.registered_name)
        learner = {
            "claim_batch_ref": facts.reference, "ao_code": facts.ao_code, "centre_number": facts.centre_number,
            "qualification_number": line.qualification_number, "ao_qualification_code": line.ao_course_code,
            "qualification_title": line.qualification_title, "ao_registration_number": line.registration_number,
            "uln": line.uln, "learner_forenames": forenames, "learner_surname": surname,
            "date_of_birth": _day(line.date_of_birth), "registration_date": _day(line.registered_on),
            "learner_start_date": _day(line.start_date), "claim_type": line.claim_type.upper(),
            "award_date": _day(line.award_date), "funding_status": line.funding_status.upper(),
            "dcs_at_claim": "Y" if line.has_dcs else "N", "eqa_signoff_ref": facts.eqa_signoff_ref,
            "centre_declaration_by": facts.declaration_by, "centre_declaration_at": _moment(facts.declaration_at),
            "app_claim_line_id": str(line.line_id),
        }
        full = line.claim_type == ClaimLine.ClaimType.FULL
        rows.append({column: "" for column in CSV_COLUMNS} | learner | {
            "row_type": LEARNER, "units_claimed_count": str(len(line.units)),
            "credits_claimed_total": str(sum(u.credits for u in line.units)),
            "rules_of_combination_met": "Y" if full else "N", "rules_reason": RULES_REASONS.get(line.claim_type, ""),
        })
        for unit in line.units:
            transfer = unit.route == ClaimUnit.Route.CREDIT_TRANSFER
            rows.append({column: "" for column in CSV_COLUMNS} | learner | {
                "row_type": UNIT, "unit_urn": unit.urn or "", "ao_unit_code": unit.number, "unit_title": unit.title,
                "unit_level": str(unit.level), "unit_credit": str(unit.credits),
                "unit_grade": GRADES.get(unit.route, "P"), "achievement_route": unit.route.upper(),
                "prior_certificate_number": unit.prior_reference if transfer else "",
                "prior_achievement_date": _day(unit.achieved_on) if transfer else "",
                "unit_achievement_date": _day(unit.achieved_on), "assessor_name": unit.assessor_name,
                "assessor_signed_at": _moment(unit.assessor_signed_at), "iqa_name": unit.iqa_name,
                "iqa_sampled": "Y" if unit.iqa_sampled else "N", "iqa_signed_at": _moment(unit.iqa_signed_at),
            })
    return rows


# --- the files ----------------------------------------------------------------------------------


def claim_csv(rows: Sequence[dict[str, str]]) -> bytes:
    return csv_bytes(CSV_COLUMNS, ([row.get(column, "") for column in CSV_COLUMNS] for row in rows))


def rows_from_csv(data: bytes) -> list[dict[str, str]]:
    """The rows of a claim file as stored (a frozen batch's): what was sent, cell for cell."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [{column: row.get(column) or "" for column in CSV_COLUMNS} for row in reader]


def frozen_rows(batch: ClaimBatch) -> list[dict[str, str]]:
    with default_storage.open(batch.export_key, "rb") as stored:
        return rows_from_csv(stored.read())


def batch_rows(batch: ClaimBatch) -> list[dict[str, str]]:
    """The batch's claim rows: as frozen at submission, else as they stand now."""
    if batch.status == ClaimBatch.Status.SUBMITTED:
        return frozen_rows(batch)
    return claim_rows(claim_facts(batch))


def criteria_map(batch: ClaimBatch) -> keying.CriteriaMap:
    """For SFJ's achievement-record mapping: per learner's line and unit claimed, each criterion
    and the evidence (titles and versions) whose counting decision met it, as recorded now. A
    fixed number of queries whatever the batch's size."""
    claimed = list(ClaimUnit.objects.filter(line__batch=batch).values_list(
        "line_id", "line__enrolment_id", "unit_id", "unit__number"))
    criteria: dict[int, list[AssessmentCriterion]] = {}
    for criterion in (AssessmentCriterion.objects.filter(unit_id__in={unit for _, _, unit, _ in claimed})
                      .order_by("unit_id", "outcome__position", "position")):
        criteria.setdefault(criterion.unit_id, []).append(criterion)
    records = assessment_facts.facts_for({enrolment for _, enrolment, _, _ in claimed}, sign_offs=False)
    statuses = {enrolment: st.criterion_statuses(found) for enrolment, found in records.items()}
    versions = assessment_facts.version_refs(
        {v for by_criterion in statuses.values() for status in by_criterion.values() for v in status.met_by})
    out: dict[tuple[str, str], list[keying.Criterion]] = {}
    for line_id, enrolment_id, unit_id, number in claimed:
        rows = []
        for criterion in criteria.get(unit_id, []):
            met_by = statuses[enrolment_id].get(criterion.pk, st.NOT_STARTED_STATUS).met_by
            evidence = "; ".join(f"{versions[v].title} (version {versions[v].number})" for v in met_by if v in versions)
            rows.append((criterion.number or "", criterion.text, evidence))
        out[(str(line_id), number)] = rows
    return out


def keying_sheet(batch: ClaimBatch, rows: Sequence[dict[str, str]]) -> keying.Sheet:
    """The batch's keying sheet, from its claim rows (and, for SFJ, the criteria mapped)."""
    criteria = criteria_map(batch) if aos.ao_for(batch.awarding_organisation).code == aos.SFJ.code else None
    return keying.sheet(batch.awarding_organisation, rows, criteria)


def _xlsx_cell(column: str, value: str) -> object:
    if column in NUMBERS and value.isdigit():
        return int(value)
    return safe_cell(value)


def claim_xlsx(rows: Sequence[dict[str, str]]) -> bytes:
    """The claim file as a workbook: "Units" (a row per learner × unit) and "Learners" (the summary)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, kind, columns in (("Units", UNIT, CLAIM_COLUMNS), ("Learners", LEARNER, LEARNER_COLUMNS)):
        sheet = book.create_sheet(title)
        sheet.append(list(columns))
        for row in rows:
            if row["row_type"] == kind:
                sheet.append([_xlsx_cell(column, row.get(column, "")) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def keying_csv(sheet: keying.Sheet) -> bytes:
    """A keying sheet flat: a row per unit (per criterion for SFJ's mapping), in the sheet's order."""
    header = ["Group", *sheet.fact_labels, *sheet.unit_columns, "Check"]
    rows = []
    for group in sheet.groups:
        for entry in group.entries:
            check = " ".join(entry.warnings)
            for unit in entry.units or ((),):
                rows.append([group.heading, *(value for _, value in entry.facts),
                             *(unit or [""] * len(sheet.unit_columns)), check])
    return csv_bytes(header, rows)
