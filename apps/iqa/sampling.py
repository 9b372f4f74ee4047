"""Samples: starting one (from a plan item, outside any plan, or as the follow-up of a
disagreement), saving it as the IQA goes, signing it, adding an addendum; and what the sample
page shows.

Starting freezes a snapshot of the unit as it stood: its decisions (who made them, provisional
or countersigned), the evidence versions behind them with their files' SHA-256, the sign-offs,
acknowledgements and declarations. Its SHA-256 over a canonical JSON is kept with the sample;
the page compares the unit as it is now with the snapshot and says what changed since.

Each write is one transaction with its audit event; a signed sample never changes (an addendum
with a reason corrects it).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.assessment import services as assessment_services
from apps.assessment.models import Decision, Mapping, UnitSignOff
from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.centres.models import Membership
from apps.core.signatures import signature_or_problem
from apps.evidence.models import EvidenceFile, EvidenceVersion
from apps.learners.access import assessor_ids
from apps.learners.models import Enrolment
from apps.notifications.services import notify
from apps.qualifications.models import Unit
from apps.records.models import Observation, ProfessionalDiscussion, Questioning, WitnessRequest

from . import access, checks, signals
from .actions import action_set
from .models import Action, PlanItem, Sample, SampleAddendum, Stage

SNAPSHOT_FORMAT = 1
MAX_ACTIONS = 3

# --- the snapshot ------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def canonical(snapshot: dict) -> bytes:
    """The one byte string a snapshot hashes to: sorted keys, no spaces, UTF-8."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def snapshot_sha256(snapshot: dict) -> str:
    return hashlib.sha256(canonical(snapshot)).hexdigest()


def unit_snapshot(enrolment: Enrolment, unit: Unit) -> dict:
    """The unit as it stands: decisions, the versions behind them (and behind the unit's mappings)
    with their files' hashes, each piece of evidence's latest shared version, the sign-offs.
    Six queries, whatever the number of records."""
    decisions = list(
        Decision.objects.filter(enrolment=enrolment, criterion__unit=unit)
        .select_related("criterion", "countersignature").order_by("id")
    )
    version_ids = {d.version_id for d in decisions} | set(
        Mapping.objects.filter(enrolment=enrolment, criterion__unit=unit).values_list("version_id", flat=True)
    )
    versions = list(
        EvidenceVersion.objects.filter(pk__in=version_ids).select_related("evidence")
        .prefetch_related(Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("file")))
        .order_by("evidence_id", "number")
    )
    sign_offs = list(
        UnitSignOff.objects.filter(enrolment=enrolment, unit=unit)
        .select_related("reopening", "acknowledgement").order_by("signed_at", "id")
    )
    # The latest sign-off is in force unless it was reopened (or suspended).
    in_force = sign_offs[-1] if sign_offs and _reopening(sign_offs[-1]) is None else None
    return {
        "format": SNAPSHOT_FORMAT,
        "enrolment": enrolment.pk,
        "unit": unit.pk,
        "decisions": [
            {
                "id": d.pk, "criterion": d.criterion_id, "criterion_number": d.criterion.number,
                "outcome": d.outcome, "provisional": d.provisional, "version": d.version_id,
                "supersedes": d.supersedes_id, "signed_by": d.signed_by_id, "signed_name": d.signed_name,
                "signed_at": _iso(d.signed_at),
                "countersigned_by": _countersigner(d),
            }
            for d in decisions
        ],
        "versions": [
            {
                "id": v.pk, "evidence": v.evidence_id, "number": v.number, "title": v.title, "method": v.method,
                "evidence_date": _iso(v.evidence_date), "submitted_at": _iso(v.submitted_at),
                "declared_name": v.declared_name,
                "files": [{"id": f.file_id, "name": f.file.original_name, "sha256": f.file.sha256}
                          for f in v.evidence_files.all()],
            }
            for v in versions
        ],
        "latest_versions": {str(v.evidence_id): v.evidence.shared_version_id for v in versions},
        "sign_offs": [
            {
                "id": s.pk, "signed_by": s.signed_by_id, "signed_name": s.signed_name, "signed_at": _iso(s.signed_at),
                "reopened": _reopening(s) is not None,
                "acknowledged_by": a.signed_name if (a := _acknowledgement(s)) else None,
                "acknowledged_at": _iso(a.signed_at) if a else None,
            }
            for s in sign_offs
        ],
        "sign_off_in_force": in_force.pk if in_force else None,
    }


def _countersigner(decision: Decision) -> dict | None:
    from apps.assessment.facts import _countersignature

    c = _countersignature(decision)
    return {"id": c.signed_by_id, "name": c.signed_name, "at": _iso(c.signed_at)} if c else None


def _reopening(sign_off: UnitSignOff):
    from apps.assessment.facts import _reopening as reopening

    return reopening(sign_off)


def _acknowledgement(sign_off: UnitSignOff):
    from apps.assessment.facts import _acknowledgement as acknowledgement

    return acknowledgement(sign_off)


def snapshot_changes(then: dict, now: dict) -> list[str]:
    """What changed in the unit between the snapshot and now, in words (pure)."""
    changes: list[str] = []
    old = {d["id"]: d for d in then.get("decisions", [])}
    titles = {v["evidence"]: v["title"] for v in then.get("versions", []) + now.get("versions", [])}
    for d in now.get("decisions", []):
        if d["id"] in old:
            if d.get("countersigned_by") and not old[d["id"]].get("countersigned_by"):
                changes.append(f"The decision on {d['criterion_number']} was countersigned after the sample started.")
            continue
        made = (d.get("signed_at") or "")[:10]
        if d.get("supersedes") in old:
            changes.append(f"The decision on {d['criterion_number']} was corrected on {made}: now "
                           f"{_outcome_words(d['outcome'])}.")
        else:
            changes.append(f"A new decision on {d['criterion_number']} was made on {made}: "
                           f"{_outcome_words(d['outcome'])}.")
    old_files = {v["id"]: {f["sha256"] for f in v.get("files", [])} for v in then.get("versions", [])}
    for v in now.get("versions", []):
        if v["id"] in old_files and {f["sha256"] for f in v.get("files", [])} != old_files[v["id"]]:
            changes.append(f"The files of “{v['title']}” (version {v['number']}) are not those sampled.")
    for evidence, latest in now.get("latest_versions", {}).items():
        before = then.get("latest_versions", {}).get(evidence)
        if evidence in then.get("latest_versions", {}) and latest != before:
            changes.append(f"A new version of “{titles.get(int(evidence), 'the evidence')}” was submitted.")
        elif evidence not in then.get("latest_versions", {}):
            changes.append(f"“{titles.get(int(evidence), 'New evidence')}” was added to the unit.")
    old_sign_offs = {s["id"]: s for s in then.get("sign_offs", [])}
    for s in now.get("sign_offs", []):
        if s["id"] not in old_sign_offs:
            changes.append(f"The unit was signed off again on {(s.get('signed_at') or '')[:10]} by {s['signed_name']}.")
        elif s.get("reopened") and not old_sign_offs[s["id"]].get("reopened"):
            changes.append("The unit's sign-off was reopened or suspended.")
    return changes


def _outcome_words(outcome: str) -> str:
    return dict(Decision.Outcome.choices).get(outcome, outcome).lower()


# --- starting a sample ---------------------------------------------------------------------------


def _signers(snapshot: dict) -> set[int]:
    ids = {d["signed_by"] for d in snapshot["decisions"]}
    ids |= {d["countersigned_by"]["id"] for d in snapshot["decisions"] if d.get("countersigned_by")}
    return ids | {s["signed_by"] for s in snapshot["sign_offs"]}


def _main_assessor(snapshot: dict) -> int | None:
    """Whose decisions these are: the signer of most of the unit's decisions (the latest on a tie)."""
    counts = Counter(d["signed_by"] for d in snapshot["decisions"])
    if not counts:
        return None
    latest = {d["signed_by"]: d["id"] for d in snapshot["decisions"]}
    return max(counts, key=lambda user: (counts[user], latest[user]))


def _lock(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().select_related("learner", "centre").get(pk=enrolment.pk)


def _start(
    *, actor: Any, membership: Membership, enrolment: Enrolment, unit: Unit, stage: str, assessor_id: int | None = None,
    plan_item: PlanItem | None = None, unplanned_reason: str = "", follow_up_of: Sample | None = None,
    focus: dict | None = None, ticked: list[int] | None = None,
) -> Sample:
    """The checks every start shares, and the sample with its frozen snapshot."""
    if unit.qualification_id != enrolment.qualification_id:
        raise ValidationError("This unit is not part of the learner's qualification.")
    snapshot = _check_may_sample(membership, enrolment, unit)
    if not snapshot["decisions"]:
        raise ValidationError(f"Unit {unit.number} has no decisions yet: there is nothing to sample.")
    if stage not in Stage.values:
        raise ValidationError("Choose interim or summative.")
    if stage == Stage.SUMMATIVE and follow_up_of is None and snapshot["sign_off_in_force"] is None:
        raise ValidationError(f"Unit {unit.number} is not signed off: sample it as interim, or wait for the sign-off.")
    if focus:
        snapshot["focus"] = focus
    sample = Sample.objects.create(
        centre=enrolment.centre, plan_item=plan_item, unplanned_reason=unplanned_reason.strip(),
        follow_up_of=follow_up_of, enrolment=enrolment, unit=unit, stage=stage,
        assessor_id=assessor_id or _main_assessor(snapshot), iqa=actor, snapshot=snapshot,
        snapshot_sha256=snapshot_sha256(snapshot),
    )
    if ticked:
        sample.decisions_sampled.set([pk for pk in ticked if pk in {d["id"] for d in snapshot["decisions"]}])
    audit_record(
        action="iqa.sample_started", actor=actor, centre=enrolment.centre, obj=sample,
        payload={"enrolment": enrolment.pk, "unit": unit.number, "stage": stage, "plan_item": plan_item.pk if plan_item else None,
                 "follow_up_of": follow_up_of.pk if follow_up_of else None, "reason": sample.unplanned_reason,
                 "decisions": len(snapshot["decisions"]), "snapshot_sha256": sample.snapshot_sha256},
    )
    return sample


def _check_may_sample(membership: Membership, enrolment: Enrolment, unit: Unit) -> dict:
    """The learner is in the IQA's scope and the unit holds none of their own work, as it stands
    now (checked at the start and again at every save and at signing: an allocation may have
    ended, or the IQA decided in the unit since). Returns the unit's snapshot as it is now."""
    if not access.enrolments_in_scope(membership).filter(pk=enrolment.pk).exists():
        raise PermissionDenied("This learner is not among those whose decisions you sample.")
    snapshot = unit_snapshot(enrolment, unit)
    refusal = access.sampling_refusal(
        membership, enrolment, assessor_ids=set(assessor_ids(enrolment)), decision_signer_ids=_signers(snapshot)
    )
    if refusal:
        raise ValidationError(refusal)
    return snapshot


def _open_sample(actor: Any, **match: Any) -> Sample | None:
    """The actor's own unsigned sample of the same thing (a second click opens it, not a copy)."""
    return Sample.objects.filter(iqa=actor, signed_at__isnull=True, **match).order_by("-id").first()


@transaction.atomic
def sample_start_for_item(*, actor: Any, item: PlanItem) -> Sample:
    """Sample a plan item: the item goes in progress."""
    item = PlanItem.objects.select_for_update(of=("self",)).select_related("plan", "unit").get(pk=item.pk)
    membership = access.require_plan_item_sampler(actor, item)
    if (existing := _open_sample(actor, plan_item=item)) is not None:
        return existing
    if item.status not in (PlanItem.Status.PLANNED, PlanItem.Status.IN_PROGRESS):
        raise ValidationError(f"This item of the plan is {item.get_status_display().lower()}: there is nothing to start.")
    if Sample.objects.filter(plan_item=item, signed_at__isnull=True).exists():
        raise ValidationError("Another internal quality assurer is already sampling this item.")
    enrolment = _lock(item.enrolment)
    sample = _start(actor=actor, membership=membership, enrolment=enrolment, unit=item.unit, stage=item.stage,
                    assessor_id=item.assessor_id, plan_item=item)
    item.status = PlanItem.Status.IN_PROGRESS
    item.save(update_fields=["status"])
    return sample


@transaction.atomic
def sample_start_unplanned(*, actor: Any, enrolment: Enrolment, unit: Unit, stage: str, reason: str) -> Sample:
    """A sample outside any plan (a concern, a complaint): the reason is required; such samples
    are counted apart."""
    enrolment = _lock(enrolment)
    membership = access.require_sampler(actor, enrolment.centre_id)
    if not reason.strip():
        raise ValidationError("Say why you are sampling outside the plan: a concern, a complaint, a request.")
    if (existing := _open_sample(actor, enrolment=enrolment, unit=unit, plan_item__isnull=True,
                                 follow_up_of__isnull=True)) is not None:
        return existing
    return _start(actor=actor, membership=membership, enrolment=enrolment, unit=unit, stage=stage,
                  unplanned_reason=reason)


@transaction.atomic
def sample_start_follow_up(*, actor: Any, action: Action) -> Sample:
    """Re-sample exactly what answers an action: a follow-up of the disagreeing sample whose
    snapshot holds the response's decision (ticked already) or evidence version."""
    action = Action.objects.select_for_update(of=("self",)).select_related("sample", "unit").get(pk=action.pk)
    membership = membership_for(actor, action.centre_id)
    if not access.may_follow_up(membership, action):
        raise PermissionDenied("Only the IQA who set this action, or the lead IQA, re-samples the work.")
    original = action.sample
    if original is None or action.enrolment_id is None or action.unit_id is None:
        raise ValidationError("This action was not raised by a sample: there is no sample to follow up.")
    if (existing := _open_sample(actor, follow_up_of=original)) is not None:
        return existing
    if action.status != Action.Status.RESPONDED:
        raise ValidationError("The assessor has not answered this action yet: re-sample once they have.")
    enrolment = _lock(action.enrolment)
    ticked = [action.response_decision_id] if action.response_decision_id else list(
        Decision.objects.filter(version_id=action.response_version_id, criterion__unit_id=action.unit_id)
        .values_list("pk", flat=True)
    )
    # The re-check the plan holds for this referral (apps/iqa/plans.py adds one), if any, goes in progress.
    item = (
        PlanItem.objects.select_for_update(of=("self",)).select_related("plan")
        .filter(enrolment=enrolment, unit_id=action.unit_id, reason=PlanItem.Reason.FOLLOW_UP,
                status=PlanItem.Status.PLANNED, plan__iqa=actor).order_by("id").first()
    )
    sample = _start(
        actor=actor, membership=membership, enrolment=enrolment, unit=action.unit, stage=original.stage,
        assessor_id=action.owner_id, follow_up_of=original, ticked=ticked, plan_item=item,
        focus={"action": action.pk, "decision": action.response_decision_id, "version": action.response_version_id},
    )
    if item is not None:
        item.status = PlanItem.Status.IN_PROGRESS
        item.save(update_fields=["status"])
    return sample


# --- filling it in and signing ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActionDraft:
    text: str
    due_on: date | None


@dataclass
class SampleEntry:
    """What the IQA entered on the sample page."""

    decision_ids: list[int] = field(default_factory=list)
    varcs: dict = field(default_factory=dict)
    process: dict = field(default_factory=dict)
    outcome: str = ""
    feedback: str = ""
    actions: list[ActionDraft] = field(default_factory=list)


def is_trainees(sample: Sample) -> bool:
    """Some decisions in the snapshot were a trainee's (provisional when made): the
    countersignature check applies."""
    return any(d.get("provisional") for d in sample.snapshot.get("decisions", []))


def draft_actions(sample: Sample) -> list[ActionDraft]:
    rows = sample.draft_actions or []
    return [ActionDraft(r.get("text", ""), date.fromisoformat(r["due_on"]) if r.get("due_on") else None) for r in rows]


def _actions_of(entry: SampleEntry) -> tuple[list[ActionDraft], list[str]]:
    kept, problems = [], []
    for n, a in enumerate(entry.actions, start=1):
        if not a.text.strip() and a.due_on is None:
            continue
        if not a.text.strip():
            problems.append(f"Action {n}: say what the assessor must do.")
        if a.due_on is None:
            problems.append(f"Action {n}: give the date it is due.")
        elif a.due_on < timezone.localdate():
            problems.append(f"Action {n}: the due date cannot be in the past.")
        kept.append(a)
    if len(kept) > MAX_ACTIONS:
        problems.append(f"Set at most {MAX_ACTIONS} actions in one sample.")
    return kept, problems


def _apply(sample: Sample, entry: SampleEntry) -> tuple[list[ActionDraft], list[str]]:
    """Check what was entered against the snapshot and the rules of a save; put it on the sample
    (not saved). Returns the actions entered and every problem."""
    in_snapshot = {d["id"]: d for d in sample.snapshot.get("decisions", [])}
    problems = []
    if set(entry.decision_ids) - set(in_snapshot):
        problems.append("Tick only decisions of this sample: the page may be out of date, open it again.")
    varcs = checks.parse(entry.varcs, checks.VARCS)
    process = checks.parse(entry.process, checks.PROCESS)
    problems += checks.save_errors(varcs=varcs, process=process, outcome=entry.outcome, trainee=is_trainees(sample))
    actions, action_problems = _actions_of(entry)
    problems += action_problems
    sample.varcs = varcs
    sample.process_checks = process
    sample.draft_actions = [{"text": a.text.strip(), "due_on": _iso(a.due_on)} for a in actions]
    sample.outcome = entry.outcome
    sample.feedback = entry.feedback.strip()
    versions = {v["id"]: v["method"] for v in sample.snapshot.get("versions", [])}
    ticked = [pk for pk in dict.fromkeys(entry.decision_ids) if pk in in_snapshot]
    sample.methods_seen = sorted({versions[in_snapshot[pk]["version"]] for pk in ticked
                                  if in_snapshot[pk]["version"] in versions})
    return actions, problems


def _locked_sample(sample: Sample, actor: Any) -> Sample:
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    if sample.signed_at is not None:
        raise ValidationError("This sample is signed and cannot change: add an addendum with your reason instead.")
    access.require_sample_worker(actor, sample)
    _check_may_sample(membership_for(actor, sample.centre_id), sample.enrolment, sample.unit)
    return sample


@transaction.atomic
def sample_save(*, sample: Sample, actor: Any, entry: SampleEntry) -> Sample:
    """Keep what the IQA has entered so far (checks may be unanswered; what is answered must be right)."""
    sample = _locked_sample(sample, actor)
    _, problems = _apply(sample, entry)
    if problems:
        raise ValidationError(problems)
    sample.save(update_fields=["varcs", "process_checks", "draft_actions", "outcome", "feedback", "methods_seen"])
    sample.decisions_sampled.set(list(dict.fromkeys(entry.decision_ids)))
    audit_record(action="iqa.sample_saved", actor=actor, centre=sample.centre, obj=sample,
                 payload={"decisions": len(entry.decision_ids), "outcome": sample.outcome})
    return sample


@transaction.atomic
def sample_sign(*, sample: Sample, actor: Any, entry: SampleEntry, signed_name: str, ip_address: str | None) -> Sample:
    """Sign the sample: every check answered, an outcome, feedback where it is advice or a
    disagreement, an action where it is a disagreement. From now on it never changes.

    A disagreement suspends the unit's sign-off (if it is signed off) and sets the actions; the
    plan item is done; the assessor is told."""
    sample = _locked_sample(sample, actor)
    actions, problems = _apply(sample, entry)
    trainee = is_trainees(sample)
    problems += [p for p in checks.sign_errors(
        varcs=sample.varcs, process=sample.process_checks,
        outcome=sample.outcome, feedback=sample.feedback, trainee=trainee,
        decisions_sampled=len(set(entry.decision_ids)), actions=len(actions),
    ) if p not in problems]
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    if problems:
        raise ValidationError(problems)
    enrolment = _lock(sample.enrolment)
    unit = sample.unit
    now = timezone.now()
    sample.draft_actions = []
    sample.signed_by, sample.signed_name, sample.signed_at, sample.signed_ip = actor, signed_name, now, ip_address
    sample.save()
    sample.decisions_sampled.set(list(dict.fromkeys(entry.decision_ids)))
    assessor = sample.assessor
    set_actions = [
        action_set(actor=actor, centre=sample.centre, source=Action.Source.SAMPLE, owner=assessor, text=a.text,
                   due_on=a.due_on, sample=sample, enrolment=enrolment, unit=unit)
        for a in actions
    ]
    suspended = None
    if sample.outcome == Sample.Outcome.DISAGREE:
        suspended = assessment_services.unit_sign_off_suspend(
            enrolment=enrolment, unit=unit, actor=actor, signed_name=signed_name, ip_address=ip_address
        )
    if sample.plan_item_id is not None:
        PlanItem.objects.filter(pk=sample.plan_item_id).exclude(status=PlanItem.Status.DROPPED).update(
            status=PlanItem.Status.DONE
        )
    audit_record(
        action="iqa.sample_signed", actor=actor, centre=sample.centre, obj=sample, ip_address=ip_address,
        payload={"outcome": sample.outcome, "unit": unit.number, "enrolment": enrolment.pk, "stage": sample.stage,
                 "decisions": len(set(entry.decision_ids)), "actions": [a.pk for a in set_actions],
                 "sign_off_suspended": suspended is not None, "snapshot_sha256": sample.snapshot_sha256,
                 "signed_name": signed_name},
    )
    words = sample.get_outcome_display().lower()
    notify(
        recipients=[assessor], centre=sample.centre, exclude=actor,
        subject=f"Your decisions in unit {unit.number} for {enrolment.learner.full_name} were sampled: {words}",
        body=sample.feedback + ("\n\nThe unit's sign-off is suspended while you review these decisions."
                                if suspended else ""),
        url=reverse("iqa_sample", args=[sample.pk]),
    )
    if sample.outcome == Sample.Outcome.DISAGREE:
        signals.referral_raised.send(sender=Sample, sample=sample)
    signals.quality_facts_changed.send(sender=Sample, centre_id=sample.centre_id, assessor_id=assessor.pk,
                                       reason="sample_signed")
    return sample


@transaction.atomic
def sample_addendum(*, sample: Sample, actor: Any, reason: str, text: str, signed_name: str) -> SampleAddendum:
    """Correct or add to a signed sample: a new signed row with the reason; the sample stays as signed."""
    sample = Sample.objects.select_for_update(of=("self",)).select_related("assessor", "unit", "enrolment__learner").get(pk=sample.pk)
    access.require_addendum_writer(actor, sample)
    problems = []
    if not reason.strip():
        problems.append("Give the reason for the addendum: it is kept with the sample.")
    if not text.strip():
        problems.append("Write what the addendum corrects or adds.")
    signed_name = signature_or_problem(signed_name, actor.full_name, problems)
    if problems:
        raise ValidationError(problems)
    addendum = SampleAddendum.objects.create(sample=sample, reason=reason.strip(), text=text.strip(), signed_by=actor,
                                             signed_name=signed_name)
    audit_record(action="iqa.sample_addendum", actor=actor, centre=sample.centre, obj=sample,
                 payload={"addendum": addendum.pk, "reason": addendum.reason, "signed_name": signed_name})
    notify(recipients=[sample.assessor], centre=sample.centre, exclude=actor,
           subject=f"An addendum to the sample of unit {sample.unit.number} for {sample.enrolment.learner.full_name}",
           body=f"{addendum.reason}\n\n{addendum.text}", url=reverse("iqa_sample", args=[sample.pk]))
    return addendum


# --- what the pages show -----------------------------------------------------------------------------


@dataclass
class SampledDecision:
    row: dict  # the snapshot's
    decision: Decision | None
    criterion_text: str
    superseded_now: bool  # corrected since the snapshot (a later decision points at it)
    focus: bool  # the decision an assessor's response points at (a follow-up sample)


@dataclass
class SampledVersion:
    version: EvidenceVersion
    files: list[EvidenceFile]
    record: tuple[str, Any] | None  # ("observation", row), ... the assessment record behind it
    decisions: list[SampledDecision]


@dataclass
class CheckLine:
    check: checks.Check
    answer: str
    comment: str
    applies: bool


@dataclass
class SamplePage:
    sample: Sample
    versions: list[SampledVersion]
    decisions: list[SampledDecision]
    sign_offs: list[UnitSignOff]
    changes: list[str]
    varcs: list[CheckLine]
    process: list[CheckLine]
    trainee: bool
    ticked: set[int]
    addenda: list[SampleAddendum]
    actions: list[Action]
    follow_ups: list[Sample]
    drafts: list[ActionDraft]

    @property
    def sign_off_in_force(self) -> UnitSignOff | None:
        pk = self.sample.snapshot.get("sign_off_in_force")
        return next((s for s in self.sign_offs if s.pk == pk), None)


def _records_by_version(version_ids: list[int]) -> dict[int, tuple[str, Any]]:
    """The assessment record behind each version (four queries whatever the number)."""
    out: dict[int, tuple[str, Any]] = {}
    for kind, model in (("observation", Observation), ("questioning", Questioning),
                        ("discussion", ProfessionalDiscussion), ("witness", WitnessRequest)):
        for row in model.objects.filter(version_id__in=version_ids).select_related("version"):
            out[row.version_id] = (kind, row)
    return out


def sample_page(sample: Sample) -> SamplePage:
    """Everything the sample page shows, in a fixed number of queries whatever the unit holds."""
    snapshot = sample.snapshot
    rows = snapshot.get("decisions", [])
    focus = (snapshot.get("focus") or {}).get("decision")
    decisions = {
        d.pk: d for d in Decision.objects.filter(pk__in=[r["id"] for r in rows])
        .select_related("criterion", "countersignature")
    }
    corrected = set(
        Decision.objects.filter(supersedes_id__in=[r["id"] for r in rows]).values_list("supersedes_id", flat=True)
    )
    lines = [
        SampledDecision(row=r, decision=decisions.get(r["id"]),
                        criterion_text=decisions[r["id"]].criterion.text if r["id"] in decisions else "",
                        superseded_now=r["id"] in corrected, focus=r["id"] == focus)
        for r in rows
    ]
    version_ids = [v["id"] for v in snapshot.get("versions", [])]
    versions = {
        v.pk: v for v in EvidenceVersion.objects.filter(pk__in=version_ids)
        .prefetch_related(Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("file")))
    }
    records = _records_by_version(version_ids)
    shown = [
        SampledVersion(version=versions[pk], files=list(versions[pk].evidence_files.all()), record=records.get(pk),
                       decisions=[line for line in lines if line.row["version"] == pk])
        for pk in version_ids if pk in versions
    ]
    sign_offs = list(
        UnitSignOff.objects.filter(enrolment_id=sample.enrolment_id, unit_id=sample.unit_id)
        .select_related("reopening", "acknowledgement").order_by("signed_at", "id")
    )
    trainee = is_trainees(sample)

    def check_lines(group: tuple[checks.Check, ...], answers: dict) -> list[CheckLine]:
        return [CheckLine(check=c, answer=(answers.get(c.key) or {}).get("answer", ""),
                          comment=(answers.get(c.key) or {}).get("comment", ""), applies=trainee or not c.trainee_only)
                for c in group]

    return SamplePage(
        sample=sample, versions=shown, decisions=lines, sign_offs=sign_offs,
        changes=snapshot_changes(snapshot, unit_snapshot(sample.enrolment, sample.unit)),
        varcs=check_lines(checks.VARCS, sample.varcs or {}), process=check_lines(checks.PROCESS, sample.process_checks or {}),
        trainee=trainee, ticked=set(sample.decisions_sampled.values_list("pk", flat=True)),
        addenda=list(sample.addenda.all()),
        actions=list(sample.actions.select_related("owner").order_by("due_on", "id")),
        follow_ups=list(sample.follow_ups.order_by("started_at")),
        drafts=draft_actions(sample),
    )


def samples_listed(membership: Membership | None, *, limit: int = 50) -> dict[str, list[Sample]]:
    """The samples page: the member's own samples in progress, and the latest signed ones they may read."""
    visible = access.samples_visible(membership).select_related("enrolment__learner", "unit", "assessor", "iqa")
    mine: QuerySet[Sample] = visible.none()
    if membership is not None:
        mine = visible.filter(iqa_id=membership.user_id, signed_at__isnull=True).order_by("started_at")
    return {
        "in_progress": list(mine[:limit]),
        "signed": list(visible.filter(signed_at__isnull=False).order_by("-signed_at", "-id")[:limit]),
    }


def units_to_sample(enrolment: Enrolment) -> list[Unit]:
    """The units of the learner's qualification that have decisions (what can be sampled)."""
    unit_ids = Decision.objects.filter(enrolment=enrolment).values("criterion__unit_id")
    return list(Unit.objects.filter(pk__in=unit_ids).order_by("position").defer("search", "summary"))
