"""Portfolio export: a Celery task builds a ZIP with every file, index.html and a manifest."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import zipfile

from django.core import mail

from apps.evidence.models import PortfolioExport
from apps.evidence.services import evidence_create, evidence_submit
from tests.evidence.portfolio_helpers import content, enrolment_with_people, stored_file
from tests.factories import MembershipFactory


def wait_for(export: PortfolioExport, timeout: float = 60) -> PortfolioExport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (PortfolioExport.Status.READY, PortfolioExport.Status.FAILED):
            return export
        time.sleep(0.2)
    raise AssertionError(f"export still {export.status}")


def test_a_learner_exports_the_whole_portfolio_and_gets_the_link(celery_worker, client, centre):
    enrolment, learner, _, _ = enrolment_with_people(centre)
    photo = stored_file(centre, learner.user, b"\xff\xd8\xffphoto-bytes", "till photo.jpg", "image/jpeg", "image")
    report = stored_file(centre, learner.user, b"%PDF-1.4 report", "report.pdf")
    first = evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Till", files=[photo]))
    evidence_submit(evidence=first, actor=learner.user, declared_name=enrolment.learner.full_name, ip_address=None)
    evidence_create(enrolment=enrolment, actor=learner.user, content=content(title="Report", files=[report]))

    client.force_login(learner.user)
    response = client.post(f"/portfolio/enrolments/{enrolment.pk}/export/", follow=True)
    export = PortfolioExport.objects.get()
    assert response.redirect_chain[-1][0] == f"/portfolio/exports/{export.pk}/"
    export = wait_for(export)
    assert export.status == "ready", export.error

    page = client.get(f"/portfolio/exports/{export.pk}/").content.decode()
    assert "Download the ZIP" in page
    to_learner = [m for m in mail.outbox if m.to == [learner.user.email]]
    assert len(to_learner) == 1 and f"/portfolio/exports/{export.pk}/" in to_learner[0].body

    download = client.get(f"/portfolio/exports/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert "index.html" in names and "manifest.json" in names
    manifest = json.loads(archive.read("manifest.json"))
    files = [f for ev in manifest["evidence"] for v in ev["versions"] for f in v["files"]]
    assert {f["original_name"] for f in files} == {"till photo.jpg", "report.pdf"}
    for f in files:
        assert hashlib.sha256(archive.read(f["path"])).hexdigest() == f["sha256"]
    index = archive.read("index.html").decode()
    assert "Portfolio of" in index and re.search(r'href="files/\d+/v1/01-till photo.jpg"', index)


def test_only_the_learner_and_admins_export_and_others_never_see_the_export(client, centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    client.force_login(assessor.user)
    assert client.post(f"/portfolio/enrolments/{enrolment.pk}/export/").status_code == 403
    export = PortfolioExport.objects.create(centre=centre, enrolment=enrolment, requested_by=learner.user)
    assert client.get(f"/portfolio/exports/{export.pk}/").status_code == 404
    classmate = MembershipFactory(centre=centre, is_learner=True)
    client.force_login(classmate.user)
    assert client.get(f"/portfolio/exports/{export.pk}/").status_code == 404
