"""Permission rows of the claim batch pages (merged into tests/test_permissions.py).

Claim batches are read by the centre's admins, its lead IQA (none in the world) and its EQA;
everyone else gets 404 for a batch (nobody learns it exists). Admins take the steps, the EQA
signs off or queries; a step refused for the batch's state (the world's batches are a draft and a
submitted one) goes back to the batch page with its message: 302. In each centre of the world: a
draft batch of the world's learner, and a submitted batch with its frozen claim file and the AO's
answer, so the admin tests have a row of each model."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.certification import counters
from apps.certification.models import ClaimBatch, ClaimLine, ClaimOutcome, ClaimUnit
from tests.permission_answers import LOGIN, answers, capability

READ = answers(404, admin=200, eqa=200, anonymous=LOGIN)
ADMIN_STEP = answers(404, admin=302, eqa=403, anonymous=LOGIN)
ROWS = {
    ("claims_batches", "get"): capability("admin", "eqa", "other_centre_admin"),
    ("claims_batch_create", "post"): capability("admin", "other_centre_admin", ok=302),  # none chosen: a message
    ("claims_batch", "get"): READ,
    ("claims_batch_add", "post"): ADMIN_STEP,
    ("claims_batch_remove", "post"): ADMIN_STEP,
    ("claims_batch_declare", "post"): answers(404, admin=403, eqa=403, anonymous=LOGIN),  # the lead IQA's
    ("claims_batch_authorise", "post"): ADMIN_STEP,
    ("claims_batch_eqa", "post"): answers(404, admin=403, eqa=302, anonymous=LOGIN),
    ("claims_batch_reopen", "post"): ADMIN_STEP,
    ("claims_batch_submit", "post"): ADMIN_STEP,
    ("claims_batch_outcome", "post"): ADMIN_STEP,
    ("claims_batch_claim_csv", "get"): READ,
    ("claims_batch_claim_xlsx", "get"): READ,
    ("claims_batch_keying_csv", "get"): READ,
    ("claims_batch_keying_pdf", "get"): READ,
    ("claims_batch_declaration_pdf", "get"): READ,
}
ON_THE_DRAFT = {"claims_batch", "claims_batch_add", "claims_batch_declare", "claims_batch_authorise",
                "claims_batch_eqa", "claims_batch_reopen", "claims_batch_submit"}
ON_THE_SUBMITTED = {"claims_batch_claim_csv", "claims_batch_claim_xlsx", "claims_batch_keying_csv",
                    "claims_batch_keying_pdf", "claims_batch_declaration_pdf"}


def _batch(centre, enrolment, admin, *, status: str) -> tuple[ClaimBatch, ClaimLine]:
    year = timezone.localdate().year
    batch = ClaimBatch.objects.create(
        centre=centre, awarding_organisation=enrolment.qualification.awarding_organisation, created_by=admin,
        reference=f"CB-{year}-{counters.take(centre_id=centre.pk, series='CB', year=year):04d}",
        status=ClaimBatch.Status.DRAFT if status == ClaimBatch.Status.DRAFT else ClaimBatch.Status.READY,
    )
    line = ClaimLine.objects.create(batch=batch, enrolment=enrolment, claim_type=ClaimLine.ClaimType.UNIT,
                                    award_date=timezone.localdate(), registration_number="R0001",
                                    registered_name=enrolment.learner.full_name, added_by=admin)
    ClaimUnit.objects.create(line=line, unit=enrolment.qualification.units.get(number="1"),
                             achieved_on=timezone.localdate(), assessor_name="Assessor")
    if status == ClaimBatch.Status.SUBMITTED:  # the lines are in: from now on the database freezes them
        data = b"\xef\xbb\xbfrow_type,claim_batch_ref\r\nlearner," + batch.reference.encode() + b"\r\n"
        key = default_storage.save(f"claims/{centre.pk}/{batch.reference}.csv", ContentFile(data))
        ClaimBatch.objects.filter(pk=batch.pk).update(
            status=ClaimBatch.Status.SUBMITTED, submitted_by=admin, submitted_at=timezone.now(), export_key=key,
            export_sha256=hashlib.sha256(data).hexdigest())
        ClaimOutcome.objects.create(line=line, status=ClaimOutcome.Status.CERTIFICATED, certificate_number="AO-1",
                                    certificate_date=timezone.localdate(), recorded_by=admin)
        batch.refresh_from_db()
    return batch, line


def _objects(centre, enrolment, admin) -> dict:
    draft, draft_line = _batch(centre, enrolment, admin, status=ClaimBatch.Status.DRAFT)
    submitted, submitted_line = _batch(centre, enrolment, admin, status=ClaimBatch.Status.SUBMITTED)
    return {"batches_draft": draft, "batches_draft_line": draft_line, "batches_submitted": submitted,
            "batches_submitted_line": submitted_line}


def extend(users: dict, objects: dict) -> None:
    for place, admin in (("home", users["admin"]), ("elsewhere", users["other_centre_admin"])):
        enrolment = objects[place]["enrolment"]
        objects[place] |= _objects(enrolment.centre, enrolment, admin)


def args(name: str, o: dict) -> list | None:
    if name in ON_THE_DRAFT:
        return [o["batches_draft"].pk]
    if name in ON_THE_SUBMITTED:
        return [o["batches_submitted"].pk]
    if name == "claims_batch_remove":
        return [o["batches_draft"].pk, o["batches_draft_line"].pk]
    if name == "claims_batch_outcome":
        return [o["batches_submitted"].pk, o["batches_submitted_line"].pk]
    if name in ("claims_batches", "claims_batch_create"):
        return []
    return None
