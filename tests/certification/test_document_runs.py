"""Documents for a whole batch: asked for once, made by workers in parallel, one valid document
per learner and kind whatever is delivered twice, a ZIP of them all with a manifest; a run whose
workers died is taken up again by the beat task; the batch's documents page with its progress."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.certification import documents
from apps.certification.models import Document, DocumentRun
from apps.core.models import OutboxMessage
from tests.certification.support_documents import (
    bulk_submitted_batch,
    numbers_by_series,
    one_document_per_line_and_kind,
    reject,
    wait_for_run,
)
from tests.certification.test_documents import AR, CR, issue
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)

BOTH = [AR, CR]


@pytest.fixture(autouse=True)
def _storage(private_storage, settings, tmp_path):  # noqa: F811
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    return private_storage


def zip_of(run: DocumentRun) -> zipfile.ZipFile:
    with default_storage.open(run.zip_key, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == run.zip_sha256
    return zipfile.ZipFile(io.BytesIO(data))


def run_here(claim, kinds=BOTH, capture=None) -> DocumentRun:
    """Ask for the run and let its tasks run in this process, as the outbox does without a worker."""
    with capture(execute=True):
        run = documents.run_request(batch=claim.batch, kinds=kinds, actor=claim.admin)
    run.refresh_from_db()
    return run


# --- through a real worker ------------------------------------------------------------------------


def test_a_batch_is_made_by_the_worker_with_one_document_each_and_a_zip(celery_worker):
    claim = bulk_submitted_batch(learners=7, names=[f"Learner {c} Example" for c in "ABCDEFG"])
    run = documents.run_request(batch=claim.batch, kinds=BOTH, actor=claim.admin)
    assert run.total == 14
    run = wait_for_run(run)
    assert run.status == DocumentRun.Status.DONE, run.error
    assert one_document_per_line_and_kind(run)
    assert numbers_by_series(claim.centre) == {"AR": list(range(1, 8)), "CR": list(range(1, 8))}
    assert documents.run_view(run).percent == 100 and documents.run_progress(run) == 14
    made = {d.number: d for d in Document.objects.filter(run=run)}
    archive = zip_of(run)
    names = archive.namelist()
    assert len(names) == 15 and "manifest.csv" in names
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert {row["Document number"] for row in manifest} == set(made)
    for row in manifest:
        document = made[row["Document number"]]
        assert hashlib.sha256(archive.read(row["File"])).hexdigest() == row["SHA-256"] == document.sha256
        assert row["Verification page"] == documents.verify_url(document.public_code)
    assert f"{made[manifest[0]['Document number']].number}-Learner-" in manifest[0]["File"]
    event = AuditEvent.objects.get(action="document.run_requested")
    assert event.payload == {"batch": claim.batch.reference, "kinds": BOTH, "learners": 7, "total": 14}
    assert AuditEvent.objects.filter(action="document.issued").count() == 14


# --- in this process --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_learners_keep_a_valid_document_and_a_rejected_claim_gets_none(django_capture_on_commit_callbacks):
    claim = bulk_submitted_batch(learners=3)
    kept = issue(claim, line=claim.lines[0])
    reject(claim.lines[2], claim.admin)
    run = run_here(claim, capture=django_capture_on_commit_callbacks)
    assert run.status == DocumentRun.Status.DONE and run.total == 4
    assert Document.objects.get(line=claim.lines[0], kind=AR).pk == kept.pk
    assert not Document.objects.filter(line=claim.lines[2]).exists()
    assert Document.objects.filter(run=run).count() == 3
    assert len(zip_of(run).namelist()) == 5  # the kept one is in the ZIP too


@pytest.mark.django_db
def test_a_batch_whose_learners_all_have_their_documents_gets_its_zip_at_once(django_capture_on_commit_callbacks):
    claim = bulk_submitted_batch(learners=1)
    issue(claim)
    run = run_here(claim, kinds=[AR], capture=django_capture_on_commit_callbacks)
    assert run.status == DocumentRun.Status.DONE and run.total == 1 and len(zip_of(run).namelist()) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("kinds", "message"), [
    ([], "Choose the documents to make"),
    (["certificate"], "Choose the documents to make"),
    ([AR, "diploma"], "Choose the documents to make"),
])
def test_bad_requests_are_refused_in_words_and_change_nothing(kinds, message):
    claim = bulk_submitted_batch(learners=1)
    with pytest.raises(ValidationError, match=message):
        documents.run_request(batch=claim.batch, kinds=kinds, actor=claim.admin)
    assert not DocumentRun.objects.exists() and not AuditEvent.objects.filter(action="document.run_requested").exists()


@pytest.mark.django_db
def test_a_run_is_refused_before_submission_to_non_admins_twice_at_once_and_for_rejected_claims():
    draft = bulk_submitted_batch(learners=1, submitted=False)
    with pytest.raises(ValidationError, match="submitted to the awarding organisation"):
        documents.run_request(batch=draft.batch, kinds=BOTH, actor=draft.admin)
    claim = bulk_submitted_batch(learners=1)
    for outsider in (claim.eqa, claim.lead, claim.learners[0]):
        with pytest.raises(PermissionDenied):
            documents.run_request(batch=claim.batch, kinds=BOTH, actor=outsider)
    documents.run_request(batch=claim.batch, kinds=BOTH, actor=claim.admin)
    with pytest.raises(ValidationError, match="being made already"):
        documents.run_request(batch=claim.batch, kinds=BOTH, actor=claim.admin)
    rejected = bulk_submitted_batch(learners=1, centre=claim.centre,
                               people={"admin": claim.admin, "eqa": claim.eqa, "lead": claim.lead})
    reject(rejected.lines[0], claim.admin)
    with pytest.raises(ValidationError, match="rejected every claim"):
        documents.run_request(batch=rejected.batch, kinds=BOTH, actor=claim.admin)
    assert DocumentRun.objects.count() == 1


@pytest.mark.django_db
def test_a_task_delivered_again_makes_nothing_twice():
    claim = bulk_submitted_batch(learners=3)
    run = documents.run_request(batch=claim.batch, kinds=BOTH, actor=claim.admin)  # tasks not run yet
    lines = [line.pk for line in claim.lines]
    assert documents.run_documents_make(run_id=run.pk, line_ids=lines) == 6
    numbers = sorted(Document.objects.values_list("number", flat=True))
    assert documents.run_documents_make(run_id=run.pk, line_ids=lines) == 0
    assert sorted(Document.objects.values_list("number", flat=True)) == numbers
    assert AuditEvent.objects.filter(action="document.issued").count() == 6


@pytest.mark.django_db
def test_a_document_reserved_by_a_killed_worker_is_finished_under_its_own_number():
    claim = bulk_submitted_batch(learners=3)
    run = documents.run_request(batch=claim.batch, kinds=[AR], actor=claim.admin)
    # The first worker reserved the second learner's record, then died before making it.
    from django.db import transaction

    with transaction.atomic():
        reserved, _ = documents._reserve(line_id=claim.lines[1].pk, kind=AR, actor=claim.admin, run=run)
    assert not reserved.sha256 and reserved.number.endswith("-000001")
    documents.run_documents_make(run_id=run.pk, line_ids=[line.pk for line in claim.lines])
    reserved.refresh_from_db()
    assert reserved.sha256 and reserved.number.endswith("-000001")
    assert numbers_by_series(claim.centre) == {"AR": [1, 2, 3]}


@pytest.mark.django_db
def test_the_task_that_completes_the_last_document_asks_for_the_zip_once():
    claim = bulk_submitted_batch(learners=2)
    run = documents.run_request(batch=claim.batch, kinds=[AR], actor=claim.admin)
    first, second = claim.lines
    documents.run_documents_make(run_id=run.pk, line_ids=[first.pk])
    assert not OutboxMessage.objects.filter(task="apps.certification.tasks.pack_run").exists()
    documents.run_documents_make(run_id=run.pk, line_ids=[second.pk])
    documents.run_documents_make(run_id=run.pk, line_ids=[first.pk, second.pk])  # delivered again
    assert OutboxMessage.objects.filter(task="apps.certification.tasks.pack_run").count() == 1


@pytest.mark.django_db
def test_packing_twice_keeps_one_zip_and_a_pack_already_under_way_is_left_alone():
    claim = bulk_submitted_batch(learners=2)
    run = documents.run_request(batch=claim.batch, kinds=[AR], actor=claim.admin)
    documents.run_documents_make(run_id=run.pk, line_ids=[line.pk for line in claim.lines])
    held, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with documents._packing(run.pk) as mine:
            assert mine
            held.set()
            release.wait(30)
        connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    held.wait(30)
    assert documents.run_pack(run_id=run.pk) == DocumentRun.Status.RUNNING  # the other worker packs it
    release.set()
    thread.join()
    assert documents.run_pack(run_id=run.pk) == DocumentRun.Status.DONE
    run.refresh_from_db()
    key = run.zip_key
    assert documents.run_pack(run_id=run.pk) == DocumentRun.Status.DONE
    run.refresh_from_db()
    assert run.zip_key == key


@pytest.mark.django_db
def test_a_document_that_cannot_be_made_fails_the_run_with_a_message(monkeypatch):
    claim = bulk_submitted_batch(learners=1)
    run = documents.run_request(batch=claim.batch, kinds=[AR], actor=claim.admin)

    def broken(html: str) -> bytes:
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(documents, "render_html_to_bytes", broken)
    with pytest.raises(RuntimeError):
        documents.run_documents_make(run_id=run.pk, line_ids=[claim.lines[0].pk])
    run.refresh_from_db()
    assert run.status == DocumentRun.Status.FAILED and "could not be made (RuntimeError)" in run.error


@pytest.mark.django_db
def test_the_beat_task_takes_up_what_dead_workers_left(django_capture_on_commit_callbacks):
    now = timezone.now()
    lapsed = bulk_submitted_batch(learners=3)
    run = documents.run_request(batch=lapsed.batch, kinds=[AR], actor=lapsed.admin)
    documents.run_documents_make(run_id=run.pk, line_ids=[lapsed.lines[0].pk])
    DocumentRun.objects.filter(pk=run.pk).update(claimed_until=now - timedelta(seconds=1))
    people = {"admin": lapsed.admin, "eqa": lapsed.eqa, "lead": lapsed.lead}
    hopeless = bulk_submitted_batch(learners=1, centre=lapsed.centre, people=people)
    old = documents.run_request(batch=hopeless.batch, kinds=[AR], actor=lapsed.admin)
    DocumentRun.objects.filter(pk=old.pk).update(claimed_until=now - timedelta(seconds=1),
                                                 created_at=now - timedelta(hours=3))
    alive = bulk_submitted_batch(learners=1, centre=lapsed.centre, people=people)
    live = documents.run_request(batch=alive.batch, kinds=[AR], actor=lapsed.admin)
    single = bulk_submitted_batch(learners=1, centre=lapsed.centre, people=people)
    with mock.patch("django.utils.timezone.now", return_value=now - timedelta(hours=1)):  # issued an hour ago
        stalled = documents.document_issue(line=single.lines[0], kind=AR, actor=lapsed.admin)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = documents.runs_recover()
    assert outcome == {"failed": 1, "resumed": 1, "remade": 1}
    for row in (run, old, live, stalled):
        row.refresh_from_db()
    assert run.status == DocumentRun.Status.DONE and one_document_per_line_and_kind(run)
    assert numbers_by_series(lapsed.centre)["AR"] == list(range(1, 5))
    assert old.status == DocumentRun.Status.FAILED and "several times" in old.error
    assert live.status == DocumentRun.Status.RUNNING and stalled.sha256


# --- the pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_asks_for_documents_on_the_batch_page_and_sees_them_ready(client, django_capture_on_commit_callbacks):
    claim = bulk_submitted_batch(learners=2)
    client.force_login(claim.admin)
    page = client.get(f"/claims/batches/{claim.batch.pk}/documents/").content.decode()
    assert "Make documents for every learner" in page and "Internal Record of Achievement: 0" in page
    refused = client.post(f"/claims/batches/{claim.batch.pk}/documents/", {}, follow=True).content.decode()
    assert "Choose the documents to make" in refused and not DocumentRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the tasks run here once the request commits
        response = client.post(f"/claims/batches/{claim.batch.pk}/documents/", {"kinds": BOTH})
    run = DocumentRun.objects.get()
    assert response.url == f"/claims/batches/{claim.batch.pk}/documents/"
    shown = client.get(response.url).content.decode()
    assert "Ready: 4 documents made" in shown and "Download the ZIP of the documents" in shown
    fragment = client.get(f"/claims/batches/{claim.batch.pk}/documents/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    assert "hx-trigger" not in fragment  # done: it stops asking
    download = client.get(f"/claims/documents/runs/{run.pk}/documents.zip")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == run.zip_sha256
    event = AuditEvent.objects.get(action="document.downloaded")
    assert event.payload == {"zip": True, "batch": claim.batch.reference, "sha256": run.zip_sha256}


@pytest.mark.django_db
def test_a_run_under_way_shows_its_progress_and_asks_again(client):
    claim = bulk_submitted_batch(learners=4)
    run = documents.run_request(batch=claim.batch, kinds=[AR], actor=claim.admin)
    documents.run_documents_make(run_id=run.pk, line_ids=[claim.lines[0].pk])
    client.force_login(claim.eqa)
    page = client.get(f"/claims/batches/{claim.batch.pk}/documents/").content.decode()
    assert "Being made: 1 of 4 documents" in page and 'value="25"' in page and "hx-trigger=\"every 1s\"" in page
    assert "Make documents for every learner" not in page  # the EQA reads; and one run at a time
    fragment = client.get(f"/claims/documents/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="run-status"') and "1 of 4" in fragment
    assert client.get(f"/claims/documents/runs/{run.pk}/documents.zip").status_code == 404
    assert client.post(f"/claims/batches/{claim.batch.pk}/documents/", {"kinds": [AR]}).status_code == 403


@pytest.mark.django_db
def test_the_batch_page_loads_the_documents_panel():
    from django.template.loader import render_to_string

    claim = bulk_submitted_batch(learners=1)
    html = render_to_string("certification/documents/batch_panel.html", {"batch": claim.batch})
    url = f"/claims/batches/{claim.batch.pk}/documents/"
    assert f'hx-get="{url}"' in html and f'href="{url}"' in html


@pytest.mark.django_db
def test_the_documents_pages_take_the_same_queries_whatever_the_batch_size(client):
    def queries(claim) -> tuple[int, int]:
        run = documents.run_request(batch=claim.batch, kinds=BOTH, actor=claim.admin)
        documents.run_documents_make(run_id=run.pk, line_ids=[claim.lines[0].pk])
        client.force_login(claim.admin)
        with CaptureQueriesContext(connection) as batch_page:
            assert client.get(f"/claims/batches/{claim.batch.pk}/documents/").status_code == 200
        with CaptureQueriesContext(connection) as run_page:
            assert client.get(f"/claims/documents/runs/{run.pk}/").status_code == 200
        return len(batch_page), len(run_page)

    small = bulk_submitted_batch(learners=1)
    large = bulk_submitted_batch(learners=6, centre=small.centre,
                            people={"admin": small.admin, "eqa": small.eqa, "lead": small.lead})
    assert queries(small) == queries(large)
