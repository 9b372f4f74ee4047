"""Every task is idempotent: a portfolio export is claimed before it is built, so a task
delivered twice builds it once; an export whose worker died ("running 60 %" for ever) is
noticed and taken up again, or failed with a message after a few attempts; the temporary
files of a killed build are swept."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.evidence.exports import MAX_ATTEMPTS, TEMP_PREFIX, exports_recover, portfolio_export_build, temp_dir
from apps.evidence.models import PortfolioExport
from tests.evidence.filefixtures import *  # noqa: F403

BASE = "http://attest.test/"


@pytest.fixture
def export(people, private_storage, settings):
    settings.ATTEST_UPLOAD_TEMP_DIR = str(private_storage.parent / "uploads")
    return PortfolioExport.objects.create(centre=people.centre, enrolment=people.enrolment,
                                          requested_by=people.learner.user)


def stalled(export, *, attempts: int, progress: int = 60) -> None:
    PortfolioExport.objects.filter(pk=export.pk).update(
        status=PortfolioExport.Status.RUNNING, progress=progress, attempts=attempts,
        claimed_until=timezone.now() - timedelta(seconds=1),
    )


def test_an_export_delivered_twice_is_built_once_and_emailed_once(export):
    portfolio_export_build(export_id=export.pk, base_url=BASE)
    export.refresh_from_db()
    key = export.key
    portfolio_export_build(export_id=export.pk, base_url=BASE)
    export.refresh_from_db()
    assert export.status == PortfolioExport.Status.READY and export.key == key and export.attempts == 1
    assert [m.subject for m in mail.outbox].count("[Attest] Your portfolio export is ready") == 1


def test_a_running_export_another_worker_holds_is_left_to_it(export):
    PortfolioExport.objects.filter(pk=export.pk).update(
        status=PortfolioExport.Status.RUNNING, progress=40, attempts=1, claimed_until=timezone.now() + timedelta(minutes=5)
    )
    portfolio_export_build(export_id=export.pk, base_url=BASE)
    export.refresh_from_db()
    assert export.status == PortfolioExport.Status.RUNNING and export.progress == 40 and not mail.outbox


def test_an_export_whose_worker_died_is_taken_up_again(export, django_capture_on_commit_callbacks):
    stalled(export, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_recover(base_url=BASE)["resumed"] == 1
    export.refresh_from_db()
    assert export.status == PortfolioExport.Status.READY and export.attempts == 2
    assert len(mail.outbox) == 1


def test_after_too_many_attempts_the_export_fails_with_a_message(client, people, export):
    stalled(export, attempts=MAX_ATTEMPTS)
    assert exports_recover(base_url=BASE)["failed"] == 1
    export.refresh_from_db()
    assert export.status == PortfolioExport.Status.FAILED
    client.force_login(people.learner.user)
    assert "Ask for a new export" in client.get(f"/portfolio/exports/{export.pk}/").content.decode()


def test_temporary_files_of_a_killed_build_are_swept_and_a_live_builds_kept(export, settings):
    settings.ATTEST_TASK_LEASE_SECONDS = 60
    folder = temp_dir()
    dead = os.path.join(folder, f"{TEMP_PREFIX}999999-abc.zip")
    live = os.path.join(folder, f"{TEMP_PREFIX}{export.pk}-def.zip")
    for path in (dead, live):
        with open(path, "wb") as handle:
            handle.write(b"half a zip")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    PortfolioExport.objects.filter(pk=export.pk).update(
        status=PortfolioExport.Status.RUNNING, attempts=1, claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert exports_recover(base_url=BASE)["swept"] == 1
    assert not os.path.exists(dead) and os.path.exists(live)
