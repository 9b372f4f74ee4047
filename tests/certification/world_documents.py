"""Permission rows of the documents pages (merged into tests/test_permissions.py).

The centre's documents are read by its admins, its lead IQA (none in the world) and its EQA, and
each by the learner it was issued to; everyone else gets 404 (nobody learns it exists). Only
admins revoke, reissue and make documents: a learner or EQA with the document in view gets 403.
The verification page answers everyone, signed in or not.

In each centre of the world: a submitted batch of the world's learner, a valid achievement
record made for it (its PDF in storage) and a finished run with its ZIP."""

from __future__ import annotations

import hashlib
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.certification.models import ClaimBatch, ClaimLine, ClaimUnit, Document, DocumentRun
from tests.permission_answers import LOGIN, answers, capability

READERS = ("admin", "eqa", "other_centre_admin")
DOCUMENT = answers(404, learner=200, admin=200, eqa=200, anonymous=LOGIN)
ADMIN_ACTION = answers(404, learner=403, admin=200, eqa=403, anonymous=LOGIN)  # an empty form: shown again
BATCH = answers(404, admin=200, eqa=200, anonymous=LOGIN)
ROWS = {
    ("claims_documents", "get"): capability(*READERS),
    ("my_documents", "get"): capability("learner", "other_learner", "other_centre_learner"),
    ("document_detail", "get"): DOCUMENT,
    ("document_download", "get"): DOCUMENT,
    ("document_revoke", "post"): ADMIN_ACTION,
    ("document_reissue", "post"): ADMIN_ACTION,
    # The world's document is valid: issuing another is refused, back on its page with a message.
    ("document_issue_again", "post"): answers(404, learner=403, admin=302, eqa=403, anonymous=LOGIN),
    ("claims_batch_documents", "get"): BATCH,
    ("claims_batch_documents", "post"): answers(404, admin=302, eqa=403, anonymous=LOGIN),  # none chosen: a message
    ("claims_document_run", "get"): BATCH,
    ("claims_document_run_zip", "get"): BATCH,
    ("document_verify", "get"): answers(200, anonymous=200),
    ("document_verify", "post"): answers(200, anonymous=200),  # no file: the page says to choose one
}


def _objects(centre, enrolment, admin) -> dict:
    now = timezone.now()
    batch = ClaimBatch.objects.create(centre=centre, awarding_organisation=enrolment.qualification.awarding_organisation,
                                      reference=f"CB-DOCUMENTS-{centre.pk}", created_by=admin)
    line = ClaimLine.objects.create(batch=batch, enrolment=enrolment, claim_type=ClaimLine.ClaimType.UNIT,
                                    award_date=timezone.localdate(), registration_number="R0002",
                                    registered_name=enrolment.learner.full_name, added_by=admin)
    unit = enrolment.qualification.units.get(number="1")
    ClaimUnit.objects.create(line=line, unit=unit, achieved_on=timezone.localdate(), assessor_name="Assessor")
    ClaimBatch.objects.filter(pk=batch.pk).update(status=ClaimBatch.Status.SUBMITTED, submitted_by=admin,
                                                  submitted_at=now, export_sha256="0" * 64)
    pdf = b"%PDF-1.7\n% an achievement record\n"
    document = Document.objects.create(
        centre=centre, line=line, kind=Document.Kind.ACHIEVEMENT_RECORD, number=f"AR-{now.year}-000001",
        public_code=secrets.token_urlsafe(24), key=default_storage.save(f"documents/{centre.pk}/world.pdf",
                                                                        ContentFile(pdf)),
        sha256=hashlib.sha256(pdf).hexdigest(), issued_by=admin,
        facts={"title": "Internal Record of Achievement", "centre": centre.name, "awarding_organisation": "NCFE",
               "learner": line.registered_name, "qualification_number": enrolment.qualification.number,
               "qualification_title": enrolment.qualification.title, "issued_on": timezone.localdate().isoformat(),
               "units": [{"number": unit.number, "urn": unit.urn, "title": unit.title, "level": unit.level,
                          "credits": unit.credits, "route": "assessed"}],
               "credits": unit.credits, "ao_certificate_number": "", "ao_certificate_date": ""},
    )
    archive = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP
    run = DocumentRun.objects.create(
        batch=batch, kinds=[Document.Kind.ACHIEVEMENT_RECORD], requested_by=admin, status=DocumentRun.Status.DONE,
        total=1, zip_key=default_storage.save(f"documents/{centre.pk}/runs/world.zip", ContentFile(archive)),
        zip_sha256=hashlib.sha256(archive).hexdigest(), finished_at=now,
    )
    Document.objects.filter(pk=document.pk).update(run=run)
    return {"documents_batch": batch, "documents_document": document, "documents_run": run}


def extend(users: dict, objects: dict) -> None:
    for place, admin in (("home", users["admin"]), ("elsewhere", users["other_centre_admin"])):
        enrolment = objects[place]["enrolment"]
        objects[place] |= _objects(enrolment.centre, enrolment, admin)


def args(name: str, o: dict) -> list | None:
    if name in ("document_detail", "document_download", "document_revoke", "document_reissue",
                "document_issue_again"):
        return [o["documents_document"].pk]
    if name == "document_verify":
        return [o["documents_document"].public_code]
    if name == "claims_batch_documents":
        return [o["documents_batch"].pk]
    if name in ("claims_document_run", "claims_document_run_zip"):
        return [o["documents_run"].pk]
    if name in ("claims_documents", "my_documents"):
        return []
    return None
