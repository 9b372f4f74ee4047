"""The EQA pack in one click: what the ZIP holds (every part, only the grant's learners), its
progress, who may build and download it, bad input, and a worker that dies (the lease lapses and
the pack is built again)."""

from __future__ import annotations

import hashlib
import io
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.eqa import packs
from apps.eqa.models import Pack, SampleRequest
from apps.notifications.models import Notification
from tests.eqa.support import eqa_world, grant_for
from tests.eqa.support_pack import (
    CARA_ULN,
    csv_rows,
    more_learners,
    open_zip,
    pack_world,
    pdf_text,
    sample_request,
)
from tests.evidence.filefixtures import private_storage, stored_objects  # noqa: F401  (a fixture)

EVERY_PART = ("index.pdf", "01-assessment-plan.xlsx", "01-assessment-plan.csv", "02-sampling-strategy.pdf",
              "05-standardisation.pdf", "06-staff-register.pdf", "06-staff-register.csv",
              "07-registrations-and-claims.csv", "07-registrations-and-claims.pdf", "08-previous-eqa-actions.pdf")


@pytest.fixture
def pw(world, private_storage):  # noqa: F811
    return pack_world(world)


def build(actor, grant, commit, **kwargs) -> Pack:
    with commit(execute=True):
        pack = packs.pack_request(actor=actor, grant=grant, **kwargs)
    pack.refresh_from_db()
    return pack


def stored(pack: Pack) -> bytes:
    with default_storage.open(pack.file.name, "rb") as f:
        return f.read()


def learners_in(rows: list[list[str]]) -> set[str]:
    return {row[0] for row in rows[1:]}


def test_the_pack_holds_every_part_and_only_the_grants_learners(pw, django_capture_on_commit_callbacks):
    world = pw.world
    pack = build(world.eqa.user, world.grant, django_capture_on_commit_callbacks)

    assert pack.status == Pack.Status.READY, pack.error
    assert pack.steps_total > 0 and pack.steps_done == pack.steps_total
    assert pack.sample_request == pw.request  # the newest open one, by default
    data = stored(pack)
    assert pack.size == len(data) and pack.sha256 == hashlib.sha256(data).hexdigest()
    archive = open_zip(data)
    names = archive.namelist()
    assert set(EVERY_PART) <= set(names)
    assert f"03-sampling-plans/P-{pw.plan.pk}-Ira-Quality.pdf" in names
    plan_rows = csv_rows(archive.read(f"03-sampling-plans/P-{pw.plan.pk}-Ira-Quality.csv"))
    assert [(r[0], r[2], r[13]) for r in plan_rows[1:]] == [("Asha Assessor", "Cara Complete", f"S-{pw.cara_sample.pk}")]
    assert [n for n in names if n.startswith("04-sample-records/")] == [
        f"04-sample-records/S-{pw.cara_sample.pk}-Cara-Complete-unit-1.pdf"]  # Paula is outside the grant

    # The assessment plan: each in-scope learner's planned units, no one else.
    plan = csv_rows(archive.read("01-assessment-plan.csv"))
    assert learners_in(plan) == {"Cara Complete", "Ned Newcomer"}
    cara_unit_1 = next(r for r in plan if r[0] == "Cara Complete" and r[4] == "1")
    assert cara_unit_1[1] == CARA_ULN and cara_unit_1[2] == "NCFE-REG-0001"
    assert cara_unit_1[6] == "Asha Assessor" and cara_unit_1[7] == "Ira Quality"
    assert cara_unit_1[12].startswith("Summative: ") and cara_unit_1[13] == timezone.localdate().isoformat()
    sheet = load_workbook(io.BytesIO(archive.read("01-assessment-plan.xlsx")), read_only=True).active
    assert [[("" if c is None else str(c)) for c in row][:5] for row in sheet.iter_rows(values_only=True)] == [
        r[:5] for r in plan]

    claims = csv_rows(archive.read("07-registrations-and-claims.csv"))
    assert learners_in(claims) == {"Cara Complete", "Ned Newcomer"}
    cara = next(r for r in claims if r[0] == "Cara Complete")
    assert "CB-2026-0007 (Submitted)" in cara[6] and "NC123456" in cara[7] and "AR-2026-000042" in cara[8]

    staff = {r[0]: r for r in csv_rows(archive.read("06-staff-register.csv"))[1:]}
    assert set(staff) == {"Asha Assessor", "Ira Quality"}
    assert staff["Asha Assessor"][3] == "Level 3 Certificate in Assessing Vocational Achievement"
    assert staff["Ira Quality"][3:] == ["Not recorded"] * 5  # an IQA without a profile

    index = pdf_text(archive.read("index.pdf"))
    # A long name wraps at a hyphen in its cell, and pdftotext joins the lines without it.
    flat = "".join(index.split()).replace("-", "")
    assert all(name.replace("-", "") in flat for name in names), [n for n in names if n.replace("-", "") not in flat]
    assert "Northgate Training" in index and "Cara Complete" in index and "Paula" not in index

    everything = " ".join(pdf_text(archive.read(n)) for n in names if n.endswith(".pdf"))
    assert "Paula" not in everything and "Elsie" not in everything and "PEARSON-REG-9" not in everything
    standardisation = pdf_text(archive.read("05-standardisation.pdf"))
    assert "Ned's call log" in standardisation and "long ago" not in standardisation
    assert "Pearson exemplar" not in standardisation
    actions = pdf_text(archive.read("08-previous-eqa-actions.pdf"))
    assert "tracking sheet" in actions and "Seen at this visit" in actions and "A Pearson action" not in actions

    assert AuditEvent.objects.filter(action="eqa.pack_requested", object_id=str(pack.pk)).exists()
    assert Notification.objects.filter(recipient=world.eqa.user, subject="Your EQA pack is ready").exists()


def test_a_grant_naming_learners_gives_a_pack_of_them_only(world, private_storage,  # noqa: F811
                                                           django_capture_on_commit_callbacks):
    pack_world(world)
    named = grant_for(world.eqa, qualifications=[world.ncfe], learners=[world.ned.learner], created_by=world.admin.user)
    pack = build(world.eqa.user, named, django_capture_on_commit_callbacks)

    archive = open_zip(stored(pack))
    assert learners_in(csv_rows(archive.read("01-assessment-plan.csv"))) == {"Ned Newcomer"}
    assert learners_in(csv_rows(archive.read("07-registrations-and-claims.csv"))) == {"Ned Newcomer"}
    assert not [n for n in archive.namelist() if n.startswith(("03-", "04-"))]  # Cara's plan item and sample
    assert "Cara" not in " ".join(pdf_text(archive.read(n)) for n in archive.namelist() if n.endswith(".pdf"))


def test_long_tables_are_split_into_pdfs_of_a_bounded_length(world, private_storage, monkeypatch,  # noqa: F811
                                                             django_capture_on_commit_callbacks):
    monkeypatch.setattr(packs, "CLAIMS_PDF_ROWS", 3)
    more_learners(world, 5)  # 7 learners in scope
    pack = build(world.eqa.user, world.grant, django_capture_on_commit_callbacks)

    archive = open_zip(stored(pack))
    parts = sorted(n for n in archive.namelist() if n.startswith("07-registrations-and-claims-part"))
    assert parts == [f"07-registrations-and-claims-part-{n}.pdf" for n in (1, 2, 3)]
    texts = [pdf_text(archive.read(n)) for n in parts]
    assert "part 1 of 3" in texts[0] and "Cara Complete" in texts[0] and "Ned Newcomer" in texts[2]
    assert sum(t.count("600/0000/1") for t in texts) == 7  # each learner once
    assert len(csv_rows(archive.read("07-registrations-and-claims.csv"))) == 8  # the CSV is whole
    index = pdf_text(archive.read("index.pdf"))
    flat = "".join(index.split()).replace("-", "")  # as in the test above
    assert "07registrationsandclaimspart1.pdfto07registrationsandclaimspart3.pdf" in flat
    assert "as PDFs of 3 learners (3 files)" in index


def test_the_pack_page_shows_progress_then_the_download(pw, client, django_capture_on_commit_callbacks):
    world = pw.world
    client.force_login(world.eqa.user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("eqa_pack_new", args=[world.grant.pk]), {"request": str(pw.request.pk)})
    pack = Pack.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("eqa_pack", args=[pack.pk])

    waiting = client.get(reverse("eqa_pack", args=[pack.pk]))
    assert waiting.status_code == 200 and "Waiting for a worker" in waiting.content.decode()
    assert f'hx-get="{reverse("eqa_pack_status", args=[pack.pk])}"' in waiting.content.decode()
    assert "Download" not in waiting.content.decode()

    for callback in queued:
        callback()
    pack.refresh_from_db()
    assert pack.status == Pack.Status.READY
    status = client.get(reverse("eqa_pack_status", args=[pack.pk]))
    body = status.content.decode()
    assert status.status_code == 200 and "hx-get" not in body and "Ready" in body
    assert reverse("eqa_pack_download", args=[pack.pk]) in body and pack.sha256 in body

    download = client.get(reverse("eqa_pack_download", args=[pack.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"] and download["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == pack.sha256
    event = AuditEvent.objects.get(action="eqa.pack_downloaded")
    assert event.actor_id == world.eqa.user.pk and event.payload["sha256"] == pack.sha256


def test_asking_twice_while_it_is_built_gives_the_same_pack(pw, django_capture_on_commit_callbacks):
    world = pw.world
    with django_capture_on_commit_callbacks(execute=False):
        first = packs.pack_request(actor=world.eqa.user, grant=world.grant)
        again = packs.pack_request(actor=world.eqa.user, grant=world.grant)
    assert first == again and Pack.objects.count() == 1
    assert AuditEvent.objects.filter(action="eqa.pack_requested").count() == 1


def test_only_the_eqa_of_an_open_grant_builds_and_downloads(pw, client, django_capture_on_commit_callbacks):
    world = pw.world
    url = reverse("eqa_pack_new", args=[world.grant.pk])
    for member, status in ((world.admin, 403), (world.lead, 403), (world.assessor, 404), (world.iqa, 404),
                           (world.other_admin, 404)):
        client.force_login(member.user)
        assert client.post(url).status_code == status, member
    assert not Pack.objects.exists()

    pack = build(world.eqa.user, world.grant, django_capture_on_commit_callbacks)
    download = reverse("eqa_pack_download", args=[pack.pk])
    for member, status in ((world.admin, 403), (world.lead, 403), (world.assessor, 404), (world.other_admin, 404)):
        client.force_login(member.user)
        assert client.get(download).status_code == status, member
    client.force_login(world.admin.user)
    page = client.get(reverse("eqa_pack", args=[pack.pk]))
    assert page.status_code == 200 and "Only the EQA downloads the pack" in page.content.decode()
    assert download not in page.content.decode()

    # Once the grant ends the EQA has nothing: no pack, no download, no new pack.
    world.grant.ended_at, world.grant.ended_by = timezone.now(), world.admin.user
    world.grant.save(update_fields=["ended_at", "ended_by"])
    client.force_login(world.eqa.user)
    assert client.get(download).status_code == 404
    assert client.get(reverse("eqa_pack", args=[pack.pk])).status_code == 404
    assert client.post(url).status_code == 404
    assert not AuditEvent.objects.filter(action="eqa.pack_downloaded").exists()


def test_a_grant_that_ends_before_the_worker_starts_gives_no_pack(pw, django_capture_on_commit_callbacks):
    world = pw.world
    with django_capture_on_commit_callbacks(execute=False):
        pack = packs.pack_request(actor=world.eqa.user, grant=world.grant)
    world.grant.ends_on = world.grant.starts_on = timezone.localdate() - timedelta(days=2)
    world.grant.save(update_fields=["ends_on", "starts_on"])

    assert packs.pack_build(pack_id=pack.pk) == Pack.Status.FAILED
    pack.refresh_from_db()
    assert pack.error == packs.ACCESS_ENDED and not pack.file


@pytest.mark.parametrize("value, message", [
    ("abc", "Choose one of the sample requests in the list, or none."),
    ("99999999", "Choose one of the sample requests you made under this access."),
    ("withdrawn", "That sample request was withdrawn: choose an open one, or none."),
    ("other grant", "Choose one of the sample requests you made under this access."),
])
def test_a_bad_sample_request_is_refused_beside_the_field(pw, client, value, message):
    world = pw.world
    if value == "withdrawn":
        value = str(sample_request(world, [world.ned], status=SampleRequest.Status.WITHDRAWN).pk)
    elif value == "other grant":
        other = grant_for(world.eqa, qualifications=[world.pearson], created_by=world.admin.user)
        value = str(sample_request(world, [world.paula], grant=other).pk)
    client.force_login(world.eqa.user)
    response = client.post(reverse("eqa_pack_new", args=[world.grant.pk]), {"request": value})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_request_error"' in body and message.replace("'", "&#x27;") in body
    assert not Pack.objects.exists() and not AuditEvent.objects.filter(action="eqa.pack_requested").exists()


def test_a_pack_whose_worker_died_is_built_again_or_failed(pw, django_capture_on_commit_callbacks, settings):
    world = pw.world
    with django_capture_on_commit_callbacks(execute=False):
        pack = packs.pack_request(actor=world.eqa.user, grant=world.grant)
    # A worker claimed it and died: its lease lapsed.
    lapsed = timezone.now() - timedelta(seconds=1)
    Pack.objects.filter(pk=pack.pk).update(status=Pack.Status.BUILDING, attempts=1, leased_until=lapsed,
                                           steps_total=20, steps_done=4)
    assert packs.pack_build(pack_id=pack.pk) == Pack.Status.READY  # a second delivery takes it over
    pack.refresh_from_db()
    assert pack.attempts == 2 and pack.steps_done == pack.steps_total

    with django_capture_on_commit_callbacks(execute=True):
        again = packs.pack_request(actor=world.eqa.user, grant=world.grant)
        dying = Pack.objects.create(centre=world.centre, grant=world.grant, requested_by=world.eqa.user,
                                    status=Pack.Status.BUILDING, attempts=1, leased_until=lapsed)
        dead = Pack.objects.create(centre=world.centre, grant=world.grant, requested_by=world.eqa.user,
                                   status=Pack.Status.BUILDING, attempts=packs.MAX_ATTEMPTS, leased_until=lapsed)
    with django_capture_on_commit_callbacks(execute=True):
        assert packs.packs_recover() == {"failed": 1, "resumed": 1}
    dying.refresh_from_db()
    dead.refresh_from_db()
    assert dying.status == Pack.Status.READY and dying.file
    assert dead.status == Pack.Status.FAILED and dead.error == packs.FAILED_AGAIN
    assert Pack.objects.get(pk=again.pk).status == Pack.Status.READY


def test_a_worker_that_lost_its_lease_keeps_nothing(pw, private_storage, django_capture_on_commit_callbacks,  # noqa: F811
                                                    monkeypatch):
    """While one worker builds, another takes the pack over (its lease lapsed): the first stops
    at its next step and leaves no file behind."""
    world = pw.world
    with django_capture_on_commit_callbacks(execute=False):
        pack = packs.pack_request(actor=world.eqa.user, grant=world.grant)
    real_write = packs.write_zip

    def taken_over(entries, packed, progress=None):
        Pack.objects.filter(pk=pack.pk).update(attempts=99)  # someone else's claim
        real_write(entries, packed, progress)

    monkeypatch.setattr(packs, "write_zip", taken_over)
    assert packs.pack_build(pack_id=pack.pk) == Pack.Status.BUILDING
    pack.refresh_from_db()
    assert not pack.file and pack.status == Pack.Status.BUILDING
    assert not [p for p in stored_objects(private_storage) if "eqa-packs" in str(p)]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_pack(private_storage, celery_worker):  # noqa: F811
    world = eqa_world()
    pack_world(world)
    pack = packs.pack_request(actor=world.eqa.user, grant=world.grant)
    deadline = time.monotonic() + 120
    while Pack.objects.get(pk=pack.pk).status in packs.UNFINISHED:
        assert time.monotonic() < deadline, "the worker did not build the pack in two minutes"
        time.sleep(0.2)
    pack.refresh_from_db()
    assert pack.status == Pack.Status.READY, pack.error
    assert set(EVERY_PART) <= set(open_zip(stored(pack)).namelist())


def test_a_formula_in_a_learners_name_stays_text_in_the_csv_and_the_spreadsheet(
        world, private_storage, django_capture_on_commit_callbacks):  # noqa: F811
    world.ned.learner.full_name = '=HYPERLINK("http://x.test","Ned")'
    world.ned.learner.save(update_fields=["full_name"])
    pack = build(world.eqa.user, world.grant, django_capture_on_commit_callbacks)

    archive = open_zip(stored(pack))
    assert "'=HYPERLINK(\"http://x.test\",\"Ned\")" in learners_in(csv_rows(archive.read("01-assessment-plan.csv")))
    sheet = load_workbook(io.BytesIO(archive.read("01-assessment-plan.xlsx"))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert {c.data_type for c in names} == {"s"} and world.ned.learner.full_name in {c.value for c in names}
