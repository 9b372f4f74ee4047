"""A batch's files: the generic claim file (§3.2 of the domain notes) as CSV and XLSX, with
spreadsheet formulas made inert; the per-AO keying sheets in the order of each AO's screens; the
pre-claim declaration; and after submission, the file that was frozen, not a new one."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.certification import exports, keying
from apps.certification.exports import ClaimFacts, LineFacts, UnitFacts
from apps.certification.models import QualificationApproval
from apps.learners.models import Enrolment
from tests.certification.support_batches import approve, draft_batch, learners, submitted_batch
from tests.certification.support_ready import claim_staff
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.factories import make_qualification

# §3.2 of the domain notes, in its order (23, 25, 26 and 30 are several columns each).
DOMAIN_COLUMNS = [
    "claim_batch_ref", "ao_code", "centre_number", "qualification_number", "ao_qualification_code",
    "qualification_title", "ao_registration_number", "uln", "learner_forenames", "learner_surname", "date_of_birth",
    "registration_date", "learner_start_date", "claim_type", "award_date", "unit_urn", "ao_unit_code", "unit_title",
    "unit_level", "unit_credit", "unit_grade", "achievement_route", "prior_ao", "prior_certificate_number",
    "prior_achievement_date", "unit_achievement_date", "assessor_name", "assessor_signed_at", "iqa_name",
    "iqa_sampled", "iqa_signed_at", "funding_status", "dcs_at_claim", "eqa_signoff_ref", "centre_declaration_by",
    "centre_declaration_at", "app_claim_line_id",
]
LONDON = ZoneInfo("Europe/London")


def unit(number: str, *, route: str = "assessed", credits: int = 3, title: str | None = None) -> UnitFacts:
    return UnitFacts(
        urn=f"A/500/{number.zfill(4)}", number=number, title=title or f"Unit {number} title", level=2, credits=credits,
        route=route, achieved_on=date(2026, 3, 2), assessor_name="Asha Assessor",
        assessor_signed_at=datetime(2026, 3, 2, 14, 5, tzinfo=LONDON), iqa_name="Ira Quality", iqa_sampled=True,
        iqa_signed_at=datetime(2026, 3, 9, 9, 30, tzinfo=LONDON),
        prior_reference="C&G cert 4471" if route == "credit_transfer" else "",
    )


def line(pk: int, name: str, registration: str, *, units=("1",), claim_type: str = "full", funding: str = "funded",
         code: str = "3412-03", number: str = "600/1135/X", dcs: bool = True, dob: date = date(1990, 5, 17),
         unit_facts: tuple[UnitFacts, ...] | None = None) -> LineFacts:
    return LineFacts(
        line_id=pk, qualification_number=number, qualification_title="Level 3 NVQ Certificate", ao_course_code=code,
        has_dcs=dcs, registration_number=registration, uln="9276308686", registered_name=name, date_of_birth=dob,
        registered_on=date(2025, 9, 1), start_date=date(2025, 8, 28), funding_status=funding, claim_type=claim_type,
        award_date=date(2026, 3, 2), units=unit_facts or tuple(unit(n) for n in units),
    )


def facts(*lines: LineFacts, ao_code: str = "CG") -> ClaimFacts:
    return ClaimFacts(reference="CB-2026-0007", ao_code=ao_code, centre_number="C0042", eqa_signoff_ref="",
                      declaration_by="Ada Admin", declaration_at=datetime(2026, 3, 10, 16, 0, tzinfo=LONDON),
                      lines=lines)


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


# --- the generic claim file (pure) ------------------------------------------------------------------


def test_the_columns_are_those_of_the_domain_notes_in_their_order():
    assert list(exports.CLAIM_COLUMNS) == DOMAIN_COLUMNS
    assert list(exports.CSV_COLUMNS) == ["row_type", *DOMAIN_COLUMNS, "units_claimed_count", "credits_claimed_total",
                                         "rules_of_combination_met", "rules_reason"]


def test_each_learner_has_a_summary_row_then_a_row_per_unit():
    rows = exports.claim_rows(facts(
        line(11, "Mary Ann Jones", "E100", units=("201", "202")),
        line(12, "Tom Lee", "E101", claim_type="unit", unit_facts=(unit("203", route="credit_transfer", credits=4),)),
    ))
    assert [(r["row_type"], r["ao_unit_code"]) for r in rows] == [
        ("learner", ""), ("unit", "201"), ("unit", "202"), ("learner", ""), ("unit", "203")]
    summary, first = rows[0], rows[1]
    assert (summary["learner_forenames"], summary["learner_surname"]) == ("Mary Ann", "Jones")
    assert (summary["units_claimed_count"], summary["credits_claimed_total"], summary["rules_of_combination_met"]) == (
        "2", "6", "Y")
    assert summary["unit_urn"] == "" and summary["claim_type"] == "FULL" and summary["dcs_at_claim"] == "Y"
    assert (first["date_of_birth"], first["registration_date"], first["learner_start_date"]) == (
        "1990-05-17", "2025-09-01", "2025-08-28")
    assert (first["unit_grade"], first["achievement_route"], first["iqa_sampled"]) == ("P", "ASSESSED", "Y")
    assert (first["assessor_signed_at"], first["centre_declaration_at"]) == ("2026-03-02 14:05", "2026-03-10 16:00")
    assert first["units_claimed_count"] == "" and first["app_claim_line_id"] == "11"
    transfer = rows[4]
    assert (transfer["unit_grade"], transfer["achievement_route"], transfer["prior_certificate_number"],
            transfer["prior_achievement_date"]) == ("T", "CREDIT_TRANSFER", "C&G cert 4471", "2026-03-02")
    assert rows[3]["rules_of_combination_met"] == "N" and rows[3]["claim_type"] == "UNIT"


def test_formulas_are_made_inert_in_the_csv_and_the_workbook():
    hostile = line(11, '=HYPERLINK("http://evil.test","x") Smith', "+E100",
                   unit_facts=(unit("201", title="@SUM(A1:A9)"),))
    rows = exports.claim_rows(facts(hostile))
    text = exports.claim_csv(rows).decode("utf-8-sig")
    read = list(csv.DictReader(io.StringIO(text)))
    assert read[0]["learner_forenames"] == '\'=HYPERLINK("http://evil.test","x")'
    assert read[0]["ao_registration_number"] == "'+E100" and read[1]["unit_title"] == "'@SUM(A1:A9)"

    book = load_workbook(io.BytesIO(exports.claim_xlsx(rows)))
    assert book.sheetnames == ["Units", "Learners"]
    units = list(book["Units"].iter_rows(values_only=True))
    assert list(units[0]) == DOMAIN_COLUMNS
    cells = dict(zip(units[0], units[1], strict=True))
    assert cells["learner_forenames"] == '\'=HYPERLINK("http://evil.test","x")' and cells["unit_title"] == "'@SUM(A1:A9)"
    assert cells["unit_credit"] == 3 and cells["app_claim_line_id"] == 11  # numbers stay numbers
    assert all(cell.data_type != "f" for row in book["Units"].iter_rows() for cell in row)
    learners_sheet = list(book["Learners"].iter_rows(values_only=True))
    assert list(learners_sheet[0]) == list(exports.LEARNER_COLUMNS) and len(learners_sheet) == 2


def test_the_csv_reads_back_as_it_was_written():
    rows = exports.claim_rows(facts(line(11, "Mary Jones", "E100", units=("201", "202"))))
    assert exports.rows_from_csv(exports.claim_csv(rows)) == rows


# --- keying sheets (pure) ---------------------------------------------------------------------------


def sheet_of(ao: str, *lines: LineFacts, criteria=None) -> keying.Sheet:
    code = {"NCFE": "NCFE", "City & Guilds": "CG", "Pearson": "PEARSON", "SFJ Awards": "SFJ"}[ao]
    return keying.sheet(ao, exports.claim_rows(facts(*lines, ao_code=code)), criteria)


def test_ncfe_is_keyed_by_learner_number_with_the_credit_transfer_marker():
    sheet = sheet_of("NCFE",
                     line(1, "Zoe Ward", "N10", units=("21",)),
                     line(2, "Al Bee", "N9", claim_type="unit",
                          unit_facts=(unit("4", route="credit_transfer"), unit("12"))))
    entries = sheet.groups[0].entries
    assert [e.heading for e in entries] == ["N9 · Al Bee", "N10 · Zoe Ward"]
    assert dict(entries[0].facts)["Expected Portal status"] == "Partial"
    assert dict(entries[0].facts)["Expected document"] == "Unit or Credit Certificate"
    assert dict(entries[1].facts)["Expected Portal status"] == "Full"
    assert [u[0] for u in entries[0].units] == ["4", "12"] and entries[0].units[0][-1] == "Yes: declare it"
    assert entries[0].units[1][-1] == ""


def test_city_and_guilds_orders_are_funded_then_non_funded_with_exception_orders_without_dcs():
    sheet = sheet_of("City & Guilds",
                     line(1, "Non Funded", "E3", funding="non_funded", units=("310", "302")),
                     line(2, "Funded Late", "E20"),
                     line(3, "Funded Early", "E4", code="3411-02", number="600/1137/3", dcs=False),
                     line(4, "No Funding", "E5", funding=""))
    headings = [g.heading for g in sheet.groups]
    assert headings[0].startswith("Order 1: funded learners, complex 3411-02")
    assert headings[1].startswith("Order 2: funded learners, complex 3412-03")
    assert headings[2].startswith("Order 3: non-funded learners, complex 3412-03")
    assert headings[3].startswith("Order 4: learners with no funding status")
    assert sheet.groups[0].notes[0].startswith("Exception order required")
    assert not sheet.groups[1].notes[0].startswith("Exception order required")
    assert [u[0] for u in sheet.groups[2].entries[0].units] == ["302", "310"]
    assert sheet.groups[3].entries[0].warnings and sheet.warnings == 1


def test_pearson_is_keyed_by_award_code_and_registration_with_names_checked_and_uk_dates():
    sheet = sheet_of("Pearson",
                     line(1, "Bartholomew-Alexander Quentin Smith", "P20", code="B2"),
                     line(2, "Jo Featherstonehaugh-Cholmondeley-Wyndh", "P10", code="B2"),
                     line(3, "Twentycharactersssss Thirtycharactersurnameeeeeeeee", "P5", code="A1"),
                     line(4, "Unit Only", "P1", code="A1", claim_type="unit",
                          unit_facts=(unit("7"), unit("8", route="credit_transfer"))))
    assert [g.heading.split(":")[0] for g in sheet.groups] == ["Award Code A1", "Award Code B2"]
    a1, b2 = sheet.groups
    assert [e.heading.split(" ·")[0] for e in a1.entries] == ["P1", "P5"]
    assert [e.heading.split(" ·")[0] for e in b2.entries] == ["P10", "P20"]
    unit_only = dict(a1.entries[0].facts)
    assert (unit_only["Date of birth"], unit_only["Award date"], unit_only["Claim type"]) == (
        "17/05/1990", "02/03/2026", "Interim (unit credit)")
    assert [u[-1] for u in a1.entries[0].units] == ["P", "T"]
    assert a1.entries[1].warnings == ()  # exactly 20 and 30 characters: what EOL takes
    long_forenames, long_surname = b2.entries[1], b2.entries[0]
    assert long_forenames.warnings == ("Forenames are 29 characters long: Edexcel Online takes 20. Agree the shortened "
                                       "name with Pearson before keying; never shorten it silently.",)
    assert long_surname.warnings[0].startswith("Surname is 36 characters long: Edexcel Online takes 30.")


def test_sfj_maps_each_criterion_to_its_evidence():
    criteria = {("1", "L3-1"): [("1.1", "Greet the customer", "Call log (version 2)"), ("1.2", "Listen", "")]}
    sheet = sheet_of("SFJ Awards", line(1, "Sam Fox", "S1", unit_facts=(
        unit("L3-1"), unit("L3-2", route="credit_transfer"))), criteria=criteria)
    rows = sheet.groups[0].entries[0].units
    assert [r[3:] for r in rows] == [
        ("1.1", "Greet the customer", "Call log (version 2)"), ("1.2", "Listen", "None mapped"),
        ("All", "Credit transfer", "C&G cert 4471")]
    assert sheet.unit_columns[3:] == ("Criterion", "The learner can", "Evidence")


def test_a_long_sheet_is_split_into_parts_in_its_order():
    lines = [line(i, f"Learner {i}", f"E{i:03d}", funding="funded" if i < 150 else "non_funded") for i in range(250)]
    sheet = sheet_of("City & Guilds", *lines)
    parts = keying.split(sheet, 100)
    assert [(p.part, p.parts) for p in parts] == [(1, 3), (2, 3), (3, 3)]
    assert [[(g.heading.split(",")[0], len(g.entries)) for g in p.groups] for p in parts] == [
        [("Order 1: funded learners", 100)],
        [("Order 1: funded learners", 50), ("Order 2: non-funded learners", 50)],
        [("Order 2: non-funded learners", 50)],
    ]
    assert parts[1].groups[0].heading.endswith("(continued)") and parts[1].groups[0].notes == ()
    assert not parts[1].groups[1].heading.endswith("(continued)") and parts[1].groups[1].notes
    keyed = [e.heading for p in parts for g in p.groups for e in g.entries]
    assert keyed == [e.heading for g in sheet.groups for e in g.entries]
    assert [(p.part, p.parts) for p in keying.split(sheet_of("Pearson"), 100)] == [(1, 1)]


def test_the_keying_csv_is_a_row_per_unit_in_the_sheets_order():
    sheet = sheet_of("Pearson", line(2, "B Two", "P2", code="A1"), line(1, "=A One", "P1", code="A1", units=("7", "8")))
    read = list(csv.reader(io.StringIO(exports.keying_csv(sheet).decode("utf-8-sig"))))
    assert read[0][:3] == ["Group", "Registration number", "Forenames"] and read[0][-1] == "Check"
    assert [(r[1], r[7]) for r in read[1:]] == [("P1", "7"), ("P1", "8"), ("P2", "1")]
    assert read[1][2] == "'=A"


# --- the files of a real batch ------------------------------------------------------------------------


@pytest.fixture
def storage(private_storage):  # noqa: F811
    return private_storage


def download(client, name: str, batch) -> bytes:
    response = client.get(reverse(name, args=[batch.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_after_submission_the_frozen_file_is_served_whatever_changes_later(client, db, storage):
    claim = submitted_batch(count=2)
    batch, staff = claim.batch, claim.staff
    client.force_login(staff.admin)
    frozen = download(client, "claims_batch_claim_csv", batch)
    assert hashlib.sha256(frozen).hexdigest() == batch.export_sha256
    Enrolment.objects.filter(pk=claim.enrolments[0].pk).update(registered_on=date(2020, 1, 1), funding_status="non_funded")
    QualificationApproval.objects.filter(centre=staff.centre).update(ao_course_code="CHANGED-LATER")
    assert download(client, "claims_batch_claim_csv", batch) == frozen

    book = load_workbook(io.BytesIO(download(client, "claims_batch_claim_xlsx", batch)))
    units = list(book["Units"].iter_rows(values_only=True))
    column = units[0].index("ao_qualification_code")
    assert {row[column] for row in units[1:]} == {"P60000001"}
    assert "CHANGED-LATER" not in download(client, "claims_batch_keying_csv", batch).decode("utf-8-sig")
    events = AuditEvent.objects.filter(action="claim.exported").order_by("id")
    assert [e.payload["file"] for e in events] == ["claim.csv", "claim.csv", "claim.xlsx", "keying.csv"]
    assert events[0].payload["sha256"] == batch.export_sha256


def test_before_submission_the_files_show_the_batch_as_it_stands(client, db, storage):
    claim = draft_batch(count=1)
    client.force_login(claim.staff.eqa)
    text = download(client, "claims_batch_claim_csv", claim.batch).decode("utf-8-sig")
    assert "Amira,Shah" in text and "P60000001" in text
    QualificationApproval.objects.filter(centre=claim.staff.centre).update(ao_course_code="NEW-CODE")
    assert "NEW-CODE" in download(client, "claims_batch_claim_csv", claim.batch).decode("utf-8-sig")


def test_the_pearson_keying_sheet_pdf_warns_of_a_long_name(client, db, storage):
    staff = claim_staff()
    pearson = make_qualification(number="603/0000/9", awarding_organisation="Pearson")
    approve(staff, pearson, dcs=True, code="BTEC42")
    enrolments = learners(staff, pearson, names=["Maximiliana Evangelina Rose Whitfield"])
    from apps.certification import batches

    batch = batches.batch_create(actor=staff.admin, centre_id=staff.centre.pk, enrolment_ids=[e.pk for e in enrolments])
    client.force_login(staff.admin)
    response = client.get(reverse("claims_batch_keying_pdf", args=[batch.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Pearson Edexcel Online keying sheet" in text and "Award Code BTEC42" in text
    assert "Maximiliana Evangelina Rose" in text and "17/05/1990" in text
    assert "Forenames are 27 characters long" in " ".join(text.split())


def test_the_pdfs_come_in_parts_and_a_missing_part_is_said(client, db, storage, monkeypatch):
    from apps.certification import views_batches

    monkeypatch.setattr(views_batches, "PDF_PART", 1)
    claim = draft_batch(count=2)
    client.force_login(claim.staff.admin)
    page = client.get(reverse("claims_batch", args=[claim.batch.pk])).content.decode()
    assert page.count("?part=2") == 2 and "?part=3" not in page
    text = " ".join(pdf_text(download_part(client, "claims_batch_keying_pdf", claim.batch, "2")).split())
    assert "part 2 of 2" in text and "Ben Okafor" in text and "Amira Shah" not in text
    text = " ".join(pdf_text(download_part(client, "claims_batch_declaration_pdf", claim.batch, "1")).split())
    assert "part 1 of 2" in text and "learners 1 to 1" in text and "Amira Shah" in text and "Ben Okafor" not in text
    for name, what in (("claims_batch_keying_pdf", "keying sheet"), ("claims_batch_declaration_pdf", "declaration")):
        for bad in ("3", "0", "x", "\u0661"):
            response = client.get(reverse(name, args=[claim.batch.pk]), {"part": bad}, follow=True)
            assert f"The {what} has 2 parts: choose one from the list." in response.content.decode()


def download_part(client, name: str, batch, part: str) -> bytes:
    response = client.get(reverse(name, args=[batch.pk]), {"part": part})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_sfj_keying_sheet_maps_the_evidence_recorded(client, db, storage):
    staff = claim_staff()
    sfj = make_qualification(number="601/0000/3", awarding_organisation="SFJ Awards")
    claim = draft_batch(staff=staff, qualification=sfj, units=("1", "2", "3"))
    client.force_login(staff.admin)
    read = list(csv.reader(io.StringIO(download(client, "claims_batch_keying_csv", claim.batch).decode("utf-8-sig"))))
    header = read[0]
    rows = [dict(zip(header, r, strict=True)) for r in read[1:]]
    assert [(r["Unit number"], r["Criterion"]) for r in rows][:2] == [("1", "1.1"), ("1", "1.2")]
    assert rows[0]["Evidence"] == "Evidence for unit 1 (version 1)" and rows[0]["The learner can"] == "Do the first thing of 1"
    assert len(rows) == 6


def test_the_declaration_pdf_says_what_was_signed(client, db, storage):
    claim = submitted_batch()
    client.force_login(claim.staff.lead)
    text = " ".join(pdf_text(download(client, "claims_batch_declaration_pdf", claim.batch)).split())
    assert "Pre-claim IQA declaration, claim " + claim.batch.reference in text
    assert "I declare that, for every learner and unit in this claim" in text
    assert "Signed by Lee Lead" in text and "Signed by Ada Admin" in text and "Amira Shah" in text
    draft = draft_batch(staff=claim.staff)
    text = " ".join(pdf_text(download(client, "claims_batch_declaration_pdf", draft.batch)).split())
    assert "Not signed yet: this is a draft of the declaration." in text
