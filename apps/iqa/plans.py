"""Sampling plans: the facts a plan is generated from (a fixed number of bulk queries, whatever
the number of learners), generating and regenerating a plan, adding and dropping items by hand,
and the reads the plan pages and the IQA's home make (readiness computed in the query).

Regeneration keeps every item done, in progress or added by hand; a planned item the strategy
no longer asks for is dropped with the reason "replanned: <why>", never deleted.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.assessment.models import Countersignature, Decision, UnitSignOff
from apps.audit.services import audit_record
from apps.centres.access import membership_for
from apps.centres.models import IQAAllocation, Membership
from apps.learners.models import Enrolment, PlannedUnit
from apps.qualifications.models import Unit

from . import access, planning
from . import rules as rules_module
from .models import AssessorProfile, Band, PlanItem, Sample, SamplingPlan, SamplingStrategy, Stage
from .strategies import strategies_in_force

NO_STRATEGY = ("There is no approved sampling strategy yet, and a plan is generated from one. Draft a strategy "
               "on the Sampling strategy page and ask the lead IQA to approve it.")
MANUAL_KINDS = (PlanItem.Reason.MANUAL, PlanItem.Reason.CONCERN, PlanItem.Reason.EQA_REQUEST)
OPEN = (PlanItem.Status.PLANNED, PlanItem.Status.IN_PROGRESS)


# --- strategies in force ------------------------------------------------------------------------


def _period_months(strategies: dict[int | None, SamplingStrategy]) -> int:
    """The centre default's period, else the shortest of the qualifications' strategies."""
    if None in strategies:
        return strategies[None].rules["period_months"]
    return min(s.rules["period_months"] for s in strategies.values())


# --- the facts ----------------------------------------------------------------------------------


@dataclass
class Gathered:
    """The facts of one IQA's plan, one set per strategy in force."""

    by_strategy: dict[int, planning.Facts] = field(default_factory=dict)
    strategies: dict[int, SamplingStrategy] = field(default_factory=dict)
    left_out: int = 0  # learners on a qualification no approved strategy covers


def gather(*, centre_id: int, iqa_id: int, period: tuple[date, date], strategies: dict[int | None, SamplingStrategy],
           kept: list[planning.Kept], today: date | None = None) -> Gathered:
    """Everything generation needs, in a fixed number of queries (about fifteen), whatever the
    number of learners and decisions: aggregates in SQL, never a query per learner."""
    today = today or timezone.localdate()
    allocated = set(IQAAllocation.objects.filter(centre_id=centre_id, iqa_id=iqa_id).values_list("assessor_id", flat=True))
    enrolments = Enrolment.objects.filter(centre_id=centre_id, status=Enrolment.Status.ACTIVE).filter(
        Q(iqa_id=iqa_id) | Q(assessors__in=allocated)
    )
    ids = enrolments.values("pk")
    rows = list(enrolments.distinct().values_list("pk", "qualification_id", "planned_end_date", "learner__user_id",
                                                  "iqa_id"))
    assessors_of: dict[int, list[int]] = defaultdict(list)
    for enrolment_id, user_id in Enrolment.assessors.through.objects.filter(enrolment_id__in=ids).order_by(
        "user_id"
    ).values_list("enrolment_id", "user_id"):
        assessors_of[enrolment_id].append(user_id)
    named = {pk for pk, _, _, _, iqa in rows if iqa == iqa_id}
    candidates = set(allocated) | {a for pk in named for a in assessors_of[pk]}
    candidates.discard(iqa_id)
    trainee = dict(Membership.objects.filter(
        centre_id=centre_id, user_id__in=candidates, is_active=True, is_assessor=True
    ).values_list("user_id", "is_trainee_assessor"))
    bands = dict(AssessorProfile.objects.filter(centre_id=centre_id, assessor_id__in=trainee).values_list(
        "assessor_id", "band"))
    # An assessor without a profile yet counts as high risk: nothing is known of them.
    assessors = tuple(planning.Assessor(a, bands.get(a, Band.HIGH.value), trainee[a]) for a in sorted(trainee))

    planned: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, unit_id in PlannedUnit.objects.filter(enrolment_id__in=ids).values_list("enrolment_id", "unit_id"):
        planned[enrolment_id].add(unit_id)
    signers: dict[tuple[int, int], set[int]] = defaultdict(set)
    latest: dict[tuple[int, int], list[tuple[Any, int]]] = defaultdict(list)
    for enrolment_id, unit_id, signer, last in (
        Decision.objects.filter(enrolment_id__in=ids).values("enrolment_id", "criterion__unit_id", "signed_by_id")
        .annotate(last=Max("signed_at")).values_list("enrolment_id", "criterion__unit_id", "signed_by_id", "last")
    ):
        signers[(enrolment_id, unit_id)].add(signer)
        latest[(enrolment_id, unit_id)].append((last, signer))
    for enrolment_id, unit_id, signer in Countersignature.objects.filter(decision__enrolment_id__in=ids).values_list(
        "decision__enrolment_id", "decision__criterion__unit_id", "signed_by_id"
    ).distinct():
        signers[(enrolment_id, unit_id)].add(signer)
    methods: dict[tuple[int, int], set[str]] = defaultdict(set)
    for enrolment_id, unit_id, method in Decision.objects.filter(enrolment_id__in=ids).values_list(
        "enrolment_id", "criterion__unit_id", "version__method"
    ).distinct():
        methods[(enrolment_id, unit_id)].add(method)
    trainees = [a.id for a in assessors if a.trainee]
    first: dict[int, dict[int, int]] = defaultdict(dict)  # enrolment -> unit -> trainee
    if trainees:
        for signer, unit_id, enrolment_id in (
            Decision.objects.filter(centre_id=centre_id, signed_by_id__in=trainees)
            .order_by("signed_by_id", "criterion__unit_id", "signed_at", "id")
            .distinct("signed_by_id", "criterion__unit_id")
            .values_list("signed_by_id", "criterion__unit_id", "enrolment_id")
        ):
            first[enrolment_id][unit_id] = signer
    signed_off: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, unit_id in UnitSignOff.objects.filter(enrolment_id__in=ids, reopening__isnull=True).values_list(
        "enrolment_id", "unit_id"
    ):
        signed_off[enrolment_id].add(unit_id)
    scope_ids = [a.id for a in assessors]
    last_summative = {
        (a, u): last.date() if hasattr(last, "date") else last
        for a, u, last in Sample.objects.filter(
            centre_id=centre_id, assessor_id__in=scope_ids, stage=Stage.SUMMATIVE, signed_at__isnull=False
        ).values("assessor_id", "unit_id").annotate(last=Max("signed_at")).values_list("assessor_id", "unit_id", "last")
    }
    sampled = frozenset(Sample.objects.filter(centre_id=centre_id, enrolment_id__in=ids).values_list(
        "enrolment_id", flat=True).distinct())
    longest = max((s.rules["summative_per_assessor_unit_months"] for s in strategies.values()), default=12)
    seen: dict[int, set[str]] = defaultdict(set)
    for assessor_id, seen_methods in Sample.objects.filter(
        centre_id=centre_id, assessor_id__in=scope_ids, signed_at__isnull=False,
        signed_at__date__gte=today - timedelta(days=31 * longest),
    ).values_list("assessor_id", "methods_seen"):
        seen[assessor_id].update(m for m in seen_methods or [] if isinstance(m, str))

    decided_units: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, unit_id in latest:
        decided_units[enrolment_id].add(unit_id)
    groups: dict[int, list[planning.Learner]] = defaultdict(list)
    result = Gathered()
    for pk, qualification_id, planned_end, learner_user, _ in rows:
        strategy = strategies.get(qualification_id) or strategies.get(None)
        if strategy is None:
            result.left_out += 1
            continue
        units_decided = frozenset(decided_units[pk])
        owner: dict[int, int] = {}
        for unit in units_decided:
            ranked = sorted(latest[(pk, unit)], reverse=True)
            ours = [s for _, s in ranked if s in assessors_of[pk]]
            owner[unit] = ours[0] if ours else ranked[0][1]
        groups[strategy.pk].append(planning.Learner(
            enrolment_id=pk, assessor_ids=tuple(assessors_of[pk]), planned_end=planned_end,
            learner_user_id=learner_user, units_in_play=frozenset(planned[pk]) | units_decided,
            units_with_decisions=units_decided, signed_off_units=frozenset(signed_off[pk]),
            signers={u: frozenset(signers[(pk, u)]) for u in units_decided},
            unit_assessor=owner, trainee_first=dict(first.get(pk, {})),
            unit_methods={u: frozenset(methods[(pk, u)]) for u in units_decided},
        ))
    kept_by_enrolment: dict[int, list[planning.Kept]] = defaultdict(list)
    for k in kept:
        kept_by_enrolment[k.enrolment_id].append(k)
    by_pk = {s.pk: s for s in strategies.values()}
    for strategy_pk, learners in groups.items():
        result.strategies[strategy_pk] = by_pk[strategy_pk]
        result.by_strategy[strategy_pk] = planning.Facts(
            iqa_id=iqa_id, today=today, period_start=period[0], period_end=period[1], assessors=assessors,
            learners=tuple(learners), last_summative=last_summative, sampled_learners=sampled,
            methods_seen={a: frozenset(m) for a, m in seen.items()},
            kept=tuple(k for lr in learners for k in kept_by_enrolment.get(lr.enrolment_id, [])),
        )
    return result


# --- generating -----------------------------------------------------------------------------------


@dataclass
class Generated:
    plan: SamplingPlan
    created: bool
    added: int
    kept: int
    dropped: int
    left_out: int


def _lock_plan(plan: SamplingPlan) -> SamplingPlan:
    return SamplingPlan.objects.select_for_update().get(pk=plan.pk)


def plan_generate(*, actor: Any, centre: Any, period_start: date | None = None, seed: int | None = None) -> Generated:
    """Generate the IQA's plan for a period (the current one by default) from the strategy in
    force, or regenerate it if it exists (keeping what is done, in progress or added by hand).
    With no approved strategy, nothing is saved and the message says where to make one."""
    membership = access.require_plan_maker(actor, centre.pk)
    strategies = strategies_in_force(centre.pk)
    problems = []
    if not strategies:
        problems.append(NO_STRATEGY)
    today = timezone.localdate()
    if seed is not None and not 0 <= seed < 2**63:
        problems.append("The seed must be a whole number from 0 upwards.")
    if period_start is not None and period_start > today + timedelta(days=366):
        problems.append("Plans are made for a period starting within the next twelve months.")
    if problems:
        raise ValidationError(problems)
    months = _period_months(strategies)
    period = (planning.period_from(period_start, months) if period_start
              else planning.period_containing(today, months))
    with transaction.atomic():
        # One generation at a time per IQA: two first clicks would both create the period's plan.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        plan = SamplingPlan.objects.select_for_update().filter(
            centre_id=centre.pk, iqa_id=membership.user_id, period_start=period[0]).first()
        overlapping = SamplingPlan.objects.filter(
            centre_id=centre.pk, iqa_id=membership.user_id, period_start__lte=period[1], period_end__gte=period[0],
        ).exclude(period_start=period[0]).order_by("period_start").first()
        if plan is None and overlapping is not None:
            raise ValidationError(
                f"You already have a plan for {overlapping.period_start:%-d %b %Y} to {overlapping.period_end:%-d %b %Y}, "
                f"which overlaps {period[0]:%-d %b %Y} to {period[1]:%-d %b %Y}: open that plan, or start the new one "
                f"after it ends."
            )
        created = plan is None
        if created:
            plan = SamplingPlan.objects.create(
                centre_id=centre.pk, iqa_id=membership.user_id, period_start=period[0], period_end=period[1],
                seed=seed if seed is not None else secrets.randbelow(2**31), created_by=actor,
            )
        else:
            access.require_plan_editor(actor, plan)
            if seed is not None:
                plan.seed = seed
        return _regenerate(plan, actor=actor, why="generated again by the IQA", strategies=strategies,
                           created=created)


def plan_regenerate(*, plan: SamplingPlan, why: str, actor: Any = None) -> Generated:
    """Regenerate an active plan because the facts changed (called by receivers: `actor` None
    is Attest itself). Call inside the transaction of the change."""
    with transaction.atomic():
        plan = _lock_plan(plan)
        if plan.status != SamplingPlan.Status.ACTIVE:
            raise ValidationError("Only an active plan is regenerated.")
        strategies = strategies_in_force(plan.centre_id)
        if not strategies:
            raise ValidationError(NO_STRATEGY)
        return _regenerate(plan, actor=actor, why=why, strategies=strategies, created=False)


def _kept(plan: SamplingPlan) -> tuple[list[PlanItem], list[PlanItem]]:
    """The plan's live items: those regeneration keeps, and the planned ones it may replace."""
    kept, replaceable = [], []
    for item in PlanItem.objects.filter(plan=plan).exclude(status=PlanItem.Status.DROPPED):
        if item.manual or item.status != PlanItem.Status.PLANNED:
            kept.append(item)
        else:
            replaceable.append(item)
    return kept, replaceable


def _regenerate(plan: SamplingPlan, *, actor: Any, why: str, strategies: dict[int | None, SamplingStrategy],
                created: bool) -> Generated:
    kept_items, replaceable = _kept(plan)
    kept = [planning.Kept(i.enrolment_id, i.unit_id, i.stage, i.assessor_id, tuple(i.methods)) for i in kept_items]
    gathered = gather(centre_id=plan.centre_id, iqa_id=plan.iqa_id, period=(plan.period_start, plan.period_end),
                      strategies=strategies, kept=kept)
    specs: dict[tuple[int, int, str], planning.ItemSpec] = {}
    for strategy_pk, facts in sorted(gathered.by_strategy.items()):
        rules = rules_module.parse(gathered.strategies[strategy_pk].rules)
        for spec in planning.generate(rules, facts, plan.seed):
            specs.setdefault(spec.key, spec)
    now = timezone.now()
    current = {(i.enrolment_id, i.unit_id, i.stage): i for i in replaceable}
    to_drop = [i.pk for key, i in current.items() if key not in specs]
    changed = []
    for key, item in current.items():
        spec = specs.get(key)
        if spec is None:
            continue
        fields = {"assessor_id": spec.assessor_id, "methods": list(spec.methods), "due_from": spec.due_from,
                  "due_by": spec.due_by, "reason": spec.reason, "reason_detail": spec.reason_detail, "rule": spec.rule}
        if any(getattr(item, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(item, k, v)
            changed.append(item)
    if to_drop:
        PlanItem.objects.filter(pk__in=to_drop).update(
            status=PlanItem.Status.DROPPED, dropped_reason=f"replanned: {why}"[:1000], dropped_at=now,
            dropped_by=actor if getattr(actor, "pk", None) else None,
        )
    if changed:
        PlanItem.objects.bulk_update(changed, ["assessor_id", "methods", "due_from", "due_by", "reason",
                                               "reason_detail", "rule"])
    new = [
        PlanItem(centre_id=plan.centre_id, plan=plan, enrolment_id=s.enrolment_id, unit_id=s.unit_id,
                 assessor_id=s.assessor_id, stage=s.stage, methods=list(s.methods), due_from=s.due_from,
                 due_by=s.due_by, reason=s.reason, reason_detail=s.reason_detail, rule=s.rule, created_at=now)
        for key, s in specs.items() if key not in current
    ]
    PlanItem.objects.bulk_create(new, batch_size=1000)
    plan.generation += 1
    plan.generated_at = now
    plan.strategies = {str(s.qualification_id or "default"): s.pk for s in gathered.strategies.values()}
    plan.save(update_fields=["generation", "generated_at", "strategies", "seed"])
    audit_record(
        action="iqa.plan_generated" if created else "iqa.plan_regenerated", actor=actor, centre=plan.centre,
        obj=plan, payload={"period": f"{plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}", "seed": plan.seed,
                           "added": len(new), "kept": len(kept_items) + len(specs) - len(new), "dropped": len(to_drop),
                           "why": why, "left_out": gathered.left_out},
    )
    return Generated(plan=plan, created=created, added=len(new), kept=len(kept_items) + len(specs) - len(new),
                     dropped=len(to_drop), left_out=gathered.left_out)


def plans_covering(*, centre_id: int, assessor_id: int) -> QuerySet[SamplingPlan]:
    """Active plans, not yet over, of the IQA the assessor is allocated to or holding their items."""
    iqas = IQAAllocation.objects.filter(centre_id=centre_id, assessor_id=assessor_id).values("iqa_id")
    with_items = PlanItem.objects.filter(centre_id=centre_id, assessor_id=assessor_id).values("plan_id")
    return SamplingPlan.objects.filter(
        Q(iqa_id__in=iqas) | Q(pk__in=with_items), centre_id=centre_id, status=SamplingPlan.Status.ACTIVE,
        period_end__gte=timezone.localdate(),
    ).order_by("pk")


# --- adding and dropping by hand --------------------------------------------------------------------


def _unit_owner(enrolment: Enrolment, unit: Unit) -> int | None:
    """The assessor whose work the unit is: the latest of the learner's assessors to decide in
    it, else their first assessor."""
    assessors = set(enrolment.assessors.values_list("pk", flat=True))
    for signer in Decision.objects.filter(enrolment=enrolment, criterion__unit=unit).order_by(
        "-signed_at", "-id"
    ).values_list("signed_by_id", flat=True):
        if signer in assessors:
            return signer
    return min(assessors) if assessors else None


def plan_item_add(*, actor: Any, plan: SamplingPlan, enrolment: Enrolment | None, unit_number: str, stage: str,
                  kind: str, reason: str) -> PlanItem:
    """Add one sample to a plan by hand, with a reason (kept when the plan is regenerated)."""
    access.require_plan_editor(actor, plan)
    problems: list[str] = []
    reason = (reason or "").strip()
    if kind not in MANUAL_KINDS:
        problems.append("Say why it is added: by your choice, a concern raised, or an EQA request.")
    if not reason:
        problems.append("Give the reason for adding this sample.")
    if stage not in Stage.values:
        problems.append("Choose interim or summative.")
    unit = None
    iqa_membership = membership_for(plan.iqa, plan.centre_id)
    if enrolment is None or not access.enrolments_in_scope(iqa_membership).filter(pk=enrolment.pk).exists():
        problems.append("Choose a learner whose assessment this plan's IQA quality-assures.")
        enrolment = None
    elif enrolment.status != Enrolment.Status.ACTIVE:
        problems.append("That learner's enrolment is no longer active.")
    if enrolment is not None:
        unit = Unit.objects.filter(qualification_id=enrolment.qualification_id, number=(unit_number or "").strip()).first()
        if unit is None:
            problems.append(f"{enrolment.learner.full_name}'s qualification has no unit numbered "
                            f"“{(unit_number or '').strip()}”.")
    if problems:
        raise ValidationError(problems)
    signers = set(Decision.objects.filter(enrolment=enrolment, criterion__unit=unit).values_list("signed_by_id", flat=True))
    signers |= set(Countersignature.objects.filter(decision__enrolment=enrolment, decision__criterion__unit=unit)
                   .values_list("signed_by_id", flat=True))
    refusal = access.sampling_refusal(iqa_membership, enrolment, assessor_ids=set(
        enrolment.assessors.values_list("pk", flat=True)), decision_signer_ids=signers)
    if refusal:
        raise ValidationError(refusal)
    assessor_id = _unit_owner(enrolment, unit)
    if assessor_id is None:
        raise ValidationError("This learner has no assessor yet: there is no decision to sample.")
    with transaction.atomic():
        plan = _lock_plan(plan)
        if PlanItem.objects.filter(plan=plan, enrolment=enrolment, unit=unit, stage=stage).exclude(
            status=PlanItem.Status.DROPPED
        ).exists():
            raise ValidationError(f"The plan already has a {Stage(stage).label.lower()} sample of unit {unit.number} "
                                  f"for {enrolment.learner.full_name}.")
        today = timezone.localdate()
        item = PlanItem.objects.create(
            centre_id=plan.centre_id, plan=plan, enrolment=enrolment, unit=unit, assessor_id=assessor_id, stage=stage,
            due_from=min(max(today, plan.period_start), plan.period_end), due_by=plan.period_end, reason=kind,
            reason_detail=reason[:300], manual=True, added_by=actor, added_reason=reason,
        )
        audit_record(action="iqa.plan_item_added", actor=actor, centre=plan.centre, obj=item, payload={
            "plan": plan.pk, "learner": enrolment.learner.full_name, "unit": unit.number, "stage": stage,
            "kind": kind, "reason": reason})
    return item


def plan_item_drop(*, actor: Any, item: PlanItem, reason: str) -> PlanItem:
    """Drop a planned sample, with a reason. Samples done or under way are never dropped."""
    access.require_plan_editor(actor, item.plan)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason for dropping this sample.")
    with transaction.atomic():
        item = PlanItem.objects.select_for_update().select_related("plan", "unit", "enrolment__learner").get(pk=item.pk)
        if item.status != PlanItem.Status.PLANNED:
            raise ValidationError(f"Only a planned sample is dropped; this one is {item.get_status_display().lower()}.")
        item.status = PlanItem.Status.DROPPED
        item.dropped_by = actor
        item.dropped_reason = reason
        item.dropped_at = timezone.now()
        item.save(update_fields=["status", "dropped_by", "dropped_reason", "dropped_at"])
        audit_record(action="iqa.plan_item_dropped", actor=actor, centre=item.plan.centre, obj=item, payload={
            "plan": item.plan_id, "learner": item.enrolment.learner.full_name, "unit": item.unit.number,
            "stage": item.stage, "reason": reason})
    return item


def follow_up_add(*, sample: Sample) -> PlanItem | None:
    """After a disagreeing sample: a summative re-check of the same learner, unit and assessor in
    the plan the sample came from (else the IQA's active plan for today). A planned item of the
    same learner and unit becomes the follow-up; one done or under way is kept, and the re-check
    takes the interim place instead. None when no plan holds it."""
    plan = sample.plan_item.plan if sample.plan_item_id else (
        SamplingPlan.objects.filter(centre_id=sample.centre_id, iqa_id=sample.iqa_id, status=SamplingPlan.Status.ACTIVE,
                                    period_start__lte=timezone.localdate(), period_end__gte=timezone.localdate())
        .first())
    if plan is None or plan.status != SamplingPlan.Status.ACTIVE:
        return None
    detail = f"Re-check after the disagreeing sample S-{sample.pk}."
    live = {i.stage: i for i in PlanItem.objects.select_for_update().filter(
        plan=plan, enrolment_id=sample.enrolment_id, unit_id=sample.unit_id).exclude(status=PlanItem.Status.DROPPED)}
    today = timezone.localdate()
    for stage in (Stage.SUMMATIVE, Stage.INTERIM):
        item = live.get(stage)
        if item is None:
            return PlanItem.objects.create(
                centre_id=plan.centre_id, plan=plan, enrolment_id=sample.enrolment_id, unit_id=sample.unit_id,
                assessor_id=sample.assessor_id, stage=stage, due_from=min(max(today, plan.period_start), plan.period_end),
                due_by=plan.period_end, reason=PlanItem.Reason.FOLLOW_UP, reason_detail=detail, manual=True,
                added_reason=detail,
            )
        if item.status == PlanItem.Status.PLANNED:
            item.reason, item.reason_detail, item.manual, item.added_reason = (
                PlanItem.Reason.FOLLOW_UP, detail, True, detail)
            item.save(update_fields=["reason", "reason_detail", "manual", "added_reason"])
            return item
    return None


# --- reads -----------------------------------------------------------------------------------------


def with_readiness(items: QuerySet[PlanItem]) -> QuerySet[PlanItem]:
    """Items with `ready` (a summative item when the unit has an active sign-off, an interim one
    when the unit has judged criteria) and `ready_since`, computed in the query: ready first,
    the longest waiting first."""
    sign_offs = UnitSignOff.objects.filter(enrolment_id=OuterRef("enrolment_id"), unit_id=OuterRef("unit_id"),
                                           reopening__isnull=True)
    decided = Decision.objects.filter(enrolment_id=OuterRef("enrolment_id"), criterion__unit_id=OuterRef("unit_id"))
    return items.annotate(
        signed_off=Exists(sign_offs), judged=Exists(decided),
    ).annotate(
        ready=Case(When(stage=Stage.SUMMATIVE, then=F("signed_off")), default=F("judged"), output_field=BooleanField()),
        ready_since=Case(
            When(stage=Stage.SUMMATIVE, then=Subquery(sign_offs.order_by("signed_at").values("signed_at")[:1])),
            default=Subquery(decided.order_by("signed_at").values("signed_at")[:1]),
        ),
    ).order_by(F("ready").desc(), F("ready_since").asc(nulls_last=True), "due_by", "id")


def with_latest_sample(items: QuerySet[PlanItem]) -> QuerySet[PlanItem]:
    latest = Sample.objects.filter(plan_item=OuterRef("pk")).order_by("-started_at", "-id")
    return items.annotate(
        sample_id=Subquery(latest.values("pk")[:1]), sample_outcome=Subquery(latest.values("outcome")[:1]),
        sample_signed_at=Subquery(latest.values("signed_at")[:1]),
        sample_signed_name=Subquery(latest.values("signed_name")[:1]),
        sample_started_at=Subquery(latest.values("started_at")[:1]),
    )


@dataclass
class AssessorGroup:
    assessor: Any
    band: str
    band_label: str
    items: list[PlanItem]  # the first ones shown (all of them for one assessor's full list)
    total: int = 0
    ready_total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)

    @property
    def high_risk(self) -> bool:
        return self.band == Band.HIGH


@dataclass
class PlanPage:
    plan: SamplingPlan
    strategies: list[SamplingStrategy]
    groups: list[AssessorGroup]
    dropped: list[PlanItem]
    counts: dict[str, int]


SHOWN_PER_ASSESSOR = 10
DROPPED_SHOWN = 100


def plan_page(plan: SamplingPlan, *, items: QuerySet[PlanItem] | None = None,
              strategies: QuerySet[SamplingStrategy] | None = None, assessor_id: int | None = None,
              shown: int = SHOWN_PER_ASSESSOR) -> PlanPage:
    """The plan's items grouped by assessor (with their band), ready first and oldest first in
    each group, the first `shown` of each (every item of `assessor_id`'s when given); dropped
    items apart. `items` and `strategies` are what the reader may see (access.plan_items_visible,
    access.strategies_visible): an EQA reads only their learners' items of a plan that also holds
    others'. The cut and the counts are made in the database: five queries whatever the plan's
    size (a plan for a whole college has tens of thousands of items)."""
    items = (PlanItem.objects.all() if items is None else items).filter(plan=plan)
    live = with_readiness(items.exclude(status=PlanItem.Status.DROPPED))
    per_assessor = {
        row["assessor_id"]: row for row in live.order_by().values("assessor_id").annotate(
            total=Count("id"), ready_total=Count("id", filter=Q(ready=True, status__in=OPEN)),
            done=Count("id", filter=Q(status=PlanItem.Status.DONE)),
            in_progress=Count("id", filter=Q(status=PlanItem.Status.IN_PROGRESS)),
        )
    }
    chosen = live.filter(assessor_id=assessor_id) if assessor_id is not None else live.annotate(
        rank=Window(RowNumber(), partition_by=[F("assessor_id")],
                    order_by=[F("ready").desc(), F("ready_since").asc(nulls_last=True), F("due_by"), F("id")]),
    ).filter(rank__lte=shown)
    first = list(with_latest_sample(chosen.select_related(
        "enrolment__learner", "enrolment__qualification", "unit", "assessor")))
    in_force = (SamplingStrategy.objects.all() if strategies is None else strategies).filter(
        pk__in=[v for v in plan.strategies.values() if isinstance(v, int)])
    strategies_shown = list(in_force.select_related("qualification").order_by("qualification_id", "version"))
    bands = dict(AssessorProfile.objects.filter(centre_id=plan.centre_id, assessor_id__in=list(per_assessor))
                 .values_list("assessor_id", "band"))
    grouped: dict[int, list[PlanItem]] = defaultdict(list)
    for item in first:
        grouped[item.assessor_id].append(item)
    groups = []
    for assessor, its in grouped.items():
        band = bands.get(assessor, Band.HIGH.value)
        counted = per_assessor[assessor]
        groups.append(AssessorGroup(its[0].assessor, band, Band(band).label, its, counted["total"],
                                    counted["ready_total"]))
    groups.sort(key=lambda g: (g.assessor.full_name.lower(), g.assessor.pk))
    dropped = items.filter(status=PlanItem.Status.DROPPED).select_related(
        "enrolment__learner", "unit", "assessor", "dropped_by").order_by("-dropped_at", "-id")
    dropped_shown = list(dropped[:DROPPED_SHOWN])
    counts = {
        "total": sum(row["total"] for row in per_assessor.values()),
        "ready": sum(row["ready_total"] for row in per_assessor.values()),
        "done": sum(row["done"] for row in per_assessor.values()),
        "in_progress": sum(row["in_progress"] for row in per_assessor.values()),
        "dropped": len(dropped_shown) if len(dropped_shown) < DROPPED_SHOWN else dropped.count(),
    }
    return PlanPage(plan, strategies_shown, groups, dropped_shown, counts)


def ready_items(membership: Membership | None, *, limit: int = 5) -> tuple[list[PlanItem], int]:
    """The IQA's own planned samples that are ready, the longest waiting first, and how many
    there are: for the IQA home (two queries)."""
    if not access.may_make_plan(membership):
        return [], 0
    qs = with_readiness(PlanItem.objects.filter(
        plan__centre_id=membership.centre_id, plan__iqa_id=membership.user_id, plan__status=SamplingPlan.Status.ACTIVE,
        status__in=OPEN,
    ).select_related("enrolment__learner", "unit", "assessor", "plan")).filter(ready=True)
    return list(qs[:limit]), qs.count()


@dataclass
class IQAHome:
    ready: list[PlanItem]
    ready_total: int
    links: list[tuple[str, str]]  # (address, words): the IQA pages, those that exist


# The IQA's pages, linked from their home once each exists (the areas land one by one).
HOME_LINKS = (
    ("iqa_plans", "Your sampling plans: generate one for this period, add or drop samples"),
    ("iqa_coverage", "Coverage: are all assessors, units and learners covered?"),
    ("iqa_people", "Assessors, their risk bands and allocations"),
    ("iqa_strategies", "The centre's sampling strategy"),
)


def iqa_home(membership: Membership | None) -> IQAHome:
    """The IQA section of the home page: ready samples (the longest waiting first) and links."""
    ready, total = ready_items(membership)
    links = []
    for name, words in HOME_LINKS:
        try:
            links.append((reverse(name), words))
        except NoReverseMatch:
            continue
    return IQAHome(ready, total, links)


def enrolment_choices(plan: SamplingPlan) -> list[tuple[str, str]]:
    """Learners the plan's IQA may add to the plan: one query."""
    membership = membership_for(plan.iqa, plan.centre_id)
    return [
        (str(pk), f"{name} · {number}")
        for pk, name, number in access.enrolments_in_scope(membership).filter(status=Enrolment.Status.ACTIVE)
        .order_by("learner__full_name", "pk").values_list("pk", "learner__full_name", "qualification__number")
    ]


def enrolment_for_adding(plan: SamplingPlan, pk: Any) -> Enrolment | None:
    try:
        return Enrolment.objects.select_related("learner").get(pk=int(pk), centre_id=plan.centre_id)
    except (TypeError, ValueError, Enrolment.DoesNotExist):
        return None
