"""A worker killed (kill -9) in the middle of a batch's documents: once the broker hands its work
out again (acks_late, the visibility timeout) to another worker, every learner has exactly one
valid document of each kind, no number is used twice, none is skipped, and the ZIP is made."""

from __future__ import annotations

import time

import pytest

from apps.certification import documents
from apps.certification.models import Document, DocumentRun
from tests.certification.support_documents import (
    bulk_submitted_batch,
    numbers_by_series,
    one_document_per_line_and_kind,
)
from tests.certification.support_workers import worker_stack
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)

LEARNERS = 24
KINDS = [Document.Kind.ACHIEVEMENT_RECORD, Document.Kind.CREDIT_CERTIFICATE]


def made(run: DocumentRun) -> int:
    return Document.objects.filter(run=run).exclude(sha256="").count()


def wait(condition, timeout: float, what: str, stack) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}\n{stack.log()}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_one_document_each_and_no_duplicate_number(
        private_storage, settings, tmp_path, monkeypatch):  # noqa: F811
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    settings.ATTEST_OUTBOX_EAGER = False
    # The relay of the workers' stack hands the work over, to their own broker (support_workers).
    monkeypatch.setattr("apps.core.outbox.dispatch", lambda **kwargs: 0)
    claim = bulk_submitted_batch(learners=LEARNERS)
    with worker_stack(tmp_path / "stack") as stack:
        first = stack.worker("first")
        run = documents.run_request(batch=claim.batch, kinds=KINDS, actor=claim.admin)
        wait(lambda: made(run) >= 7, 180, "the first worker to make some documents", stack)
        stack.kill(first)
        at_kill = made(run)
        reserved = Document.objects.filter(run=run, sha256="").count()
        print(f"\nkilled the worker after {at_kill} of {run.total} documents, {reserved} reserved but not made")
        assert at_kill < run.total, "the worker finished before it could be killed: give it more to do"

        stack.worker("second")
        wait(lambda: DocumentRun.objects.get(pk=run.pk).status != DocumentRun.Status.RUNNING, 300,
             "the second worker to finish the run", stack)
    run.refresh_from_db()
    assert run.status == DocumentRun.Status.DONE, run.error
    assert one_document_per_line_and_kind(run)
    assert numbers_by_series(claim.centre) == {"AR": list(range(1, LEARNERS + 1)), "CR": list(range(1, LEARNERS + 1))}
    assert not Document.objects.filter(sha256="").exists() and run.zip_sha256
