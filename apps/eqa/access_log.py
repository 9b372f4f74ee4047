"""What an address an EQA opened means, in words the centre reads in its access log:
"Portfolio: Cara Complete, 600/0000/1", "Evidence file: site-photo.jpg", "Sample record S-12".

A page is named from its URL name and arguments: the main objects (learner, enrolment, evidence,
evidence file, sample, claim batch, document, EQA pack) by their name, read with one query;
anything else by the page's label, or its URL name in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Model
from django.utils import timezone

from apps.certification.models import ClaimBatch, Document
from apps.evidence.models import Evidence, StoredFile
from apps.iqa.models import Sample
from apps.learners.models import Enrolment, ExternalAccess, Learner

from .models import Pack

WHAT_LENGTH = 300  # AccessLog.what

# Pages about one enrolment: the label, then the keyword argument naming the enrolment.
ENROLMENT_PAGES: dict[str, tuple[str, str]] = {
    "enrolment_plan": ("Assessment plan", "pk"),
    "assessment_matrix": ("Assessment record", "pk"),
    "assessment_unit": ("Unit record", "pk"),
    "portfolio": ("Portfolio", "enrolment"),
    "records_enrolment": ("Assessment records", "enrolment"),
    "claims_registration": ("Registration facts", "enrolment_pk"),
    "portfolio_export_request": ("Portfolio export", "enrolment"),
}
EVIDENCE_PAGES = {"evidence_detail": "Evidence", "assessment_evidence": "Evidence", "assessment_evidence_unit": "Evidence"}
FILE_PAGES = {"file_download": "Evidence file", "file_view": "Evidence file", "file_thumbnail": "Evidence file thumbnail"}
BATCH_PAGES = {
    "claims_batch": "Claim batch", "claims_batch_eqa": "Claim batch sign-off",
    "claims_batch_claim_csv": "Claim file (CSV)", "claims_batch_claim_xlsx": "Claim file (spreadsheet)",
    "claims_batch_keying_csv": "Keying sheet (CSV)", "claims_batch_keying_pdf": "Keying sheet (PDF)",
    "claims_batch_declaration_pdf": "Claim declaration (PDF)", "claims_batch_documents": "Documents of claim batch",
}
DOCUMENT_PAGES = {"document_detail": "Document", "document_download": "Document file"}
PACK_PAGES = {"eqa_pack": "EQA pack", "eqa_pack_download": "EQA pack download"}
GRANT_PAGES = {"eqa_grant": "EQA access", "eqa_grant_end": "End EQA access"}
SAMPLE_PAGES = {"iqa_sample": "Sample record"}
# Pages named by their label alone (with the record's number where the address has one).
LABELS: dict[str, str] = {
    "home": "Home page",
    "eqa_home": "EQA home",
    "eqa_requests": "Sample requests",
    "eqa_request_new": "New sample request",
    "eqa_request": "Sample request",
    "eqa_request_withdraw": "Withdraw sample request",
    "eqa_outcomes": "Visit outcomes",
    "eqa_outcome_new": "Record a visit outcome",
    "eqa_outcome": "Visit outcome",
    "eqa_actions": "EQA actions",
    "eqa_action": "EQA action",
    "eqa_action_close": "Close EQA action",
    "eqa_claims": "Claims to sign off",
    "eqa_pack_new": "Ask for the EQA pack",
    "eqa_set": "EQA set",
    "iqa_coverage": "IQA coverage",
    "iqa_strategies": "Sampling strategies",
    "iqa_strategy": "Sampling strategy",
    "iqa_plans": "Sampling plans",
    "iqa_plan": "Sampling plan",
    "iqa_plan_csv": "Sampling plan (CSV)",
    "iqa_samples": "Sample records",
    "iqa_actions": "IQA actions",
    "iqa_action": "IQA action",
    "iqa_actions_csv": "IQA actions (CSV)",
    "iqa_observations": "Observations of practice",
    "iqa_observation": "Observation of practice",
    "iqa_standardisation": "Standardisation meetings",
    "iqa_standardisation_meeting": "Standardisation meeting",
    "iqa_people": "Staff register",
    "iqa_profile": "Assessor profile",
    "iqa_reports": "IQA reports",
    "iqa_report": "IQA report",
    "iqa_report_download": "IQA report file",
    "claims_ready": "Ready to claim",
    "claims_settings": "Claim settings",
    "claims_batches": "Claim batches",
    "claims_documents": "Documents",
    "catalogue": "Qualification catalogue",
    "qualification_detail": "Qualification",
    "unit_detail": "Unit",
    "notifications": "Notifications",
    "notification_open": "Notification",
    "account_logout": "Sign out",
    "centre_switch": "Switch centre",
}
WORDS = {"iqa": "IQA", "eqa": "EQA", "csv": "CSV", "pdf": "PDF", "xlsx": "spreadsheet", "cpd": "CPD"}


def _in_words(view_name: str) -> str:
    words = [WORDS.get(word, word) for word in re.split(r"[_\-:.]+", view_name) if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else "Page"


def _one(model: type[Model], pk: Any, *related: str) -> Any:
    """The object the address names (one query), or None when there is none."""
    try:
        return model.objects.select_related(*related).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def _learner(pk: Any) -> str | None:
    return getattr(_one(Learner, pk), "full_name", None)


def _file(pk: Any) -> str | None:
    return getattr(_one(StoredFile, pk), "original_name", None)


def _batch(pk: Any) -> str | None:
    return getattr(_one(ClaimBatch, pk), "reference", None)


def _enrolment_page(view_name: str, kwargs: Mapping[str, Any]) -> str:
    label, key = ENROLMENT_PAGES[view_name]
    enrolment = _one(Enrolment, kwargs.get(key), "learner", "qualification")
    if enrolment is None:
        return label
    unit = f", unit {kwargs['number']}" if "number" in kwargs else ""
    return f"{label}: {enrolment.learner.full_name}, {enrolment.qualification.number}{unit}"


def _evidence(pk: Any) -> str | None:
    evidence = _one(Evidence, pk, "current", "enrolment__learner")
    if evidence is None:
        return None
    title = evidence.current.title if evidence.current else f"evidence {evidence.pk}"
    return f"“{title}” by {evidence.enrolment.learner.full_name}"


def _sample(pk: Any) -> str | None:
    sample = _one(Sample, pk, "enrolment__learner", "unit")
    return f"S-{sample.pk}, {sample.enrolment.learner.full_name}, unit {sample.unit.number}" if sample else None


def _document(pk: Any) -> str | None:
    document = _one(Document, pk, "line__enrolment__learner")
    if document is None:
        return None
    return f"{document.number} ({document.get_kind_display().lower()}) for {document.line.enrolment.learner.full_name}"


def _day(value: Any) -> str:
    return f"{value.day} {value:%b %Y}"


def _pack(pk: Any) -> str | None:
    pack = _one(Pack, pk)
    return f"P-{pack.pk} of {_day(timezone.localtime(pack.requested_at))}" if pack else None


def _grant(pk: Any) -> str | None:
    grant = _one(ExternalAccess, pk)
    return f"{grant.awarding_organisation}, {_day(grant.starts_on)} to {_day(grant.ends_on)}" if grant else None


# The pages about one main object: their labels, and how the object is named from its pk.
OBJECT_PAGES: list[tuple[Mapping[str, str], Callable[[Any], str | None]]] = [
    ({"learner_detail": "Learner"}, _learner),
    (FILE_PAGES, _file),
    (EVIDENCE_PAGES, _evidence),
    (SAMPLE_PAGES, _sample),
    (BATCH_PAGES, _batch),
    (DOCUMENT_PAGES, _document),
    (PACK_PAGES, _pack),
    (GRANT_PAGES, _grant),
]


def _object_page(view_name: str, kwargs: Mapping[str, Any]) -> str | None:
    if view_name in ENROLMENT_PAGES:
        return _enrolment_page(view_name, kwargs)
    for pages, name_of in OBJECT_PAGES:
        if view_name in pages:
            name = name_of(kwargs.get("pk"))
            return f"{pages[view_name]}: {name}" if name else pages[view_name]
    return None


def describe(view_name: str, kwargs: Mapping[str, Any], path: str) -> str:
    """The page or file in words (never longer than the log keeps)."""
    if not view_name:
        return f"Page not found: {path}"[:WHAT_LENGTH]
    what = _object_page(view_name, kwargs)
    if what is None:
        label = LABELS.get(view_name) or _in_words(view_name)
        number = kwargs.get("pk") or kwargs.get("grant_pk")
        if view_name == "eqa_set_part":
            what = f"EQA set: {_in_words(str(kwargs.get('part', '')))}"
        elif "grant_pk" in kwargs:
            grant = _grant(kwargs["grant_pk"])
            what = f"{label} (EQA access: {grant})" if grant else label
        elif number is not None:
            what = f"{label} {number}"
        elif "slug" in kwargs:
            what = f"{label}: {kwargs['slug']}"
        else:
            what = label
    return what[:WHAT_LENGTH]
