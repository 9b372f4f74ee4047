"""Bulk import from a college MIS's CSV: preview every row's problems, import nothing until
the file is clean (or the admin chooses the good rows), and never import anyone twice."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.centres.models import Invitation
from apps.learners import csv_import
from apps.learners.models import Enrolment, Learner, LearnerImport, PlannedUnit
from tests.factories import MembershipFactory, make_qualification

from .conftest import load_fixture

HEADER = "First Name,Last Name,Email Address,DOB,ULN,Qualification Number,Start Date,Planned End Date,Registration Number,MIS Ref\n"
CLEAN = HEADER + (
    "Ada,Lovelace,ada@example.test,10/12/2004,1000000043,600/0000/1,01/09/2025,31/07/2026,REG-1,MIS-1\n"
    "Bob,Brown,BOB@example.test,2003-01-02,,600/0000/1,2025-09-01,2026-07-31,,MIS-2\n"
)


@pytest.fixture
def upload(admin_client):
    def post(text: str | bytes, name: str = "learners.csv"):
        data = text.encode() if isinstance(text, str) else text
        return admin_client.post("/learners/import/", {"file": SimpleUploadedFile(name, data, "text/csv")}, follow=True)

    return post


@pytest.fixture
def apply(admin_client, django_capture_on_commit_callbacks):
    def post(learner_import: LearnerImport, only_good_rows: bool = False):
        data = {"only_good_rows": "on"} if only_good_rows else {}
        with django_capture_on_commit_callbacks(execute=True):
            return admin_client.post(f"/learners/imports/{learner_import.pk}/apply/", data, follow=True)

    return post


def test_a_clean_file_is_previewed_imported_with_invitations_and_a_rerun_adds_nobody(upload, apply, qualification):
    page = upload(CLEAN).content.decode()
    assert "2 rows: 2 ready to import, 0 already here, 0 with problems." in page
    assert page.count("New learner, invited, enrolled on 600/0000/1") == 2
    assert "Every row is ready" in page
    assert not Learner.objects.exists()  # nothing until the admin decides

    page = apply(LearnerImport.objects.get()).content.decode()
    assert "Imported learners.csv: 2 new learners invited, 2 enrolments created, 0 already here." in page
    ada = Learner.objects.get(email="ada@example.test")
    assert (ada.full_name, ada.uln, str(ada.date_of_birth), ada.mis_reference) == ("Ada Lovelace", "1000000043", "2004-12-10", "MIS-1")
    assert Learner.objects.get(email="bob@example.test").uln is None
    enrolment = Enrolment.objects.get(learner=ada)
    assert (enrolment.registration_number, str(enrolment.start_date)) == ("REG-1", "2025-09-01")
    assert PlannedUnit.objects.filter(enrolment=enrolment, source="mandatory").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.test", "bob@example.test"]
    assert AuditEvent.objects.get(action="learner_import.applied").payload["learners"] == 2

    page = upload(CLEAN).content.decode()
    assert "2 rows: 0 ready to import, 2 already here, 0 with problems." in page
    assert "Nothing to import" in page and "Import 0" not in page
    apply(LearnerImport.objects.order_by("-id").first())
    assert Learner.objects.count() == 2 and Enrolment.objects.count() == 2 and len(mail.outbox) == 2


def test_an_imported_file_cannot_be_applied_twice(upload, apply, qualification):
    upload(CLEAN)
    learner_import = LearnerImport.objects.get()
    apply(learner_import)
    page = apply(learner_import).content.decode()
    assert "Imported on" in page
    assert Learner.objects.count() == 2


def test_common_header_variants_encodings_and_separators_are_read(upload, apply, qualification):
    text = (
        "\ufeffFULL_NAME;E-mail;Date of Birth;unique learner number;LearnAimRef;learning start date;Expected End Date;Notes\n"
        "Zoë Zed;zoe@example.test;2004-03-02;10000 00043;60000001;1/9/2025;31.07.2026;likes cake\n"
    )
    page = upload(text).content.decode()
    assert "1 row: 1 ready to import" in page and "Columns ignored: “Notes”" in page
    apply(LearnerImport.objects.get())
    zoe = Learner.objects.get()
    assert (zoe.full_name, zoe.uln) == ("Zoë Zed", "1000000043")
    assert Enrolment.objects.get().qualification == qualification


def test_a_windows_spreadsheet_export_is_read(upload, qualification):
    text = "Name,Email\r\nZoë Zed,zoe@example.test\r\n"
    page = upload(text.encode("cp1252")).content.decode()
    assert "1 row: 1 ready to import" in page and "Zoë Zed" in page


def test_every_kind_of_problem_is_listed_and_nothing_is_imported_until_the_admin_chooses(
    upload, apply, qualification, make_learner
):
    sfj = load_fixture("601-5051-8.yaml")
    make_learner(full_name="Cara Centre", email="cara@example.test", uln="2000000001")
    rows = [
        "Good,One,good1@example.test,01/01/2000,1000000043,600/0000/1,01/09/2025,31/07/2026,,",
        "Bad,Uln,baduln@example.test,01/01/2000,1234567890,,,,,",
        ",,noname@example.test,,,,,,,",
        "Bad,Email,not-an-email,,,,,,,",
        "Dup,Email,dup@example.test,01/01/2000,,,,,,",
        "Dupe,Email,dup@example.test,01/01/2000,,,,,,",
        "Cara,Other,cara@example.test,,,,,,,",
        "Unknown,Qual,unknown@example.test,,,600/9999/9,01/09/2025,31/07/2026,,",
        "Bad,Dates,dates@example.test,31/02/2000,,600/0000/1,1/9/25,31/07/2026,,",
        "Back,Wards,back@example.test,,,600/0000/1,01/09/2025,01/08/2025,,",
        "Old,Qual,old@example.test,,,601/5051/8,01/09/2025,31/07/2026,,",
        "Uln,Taken,taken@example.test,,2000000001,,,,,",
        "Good,Two,good2@example.test,,,,,,,",
    ]
    page = upload(HEADER + "\n".join(rows) + "\n").content.decode()
    assert "13 rows: 3 ready to import, 0 already here, 10 with problems." in page
    for message in [
        "The ULN 1234567890 fails its check digit: check for a typing error.",
        "No name: give a full name, or a first name and a last name.",
        "“not-an-email” is not a valid email address.",
        "The email dup@example.test is also on line 6 with a different name: one email is one learner.",
        "cara@example.test is already a learner here with different details: Attest has name “Cara Centre”.",
        "Qualification 600/9999/9 is not in the catalogue.",
        "The date of birth 31/02/2000 is not a real date.",
        "The start date 1/9/25 has a two-digit year: write the year in full (dd/mm/yyyy).",
        "The planned end date 01/08/2025 is before the start date 01/09/2025",
        f"{sfj.number} SFJ Awards Level 3 Diploma in Customer Service no longer takes new enrolments",
        "The ULN 2000000001 already belongs to Cara Centre (cara@example.test) in this centre.",
    ]:
        assert message in page, message
    assert "Import only the good rows" in page

    learner_import = LearnerImport.objects.get()
    page = apply(learner_import).content.decode()
    assert "Nothing was imported: 10 of 13 rows have problems." in page
    assert Learner.objects.count() == 1 and not Enrolment.objects.exists() and not mail.outbox
    learner_import.refresh_from_db()
    assert learner_import.status == LearnerImport.Status.PREVIEW

    page = apply(learner_import, only_good_rows=True).content.decode()
    assert "3 new learners invited, 1 enrolment created, 0 already here, 10 rows with problems left out." in page
    assert set(Learner.objects.values_list("email", flat=True)) == {
        "cara@example.test", "good1@example.test", "dup@example.test", "good2@example.test"
    }
    assert len(mail.outbox) == 3


def test_one_learner_on_two_rows_gets_two_enrolments(upload, apply, qualification):
    second = make_qualification(number="600/0000/2")
    text = HEADER + (
        "Ada,Lovelace,ada@example.test,10/12/2004,1000000043,600/0000/1,01/09/2025,31/07/2026,,\n"
        "Ada,Lovelace,ada@example.test,10/12/2004,1000000043,600/0000/2,01/09/2025,31/07/2026,,\n"
    )
    page = upload(text).content.decode()
    assert "Same learner as line 2: enrolled on 600/0000/2" in page
    apply(LearnerImport.objects.get())
    ada = Learner.objects.get()
    assert set(ada.enrolments.values_list("qualification", flat=True)) == {qualification.pk, second.pk}
    assert len(mail.outbox) == 1


def test_an_exact_repeat_within_the_file_is_a_problem(upload, qualification):
    row = "Ada,Lovelace,ada@example.test,10/12/2004,1000000043,600/0000/1,01/09/2025,31/07/2026,,\n"
    page = upload(HEADER + row + row).content.decode()
    assert "This row repeats line 2." in page


def test_a_learner_already_here_is_enrolled_on_a_new_qualification_without_a_new_invitation(
    upload, apply, qualification, make_learner
):
    make_learner(full_name="Ada Lovelace", email="ada@example.test", uln="1000000043")
    text = HEADER + "ADA, lovelace,Ada@Example.test,,1000000043,600/0000/1,01/09/2025,31/07/2026,,\n"
    page = upload(text).content.decode()
    assert "Already here: enrolled on 600/0000/1" in page
    apply(LearnerImport.objects.get())
    assert Learner.objects.count() == 1 and Enrolment.objects.count() == 1 and not mail.outbox


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The submitted file is empty."),
        (b"   \n", "The file is empty."),
        (b"Name,Phone\nAda,123\n", "The file has no email column."),
        (b"First name,Email\nAda,ada@example.test\n", "The file has a first name column but no last name column."),
        (b"Name,Email\n", "The file has column headings but no learners."),
        (b"PK\x03\x04binary-workbook", "This looks like a spreadsheet workbook, not a CSV file"),
        (b"Email,E-mail address,Name\n", "both look like the email: keep one of them."),
        (b'Name,Email\n"Ada,ada@example.test\n', "cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_kept(upload, content, message):
    page = upload(content).content.decode()
    assert message.replace("“", "&ldquo;") in page or message in page, page[page.find("form-errors"):][:600]
    assert not LearnerImport.objects.exists() and not AuditEvent.objects.filter(action__startswith="learner_import").exists()


def test_a_file_over_the_limit_is_refused(upload, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    page = upload("Name,Email\n" + "Ada,ada@example.test\n" * 10).content.decode()
    assert "The file is larger than" in page and not LearnerImport.objects.exists()


def test_the_preview_queries_do_not_grow_with_the_file(upload, admin_client, qualification, make_learner,
                                                       django_assert_max_num_queries):
    def rows(n):
        return HEADER + "".join(
            f"L,{i},l{i}@example.test,,,600/0000/1,01/09/2025,31/07/2026,,\n" for i in range(n)
        )

    for i in range(5):
        make_learner(email=f"l{i}@example.test", full_name=f"L {i}")
    upload(rows(3))
    small = LearnerImport.objects.get()
    with CaptureQueriesContext(connection) as few:
        admin_client.get(f"/learners/imports/{small.pk}/")
    baseline = len(few)  # now: the next request empties the connection's query log
    upload(rows(60))
    big = LearnerImport.objects.order_by("-id").first()
    with django_assert_max_num_queries(baseline):
        page = admin_client.get(f"/learners/imports/{big.pk}/").content.decode()
    assert "60 rows: 60 ready to import, 0 already here, 0 with problems." in page


def test_another_centres_import_is_not_found(admin_client, qualification):
    other_admin = MembershipFactory(is_admin=True)
    from apps.learners.services import learner_import_create

    other = learner_import_create(centre=other_admin.centre, actor=other_admin.user, filename="x.csv", data=CLEAN.encode())
    assert admin_client.get(f"/learners/imports/{other.pk}/").status_code == 404
    assert admin_client.post(f"/learners/imports/{other.pk}/apply/").status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "text, expected",
    [("600/1257/2", "600/1257/2"), ("60012572", "600/1257/2"), ("6001135x", "600/1135/X"), ("Z123", "Z123")],
)
def test_qualification_numbers_are_read_with_or_without_slashes(text, expected):
    assert csv_import.normalise_qualification_number(text) == expected
