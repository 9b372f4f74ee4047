"""The IQA's reports: the sample record, the sampling plan, the action log and the IQA summary
per qualification and period, as PDFs a Celery worker makes (apps/core/pdf.py), and the plan
and the action log as CSV too.

`report_request` checks the member may read what the report covers, records it and queues the
work after the commit; `report_build` (the task) claims the report with a lease, re-checks the
requester's scope (they may have lost it since), renders, stores the file in private storage
with its SHA-256 and tells the requester it is ready. Each report reads a fixed number of
queries whatever its size, and only what the requester may see.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.assessment.models import Decision, UnitSignOff
from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.centres.models import Centre, Membership
from apps.core import outbox
from apps.core.pdf import render_pdf
from apps.core.spreadsheets import csv_bytes
from apps.learners.models import Enrolment
from apps.notifications.services import notify
from apps.qualifications.models import Qualification

from . import access, checks
from .models import (
    Action,
    AssessorProfile,
    PlanItem,
    Report,
    Sample,
    SamplingPlan,
    SamplingStrategy,
    Stage,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a report whose worker died this many leases running is failed with a message
MAX_PERIOD_DAYS = 731
EARLIEST = date(1900, 1, 1)

# --- what each kind of report needs -------------------------------------------------------------


def _int(raw: Mapping[str, Any], key: str, label: str, problems: list[str], *, required: bool = True) -> int | None:
    value = raw.get(key)
    if value in (None, ""):
        if required:
            problems.append(f"Say which {label}.")
        return None
    try:
        number = int(re.sub(r"^[A-Za-z]-", "", str(value).strip()))  # "S-12" as written on a record
    except ValueError:
        problems.append(f"The {label} must be a number.")
        return None
    if number <= 0 or number > 2**31 - 1:
        problems.append(f"There is no such {label}.")
        return None
    return number


def _date(raw: Mapping[str, Any], key: str, label: str, problems: list[str]) -> date | None:
    value = str(raw.get(key) or "").strip()
    if not value:
        problems.append(f"Give the {label} (for example 2026-01-31).")
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        problems.append(f"The {label} is not a date: write it as year-month-day, for example 2026-01-31.")
        return None
    if day < EARLIEST:
        problems.append(f"The {label} cannot be before 1900.")
        return None
    return day


def clean_params(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a report of this kind takes, checked: every problem in one ValidationError."""
    problems: list[str] = []
    params: dict[str, Any] = {}
    if kind not in Report.Kind.values:
        raise ValidationError("Choose a kind of report: sample record, sampling plan, action log or IQA summary.")
    if kind == Report.Kind.SAMPLE:
        params["sample"] = _int(raw, "sample", "sample", problems)
    elif kind == Report.Kind.PLAN:
        params["plan"] = _int(raw, "plan", "sampling plan", problems)
    elif kind == Report.Kind.ACTIONS:
        assessor = _int(raw, "assessor", "assessor", problems, required=False)
        if assessor is not None:
            params["assessor"] = assessor
        state = str(raw.get("state") or "all").strip()
        if state not in ("all", "open"):
            problems.append("Choose all actions or only those not closed.")
        params["state"] = state
    else:
        params["qualification"] = _int(raw, "qualification", "qualification", problems)
        start, end = _date(raw, "from", "start of the period", problems), _date(raw, "to", "end of the period", problems)
        if start and end:
            if end < start:
                problems.append("The period ends before it starts.")
            elif (end - start).days > MAX_PERIOD_DAYS:
                problems.append("Choose a period of two years at most.")
        params["from"], params["to"] = (start.isoformat() if start else None), (end.isoformat() if end else None)
    if problems:
        raise ValidationError(problems)
    return params


def report_title(kind: str, params: Mapping[str, Any]) -> str:
    """A short name for the report, for pages, the notification and the file name."""
    if kind == Report.Kind.SAMPLE:
        return f"Sample record S-{params.get('sample')}"
    if kind == Report.Kind.PLAN:
        return f"Sampling plan P-{params.get('plan')}"
    if kind == Report.Kind.ACTIONS:
        return "Action log" + (" (not closed)" if params.get("state") == "open" else "")
    return f"IQA summary {params.get('from')} to {params.get('to')}"


def report_filename(report: Report) -> str:
    stem = report_title(report.kind, report.params).lower()
    stem = "".join(c if c.isalnum() else "-" for c in stem).strip("-")
    while "--" in stem:
        stem = stem.replace("--", "-")
    return f"{stem}-{report.created_at:%Y-%m-%d}.pdf"


# --- asking for a report ------------------------------------------------------------------------


@transaction.atomic
def report_request(*, actor: Any, centre: Centre, kind: str, params: Mapping[str, Any]) -> Report:
    """Queue a PDF report for `actor` at `centre`: the parameters checked (ValidationError), the
    actor's right to read what it covers checked (PermissionDenied), the request audited, the
    worker asked for after the commit."""
    cleaned = clean_params(kind, params)
    membership = access.require_report_reader(actor, centre.pk, kind, cleaned)
    if kind == Report.Kind.SUMMARY and not Qualification.objects.filter(pk=cleaned["qualification"]).exists():
        raise ValidationError("There is no such qualification.")
    report = Report.objects.create(centre_id=membership.centre_id, kind=kind, params=cleaned, requested_by=actor)
    audit_record(action="iqa.report_requested", actor=actor, centre=centre, obj=report,
                 payload={"kind": kind, "params": cleaned})
    from .tasks import build_report

    outbox.enqueue(build_report, report.pk)
    return report


# --- making it (the worker) ---------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "ATTEST_TASK_LEASE_SECONDS", 300))


def _claim(report_id: int) -> bool:
    """Take the report for this worker: a queued one, or one whose last worker's lease lapsed."""
    now = timezone.now()
    lapsed = Q(status=Report.Status.RUNNING, claimed_until__lt=now)
    return bool(
        Report.objects.filter(pk=report_id).filter(Q(status=Report.Status.QUEUED) | lapsed)
        .update(status=Report.Status.RUNNING, claimed_until=now + _lease())
    )


def _fail(report_id: int, message: str) -> None:
    Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
        status=Report.Status.FAILED, error=message, finished_at=timezone.now(), claimed_until=None
    )


def report_build(*, report_id: int) -> str:
    """Make the report's file (Celery). Idempotent: claimed before any work, so a task delivered
    twice makes it once; a worker that dies leaves a lease that lapses, and the report is taken
    up again (`reports_recover`). Returns the report's status."""
    if not _claim(report_id):
        return Report.objects.filter(pk=report_id).values_list("status", flat=True).first() or "missing"
    report = Report.objects.select_related("centre", "requested_by").get(pk=report_id)
    membership = membership_for(report.requested_by, report.centre_id)
    refusal = access.report_refusal(membership, report.kind, report.params)
    if refusal is not None:  # they lost the right since they asked
        _fail(report.pk, f"This report was not made: {refusal}")
        return Report.Status.FAILED
    try:
        pdf = render_pdf(TEMPLATES[report.kind], report_context(membership, report.kind, report.params))
    except Exception:
        logger.exception("Report R-%s could not be made", report.pk)
        _fail(report.pk, "This report could not be made. Ask for it again; if it fails again, tell your "
                         "centre's administrator.")
        return Report.Status.FAILED
    key = default_storage.save(f"reports/{report.centre_id}/{uuid.uuid4().hex}.pdf", ContentFile(pdf))
    with transaction.atomic():
        done = Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING).update(
            status=Report.Status.DONE, key=key, sha256=hashlib.sha256(pdf).hexdigest(),
            filename=report_filename(report), finished_at=timezone.now(), claimed_until=None, error="",
        )
        if done:
            notify(recipients=[report.requested_by], centre=report.centre,
                   subject=f"Your report is ready: {report_title(report.kind, report.params)}",
                   url=reverse("iqa_report", args=[report.pk]))
    if not done:  # another worker finished it first: keep theirs
        default_storage.delete(key)
    return Report.Status.DONE if done else Report.objects.get(pk=report.pk).status


def reports_recover() -> dict[str, int]:
    """Run by Celery beat: a report left "being made" by a dead worker (its lease lapsed) is taken
    up again, or failed with a message once it has been running for MAX_ATTEMPTS leases."""
    now = timezone.now()
    stale = Report.objects.filter(status=Report.Status.RUNNING, claimed_until__lt=now)
    failed = stale.filter(created_at__lt=now - MAX_ATTEMPTS * _lease()).update(
        status=Report.Status.FAILED, finished_at=now, claimed_until=None,
        error="The report stopped before it was finished, several times. Ask for it again; if it stops again, "
              "tell your centre's administrator.",
    )
    from .tasks import build_report

    resumed = 0
    for report_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            outbox.enqueue(build_report, report_id)
        resumed += 1
    return {"failed": failed, "resumed": resumed}


def report_download(*, actor: Any, report: Report, ip_address: str | None = None) -> None:
    """Record that the requester took their file (the view serves it)."""
    audit_record(action="iqa.report_downloaded", actor=actor, centre=report.centre, obj=report,
                 payload={"kind": report.kind, "sha256": report.sha256}, ip_address=ip_address)


# --- what each report shows ---------------------------------------------------------------------

TEMPLATES = {
    Report.Kind.SAMPLE: "iqa/reports/pdf_sample.html",
    Report.Kind.PLAN: "iqa/reports/pdf_plan.html",
    Report.Kind.ACTIONS: "iqa/reports/pdf_actions.html",
    Report.Kind.SUMMARY: "iqa/reports/pdf_summary.html",
}


def report_context(membership: Membership, kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The report's content, read within the member's scope."""
    builder = {
        Report.Kind.SAMPLE: sample_record,
        Report.Kind.PLAN: plan_record,
        Report.Kind.ACTIONS: action_log,
        Report.Kind.SUMMARY: iqa_summary,
    }[kind]
    context = builder(membership, params)
    context.setdefault("centre_name", membership.centre.name)
    context["made_at"] = timezone.localtime()
    return context


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def check_rows(answers: Mapping[str, Any] | None, group: str) -> list[dict[str, str]]:
    """A sample's check answers as rows: the known checks (apps/iqa/checks.py) in their order with
    their labels, then any other key the record holds, its name made readable."""
    answers = answers or {}
    known = list(getattr(checks, "GROUPS", {}).get(group, ()))
    labels = dict(getattr(checks, "ANSWERS", {}))
    rows, seen = [], set()
    for check in known:
        seen.add(check.key)
        given = answers.get(check.key) or {}
        rows.append({"label": check.label, "answer": labels.get(given.get("answer", ""), given.get("answer", "") or "—"),
                     "comment": given.get("comment", "")})
    for key in sorted(set(answers) - seen):
        given = answers.get(key) if isinstance(answers.get(key), Mapping) else {"answer": str(answers.get(key))}
        rows.append({"label": _label(key), "answer": labels.get(given.get("answer", ""), given.get("answer", "") or "—"),
                     "comment": given.get("comment", "")})
    return rows


def days_overdue(action: Action, today: date) -> int:
    """Days past the due date: until today while it is not closed, until its closing when closed."""
    end = timezone.localtime(action.closed_at).date() if action.closed_at else today
    return max(0, (end - action.due_on).days)


def action_state(action: Action, today: date) -> str:
    if action.status == Action.Status.CLOSED:
        return "Closed"
    late = action.due_on < today
    if action.status == Action.Status.RESPONDED:
        return "Answered, waiting for the IQA" + (" (overdue)" if late else "")
    return "Overdue" if late else "Open"


def sample_record(membership: Membership, params: Mapping[str, Any]) -> dict[str, Any]:
    return sample_record_from(access.samples_visible(membership), params["sample"])


def sample_record_from(samples: QuerySet[Sample], sample_id: int) -> dict[str, Any]:
    """The sample record's context, for one sample of `samples` (a member's visible samples, or
    the signed samples an EQA pack covers)."""
    sample = (
        samples
        .select_related("enrolment__learner", "enrolment__qualification", "unit", "assessor", "iqa", "signed_by",
                        "plan_item__plan", "follow_up_of")
        .prefetch_related(
            Prefetch("decisions_sampled", queryset=Decision.objects.select_related(
                "criterion", "version", "signed_by", "countersignature__signed_by").order_by("criterion_id", "signed_at")),
            Prefetch("actions", queryset=Action.objects.select_related("owner", "closed_by", "response_decision__criterion",
                                                                        "response_version").order_by("due_on", "id")),
            Prefetch("addenda"),
            Prefetch("follow_ups", queryset=Sample.objects.order_by("started_at")),
        )
        .get(pk=sample_id)
    )
    decisions = list(sample.decisions_sampled.all())
    countersigners = sorted({d.countersignature.signed_name for d in decisions
                             if hasattr(d, "countersignature") and d.countersignature})
    today = timezone.localdate()
    actions = [{"action": a, "state": action_state(a, today), "days_overdue": days_overdue(a, today)}
               for a in sample.actions.all()]
    return {
        "sample": sample, "decisions": decisions, "countersigners": countersigners,
        "varcs": check_rows(sample.varcs, "varcs"), "process": check_rows(sample.process_checks, "process"),
        "actions": actions, "addenda": list(sample.addenda.all()), "follow_ups": list(sample.follow_ups.all()),
        "methods_seen": [_method_label(m) for m in sample.methods_seen or []],
        "title": f"IQA sample record S-{sample.pk}",
    }


def _method_label(value: str) -> str:
    from apps.evidence.models import Evidence

    return dict(Evidence.Method.choices).get(value, _label(str(value)))


def plan_rows(plan: SamplingPlan) -> list[dict[str, Any]]:
    """One row per item of the plan (§4.2 of the domain note), with the sample that did it."""
    items = list(
        PlanItem.objects.filter(plan=plan)
        .select_related("enrolment__learner", "unit", "assessor")
        .prefetch_related(Prefetch("samples", queryset=Sample.objects.select_related("signed_by").order_by("started_at")))
        .order_by("assessor__full_name", "enrolment__learner__full_name", "unit__position", "stage", "id")
    )
    bands = dict(AssessorProfile.objects.filter(centre_id=plan.centre_id, assessor_id__in={i.assessor_id for i in items})
                 .values_list("assessor_id", "band"))
    band_labels = dict(AssessorProfile._meta.get_field("band").choices)
    rows = []
    for item in items:
        samples = list(item.samples.all())
        done = next((s for s in reversed(samples) if s.signed_at), None)
        latest = samples[-1] if samples else None
        rows.append({
            "item": item, "band": band_labels.get(bands.get(item.assessor_id), "No profile"),
            "methods": [_method_label(m) for m in item.methods or []],
            "sample": done or latest, "signed": done,
        })
    return rows


def plan_record(membership: Membership, params: Mapping[str, Any]) -> dict[str, Any]:
    plan = access.plans_visible(membership).select_related("iqa").get(pk=params["plan"])
    strategy_ids = [v for v in (plan.strategies or {}).values() if isinstance(v, int)]
    strategies = list(SamplingStrategy.objects.filter(pk__in=strategy_ids, centre_id=plan.centre_id)
                      .select_related("qualification").order_by("version"))
    rows = plan_rows(plan)
    qualifications = sorted({f"{r['item'].enrolment.qualification_id}" for r in rows})
    quals = list(Qualification.objects.filter(pk__in=qualifications).order_by("number"))
    return {"plan": plan, "rows": rows, "strategies": strategies, "qualifications": quals,
            "counts": sorted(Counter(r["item"].get_status_display() for r in rows).items()),
            "title": f"Sampling plan P-{plan.pk}"}


PLAN_CSV_HEADER = [
    "Assessor", "Risk band", "Learner", "ULN", "Unit", "Unit title", "Stage", "Methods", "Reason selected",
    "Reason detail", "Rule", "Due from", "Due by", "Status", "Sample ref", "Sampled on", "Outcome", "IQA signature",
]


def plan_csv(plan: SamplingPlan) -> bytes:
    rows = []
    for r in plan_rows(plan):
        item, sample, signed = r["item"], r["sample"], r["signed"]
        rows.append([
            item.assessor.full_name, r["band"], item.enrolment.learner.full_name, item.enrolment.learner.uln or "",
            item.unit.number, item.unit.title, item.get_stage_display(), "; ".join(r["methods"]),
            item.get_reason_display(), item.reason_detail, item.rule, item.due_from, item.due_by,
            item.get_status_display(), f"S-{sample.pk}" if sample else "",
            timezone.localtime(signed.signed_at).date() if signed else "",
            signed.get_outcome_display() if signed else "", signed.signed_name if signed else "",
        ])
    return csv_bytes(PLAN_CSV_HEADER, rows)


def actions_in_log(membership: Membership, params: Mapping[str, Any]) -> list[Action]:
    actions = access.actions_visible(membership)
    if params.get("assessor"):
        actions = actions.filter(owner_id=params["assessor"])
    if params.get("state") == "open":
        actions = actions.exclude(status=Action.Status.CLOSED)
    return list(actions.select_related("owner", "raised_by", "closed_by", "enrolment__learner", "unit")
                .order_by("due_on", "id"))


def action_log(membership: Membership, params: Mapping[str, Any]) -> dict[str, Any]:
    today = timezone.localdate()
    rows = [{"action": a, "state": action_state(a, today), "days_overdue": days_overdue(a, today)}
            for a in actions_in_log(membership, params)]
    owner = None
    if params.get("assessor"):
        owner = next((r["action"].owner for r in rows), None)
    return {"rows": rows, "today": today, "owner": owner, "only_open": params.get("state") == "open",
            "overdue": sum(1 for r in rows if r["days_overdue"] and r["action"].status != Action.Status.CLOSED),
            "title": "Action log"}


ACTIONS_CSV_HEADER = [
    "Action", "Source", "Raised by", "Assessor", "Learner", "Unit", "What to do", "Set on", "Due on", "Answered on",
    "Closed on", "Closed by", "Status", "Days overdue",
]


def actions_csv(membership: Membership, params: Mapping[str, Any]) -> bytes:
    today = timezone.localdate()
    rows = []
    for a in actions_in_log(membership, params):
        rows.append([
            f"A-{a.pk}", a.get_source_display(), a.raised_by.full_name, a.owner.full_name,
            a.enrolment.learner.full_name if a.enrolment_id else "", a.unit.number if a.unit_id else "", a.text,
            timezone.localtime(a.created_at).date(), a.due_on,
            timezone.localtime(a.responded_at).date() if a.responded_at else "",
            timezone.localtime(a.closed_at).date() if a.closed_at else "",
            a.closed_by.full_name if a.closed_by_id else "", action_state(a, today), days_overdue(a, today),
        ])
    return csv_bytes(ACTIONS_CSV_HEADER, rows)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "—"


def iqa_summary(membership: Membership, params: Mapping[str, Any]) -> dict[str, Any]:
    """§4.9 of the domain note, as far as Attest holds the data, for the learners in the member's
    scope on one qualification, over one period."""
    qualification = Qualification.objects.get(pk=params["qualification"])
    start, end = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
    tz = timezone.get_current_timezone()
    from datetime import datetime, time

    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    enrolments = access.enrolments_in_scope(membership).filter(qualification=qualification)
    enrolment_ids = list(enrolments.values_list("pk", flat=True))
    active = Enrolment.objects.filter(pk__in=enrolment_ids, start_date__lte=end).filter(
        Q(status=Enrolment.Status.ACTIVE) | Q(planned_end_date__gte=start)).count()
    decisions = Decision.objects.filter(enrolment_id__in=enrolment_ids, signed_at__gte=since, signed_at__lt=until)
    decided_units = set(decisions.values_list("enrolment_id", "criterion__unit_id").distinct())
    samples = Sample.objects.filter(enrolment_id__in=enrolment_ids, signed_at__gte=since, signed_at__lt=until)
    sample_rows = list(samples.values_list("enrolment_id", "unit_id", "stage", "outcome", "plan_item_id", "assessor_id"))
    stages = Counter(stage for _, _, stage, _, _, _ in sample_rows)
    outcomes = Counter(outcome for _, _, _, outcome, _, _ in sample_rows)
    sampled_learners = {e for e, *_ in sample_rows}
    sampled_units = {(e, u) for e, u, *_ in sample_rows}
    agreed = outcomes[Sample.Outcome.AGREE] + outcomes[Sample.Outcome.AGREE_WITH_ADVICE]
    actions = Action.objects.filter(centre_id=membership.centre_id, enrolment_id__in=enrolment_ids)
    today = timezone.localdate()
    open_actions = actions.exclude(status=Action.Status.CLOSED)
    assessor_ids = set(Enrolment.assessors.through.objects.filter(enrolment_id__in=enrolment_ids)
                       .values_list("user_id", flat=True))
    observations = access.observations_visible(membership).filter(
        assessor_id__in=assessor_ids, observed_on__gte=start, observed_on__lte=end).count()
    last_meeting = access.meetings_visible(membership).filter(
        Q(qualification=qualification) | Q(qualification__isnull=True) | Q(unit__qualification=qualification),
        held_on__lte=end).aggregate(last=Max("held_on"))["last"]
    sign_offs = UnitSignOff.objects.filter(enrolment_id__in=enrolment_ids, signed_at__gte=since, signed_at__lt=until).count()
    # Per assessor: decisions and samples, agreement.
    per_decisions = Counter(dict(decisions.values("signed_by_id").annotate(n=Count("id")).values_list("signed_by_id", "n")))
    per_samples: dict[int, Counter] = defaultdict(Counter)
    for _, _, stage, outcome, _, assessor in sample_rows:
        per_samples[assessor]["samples"] += 1
        per_samples[assessor][stage] += 1
        per_samples[assessor]["agreed"] += outcome in (Sample.Outcome.AGREE, Sample.Outcome.AGREE_WITH_ADVICE)
    people = dict(Membership.objects.filter(centre_id=membership.centre_id,
                                            user_id__in=set(per_decisions) | set(per_samples))
                  .values_list("user_id", "user__full_name"))
    assessors = sorted(
        ({"name": people.get(uid, "Former member"), "decisions": per_decisions.get(uid, 0),
          "samples": per_samples[uid]["samples"], "interim": per_samples[uid][Stage.INTERIM],
          "summative": per_samples[uid][Stage.SUMMATIVE],
          "agreement": _percent(per_samples[uid]["agreed"], per_samples[uid]["samples"])}
         for uid in set(per_decisions) | set(per_samples)),
        key=lambda row: row["name"],
    )
    figures = [
        ("Learners active", active),
        ("Decisions made", decisions.count()),
        ("Units signed off", sign_offs),
        ("Samples signed: interim", stages[Stage.INTERIM]),
        ("Samples signed: summative", stages[Stage.SUMMATIVE]),
        ("Samples outside a plan", sum(1 for row in sample_rows if row[4] is None)),
        ("Learners sampled", f"{len(sampled_learners)} of {active} ({_percent(len(sampled_learners), active)})"),
        ("Units sampled (of units with decisions in the period)",
         f"{len(sampled_units & decided_units)} of {len(decided_units)} ({_percent(len(sampled_units & decided_units), len(decided_units))})"),
        ("Agreement rate", _percent(agreed, len(sample_rows))),
        ("Referrals (disagreed)", outcomes[Sample.Outcome.DISAGREE]),
        ("Actions not closed", open_actions.count()),
        ("Actions overdue", open_actions.filter(due_on__lt=today).count()),
        ("Observations of practice done", observations),
        ("Last standardisation meeting", last_meeting.strftime("%d %b %Y") if last_meeting else "None recorded"),
    ]
    return {"qualification": qualification, "start": start, "end": end, "figures": figures,
            "assessors": assessors, "title": "IQA summary",
            "scope_note": "" if access.sees_all(membership) else
            "Counts the learners of the assessors allocated to you and those naming you as IQA."}

