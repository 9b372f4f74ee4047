"""Documents for learners at a college's scale (issue 13).

1. One document through the app (the number taken, the facts read, the template and QR code,
   WeasyPrint, the PAdES signature, storage, the row recorded and audited) beside raw WeasyPrint
   turning the same HTML into a PDF with the same fonts, in the same run: the median of several,
   their ratio and the goal (within 1.2×).
2. A thousand documents (500 learners × the two kinds) made by two workers, each a process of its
   own as docker-compose runs them, with the ZIP: the time, the rate per document, and that no
   number was used twice (asserted, with one valid document per learner and kind).

The batch is written in bulk (tests/certification/support_documents.py): the college of
bench/generate.py holds no submitted claims, and what a document costs does not depend on how the
units came to be claimed. Nothing asserts a time (the machine is shared and noisy).
"""

from __future__ import annotations

import os
import statistics
import time

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.certification import documents
from apps.certification.models import ClaimUnit, Document, DocumentRun
from apps.core.pdf import BASE_URL, fetcher
from tests.certification.support_documents import (
    bulk_submitted_batch,
    numbers_by_series,
    one_document_per_line_and_kind,
)
from tests.certification.support_workers import worker_stack
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)

RATIO_GOAL = 1.2
REPEAT = 7
LEARNERS = int(os.environ.get("ATTEST_BENCH_DOCUMENT_LEARNERS", "500"))
KINDS = [Document.Kind.ACHIEVEMENT_RECORD, Document.Kind.CREDIT_CERTIFICATE]


def _raw_weasyprint(html: str) -> bytes:
    """WeasyPrint alone, as its documentation shows it, reading the same bundled fonts."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher()).write_pdf(pdf_tags=True)


def _html_of(document: Document) -> str:
    line = documents._line_for_document(document.line_id)
    units = list(ClaimUnit.objects.filter(line=line).select_related("unit").order_by("unit__position", "id"))
    return render_to_string(documents.TEMPLATES[document.kind],
                            documents.document_context(document=document, facts=document.facts, units=units))


@pytest.mark.django_db
def test_one_document_through_the_app_against_raw_weasyprint(private_storage, settings, tmp_path):  # noqa: F811
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    claim = bulk_submitted_batch(learners=REPEAT + 2, units=("1", "2", "3", "4"))
    app_ms, made = [], []
    for position, line in enumerate(claim.lines):
        start = time.perf_counter()
        with transaction.atomic():
            reserved, _ = documents._reserve(line_id=line.pk, kind=Document.Kind.ACHIEVEMENT_RECORD, actor=claim.admin)
        document = documents.document_make(document_id=reserved.pk)
        elapsed = (time.perf_counter() - start) * 1000
        if position >= 2:  # the first two warm the caches (templates, fonts, the signing key)
            app_ms.append(elapsed)
            made.append(document)
    raw_ms = []
    for document in made:
        html = _html_of(document)
        start = time.perf_counter()
        _raw_weasyprint(html)
        raw_ms.append((time.perf_counter() - start) * 1000)
    app, raw = statistics.median(app_ms), statistics.median(raw_ms)
    ratio = app / raw
    print(f"\n\nOne achievement record (4 units, 2 pieces of evidence each), median of {REPEAT}; load average "
          f"{os.getloadavg()[0]:.1f}:")
    print(f"{'through the app':<20} {app:>8.0f} ms")
    print(f"{'raw WeasyPrint':<20} {raw:>8.0f} ms")
    print(f"{'ratio':<20} {ratio:>8.2f}    goal {RATIO_GOAL:.1f}×  {'met' if ratio <= RATIO_GOAL else 'NOT MET'}")


@pytest.mark.django_db(transaction=True)
def test_a_thousand_documents_by_two_workers(private_storage, settings, tmp_path, monkeypatch):  # noqa: F811
    settings.ATTEST_SIGNING_DIR = tmp_path / "signing"
    settings.ATTEST_OUTBOX_EAGER = False
    monkeypatch.setattr("apps.core.outbox.dispatch", lambda **kwargs: 0)  # the stack's relay hands work over
    claim = bulk_submitted_batch(learners=LEARNERS)
    total = LEARNERS * len(KINDS)
    with worker_stack(tmp_path / "stack", lease_seconds=300, visibility_seconds=600) as stack:
        stack.worker("one")
        stack.worker("two")
        time.sleep(5)  # both ready before the clock starts
        start = time.perf_counter()
        run = documents.run_request(batch=claim.batch, kinds=KINDS, actor=claim.admin)
        deadline = time.monotonic() + 3600
        while DocumentRun.objects.filter(pk=run.pk, status=DocumentRun.Status.RUNNING).exists():
            assert time.monotonic() < deadline, stack.log()
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
    run.refresh_from_db()
    assert run.status == DocumentRun.Status.DONE, run.error
    numbers = list(Document.objects.filter(centre=claim.centre).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == total, "a number was used twice"
    assert numbers_by_series(claim.centre) == {"AR": list(range(1, LEARNERS + 1)), "CR": list(range(1, LEARNERS + 1))}
    assert one_document_per_line_and_kind(run)
    first = Document.objects.filter(run=run).order_by("issued_at").values_list("issued_at", flat=True).first()
    print(f"\n\n{total} documents ({LEARNERS} learners × {len(KINDS)} kinds) by two workers (one process each), "
          f"with the ZIP; load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs:")
    print(f"{'time':<26} {elapsed:>8.1f} s (first document reserved {(first - run.created_at).total_seconds():.1f} s "
          f"after the request)")
    print(f"{'per document':<26} {1000 * elapsed / total:>8.0f} ms ({total / elapsed:.1f} documents a second)")
    print(f"{'numbers':<26} {len(set(numbers)):>8} distinct of {total}, none skipped")
    print(f"{'ZIP made':<26} {timezone.localtime(run.finished_at):%H:%M:%S}, SHA-256 {run.zip_sha256[:16]}…")
