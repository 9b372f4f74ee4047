"""The claim gate: is a learner's signed-off unit cleared by internal quality assurance?

`unit_clearance` is the one selector the claim pages call (and the coverage page shows on its
learner × unit cells). It answers for every signed-off (enrolment, unit) of the enrolments given,
in a fixed number of queries whatever their number, and says why in words:

- **cleared**, sampled: the unit's latest summative sample was signed "agree" or "agree, with
  advice", no later sample of the unit disagreed, and no action on it is open or answered;
- **cleared**, not sampled: the plan of the sign-off's period covers the assessor and did not
  select this unit, and the strategy does not demand it ("not sampled — covered by plan P-7,
  rule medium risk: 50 % of learners, 25 % of units"), and the learner has had at least one
  sample when the strategy samples every learner before claim;
- **not cleared**: an action on it is open or answered and not yet closed ("open IQA action"); the
  latest sample disagreed ("IQA disagreed: re-check pending"); a sample of it is planned or in
  progress, or it is a trainee's first decision in the unit ("awaiting IQA sample"); the learner
  has never been sampled though the strategy says every learner before claim; or no plan covers
  the assessor at the time of the sign-off ("no plan covers it").

It takes enrolment ids the caller has already scoped: it reads, it never decides who may see.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from apps.assessment.models import Decision, UnitSignOff
from apps.centres.models import IQAAllocation

from . import rules as strategy_rules
from .models import Action, AssessorProfile, Band, PlanItem, Sample, SamplingPlan, Stage
from .strategies import approved_strategies

AGREEING = {Sample.Outcome.AGREE, Sample.Outcome.AGREE_WITH_ADVICE}
OPEN_ACTION = (Action.Status.OPEN, Action.Status.RESPONDED)
WAITING_ITEM = (PlanItem.Status.PLANNED, PlanItem.Status.IN_PROGRESS)


class State(enum.StrEnum):
    SAMPLED = "sampled"  # cleared by an agreeing summative sample
    COVERED = "covered"  # cleared by the plan's rules without a sample
    OPEN_ACTION = "open_action"
    DISAGREED = "disagreed"
    AWAITING_SAMPLE = "awaiting_sample"
    LEARNER_UNSAMPLED = "learner_unsampled"
    NO_PLAN = "no_plan"


@dataclass(frozen=True)
class Clearance:
    """Whether a signed-off unit may be claimed as far as IQA goes, and why, in words."""

    cleared: bool
    state: State
    reason: str
    sample_id: int | None = None
    plan_id: int | None = None
    rule: str = ""
    action_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def short(self) -> str:
        """A few words for a table cell."""
        return SHORT[self.state]


SHORT = {
    State.SAMPLED: "Cleared: sampled",
    State.COVERED: "Cleared: covered by plan",
    State.OPEN_ACTION: "Open IQA action",
    State.DISAGREED: "IQA disagreed",
    State.AWAITING_SAMPLE: "Awaiting IQA sample",
    State.LEARNER_UNSAMPLED: "Learner not yet sampled",
    State.NO_PLAN: "No plan covers it",
}


# --- the strategy in force -------------------------------------------------------------------


@dataclass(frozen=True)
class InForce:
    """The approved strategy for a qualification (or the centre default), or the template's
    figures when the centre has approved none (strategy_id None)."""

    strategy_id: int | None
    rules: strategy_rules.Rules
    version: int = 0


TEMPLATE_RULES = strategy_rules.parse(strategy_rules.TEMPLATE)


def strategies_in_force(centre_ids: Iterable[int]) -> dict[tuple[int, int | None], InForce]:
    """Every approved strategy of these centres with its rules read, keyed (centre, qualification
    or None for the default), in one query."""
    found: dict[tuple[int, int | None], InForce] = {}
    for key, strategy in approved_strategies(centre_ids).items():
        try:
            parsed = strategy_rules.parse(strategy.rules)
        except ValueError:  # an approved strategy is validated on approval; never trust, never fail a page
            continue
        found[key] = InForce(strategy.pk, parsed, strategy.version)
    return found


def in_force_for(strategies: dict[tuple[int, int | None], InForce], centre_id: int, qualification_id: int) -> InForce:
    return (
        strategies.get((centre_id, qualification_id))
        or strategies.get((centre_id, None))
        or InForce(None, TEMPLATE_RULES)
    )


def rule_words(band: str, rules: strategy_rules.Rules) -> str:
    """The band's rule as the plan applied it: 'medium risk: 50 % of learners, 25 % of units'."""
    rule = rules.band(band)
    return (f"{strategy_rules.BAND_WORDS[band].lower()}: {rule.learner_share} % of learners, "
            f"{rule.unit_share} % of units")


def bands_of(centre_ids: Iterable[int], assessor_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """Each assessor's band at each centre; an assessor without a profile is high risk."""
    return {
        (row["centre_id"], row["assessor_id"]): row["band"]
        for row in AssessorProfile.objects.filter(centre_id__in=list(centre_ids), assessor_id__in=list(assessor_ids))
        .values("centre_id", "assessor_id", "band")
    }


# --- the gate --------------------------------------------------------------------------------


def _ref(day: date) -> str:
    return f"{day:%d %b %Y}".lstrip("0")


def unit_clearance(*, enrolment_ids: Iterable[int]) -> dict[tuple[int, int], Clearance]:
    """The IQA clearance of every signed-off (enrolment, unit) of these enrolments: the one
    selector the claim pages call. Nine queries whatever the number of enrolments."""
    ids = sorted(set(enrolment_ids))
    if not ids:
        return {}
    # The sign-offs in force (not reopened); the latest per unit counts.
    sign_offs: dict[tuple[int, int], dict] = {}
    for row in (
        UnitSignOff.objects.filter(enrolment_id__in=ids, reopening__isnull=True)
        .order_by("signed_at", "id")
        .values("enrolment_id", "unit_id", "signed_by_id", "signed_at", "enrolment__centre_id",
                "enrolment__qualification_id", "enrolment__iqa_id")
    ):
        sign_offs[(row["enrolment_id"], row["unit_id"])] = row
    if not sign_offs:
        return {}
    centre_ids = {row["enrolment__centre_id"] for row in sign_offs.values()}
    unit_ids = {unit for _, unit in sign_offs}
    assessor_ids = {row["signed_by_id"] for row in sign_offs.values()}

    samples_by_unit: dict[tuple[int, int], list[dict]] = defaultdict(list)
    sampled_learners: set[int] = set()
    for row in (
        Sample.objects.filter(enrolment_id__in=ids, signed_at__isnull=False)
        .order_by("signed_at", "id")
        .values("id", "enrolment_id", "unit_id", "stage", "outcome", "signed_at")
    ):
        samples_by_unit[(row["enrolment_id"], row["unit_id"])].append(row)
        sampled_learners.add(row["enrolment_id"])

    open_actions: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row in Action.objects.filter(
        Q(enrolment_id__in=ids) | Q(sample__enrolment_id__in=ids), status__in=OPEN_ACTION
    ).values("id", "enrolment_id", "unit_id", "sample__enrolment_id", "sample__unit_id"):
        enrolment = row["enrolment_id"] or row["sample__enrolment_id"]
        unit = row["unit_id"] or row["sample__unit_id"]
        if enrolment and unit:
            open_actions[(enrolment, unit)].append(row["id"])

    waiting: dict[tuple[int, int], int] = {}
    for row in PlanItem.objects.filter(enrolment_id__in=ids, status__in=WAITING_ITEM).values(
        "enrolment_id", "unit_id", "plan_id"
    ):
        waiting.setdefault((row["enrolment_id"], row["unit_id"]), row["plan_id"])

    # Which plans cover which assessor: the plan's IQA is allocated to them, or the plan has items
    # of theirs, or (for one learner) the plan's IQA is the learner's named IQA.
    plans = list(
        SamplingPlan.objects.filter(centre_id__in=centre_ids).values("id", "centre_id", "iqa_id", "period_start",
                                                                     "period_end")
    )
    allocated = {
        (row["centre_id"], row["assessor_id"]): row["iqa_id"]
        for row in IQAAllocation.objects.filter(centre_id__in=centre_ids, assessor_id__in=assessor_ids)
        .values("centre_id", "assessor_id", "iqa_id")
    }
    plan_assessors = {
        (row["plan_id"], row["assessor_id"])
        for row in PlanItem.objects.filter(plan__centre_id__in=centre_ids, assessor_id__in=assessor_ids)
        .values("plan_id", "assessor_id").distinct()
    }

    # A trainee's first decision in each unit is sampled whatever the rates (when the strategy says so).
    trainee_first = {
        (row["enrolment_id"], row["criterion__unit_id"])
        for row in Decision.objects.filter(centre_id__in=centre_ids, provisional=True, criterion__unit_id__in=unit_ids)
        .order_by("signed_by_id", "criterion__unit_id", "signed_at", "id")
        .distinct("signed_by_id", "criterion__unit_id")
        .values("enrolment_id", "criterion__unit_id")
    }

    strategies = strategies_in_force(centre_ids)
    bands = bands_of(centre_ids, assessor_ids)

    result: dict[tuple[int, int], Clearance] = {}
    for key, sign_off in sign_offs.items():
        result[key] = _clear(
            key, sign_off, samples=samples_by_unit.get(key, []), actions=open_actions.get(key, []),
            waiting_plan=waiting.get(key), trainee_first=key in trainee_first,
            learner_sampled=key[0] in sampled_learners, plans=plans, allocated=allocated,
            plan_assessors=plan_assessors, strategies=strategies, bands=bands,
        )
    return result


def _clear(
    key: tuple[int, int], sign_off: dict, *, samples: list[dict], actions: list[int], waiting_plan: int | None,
    trainee_first: bool, learner_sampled: bool, plans: list[dict], allocated: dict, plan_assessors: set,
    strategies: dict, bands: dict,
) -> Clearance:
    if actions:
        refs = ", ".join(f"A-{pk}" for pk in sorted(actions))
        return Clearance(False, State.OPEN_ACTION, f"Open IQA action ({refs}): it must be answered and closed first.",
                         action_ids=tuple(sorted(actions)))
    # The samples are in the order they were signed: a disagreement stands until a later
    # summative sample agrees (the re-check). An agreement counts only for the sign-off in force:
    # one signed before it looked at decisions that may since have been reopened and changed.
    last_disagree = max((i for i, s in enumerate(samples) if s["outcome"] == Sample.Outcome.DISAGREE), default=-1)
    last_agree = max((i for i, s in enumerate(samples)
                      if s["stage"] == Stage.SUMMATIVE and s["outcome"] in AGREEING
                      and s["signed_at"] >= sign_off["signed_at"]), default=-1)
    if last_disagree > last_agree:
        disagreed = samples[last_disagree]["id"]
        return Clearance(False, State.DISAGREED, f"IQA disagreed (sample S-{disagreed}): re-check pending.",
                         sample_id=disagreed)
    if last_agree >= 0:
        agreed = samples[last_agree]
        outcome = Sample.Outcome(agreed["outcome"]).label.lower()
        return Clearance(True, State.SAMPLED,
                         f"Sampled summatively (S-{agreed['id']}, {outcome}) on {_ref(timezone.localtime(agreed['signed_at']).date())}.",
                         sample_id=agreed["id"])
    if waiting_plan is not None:
        return Clearance(False, State.AWAITING_SAMPLE, f"Awaiting IQA sample: planned in plan P-{waiting_plan}.",
                         plan_id=waiting_plan)
    centre_id, assessor_id = sign_off["enrolment__centre_id"], sign_off["signed_by_id"]
    in_force = in_force_for(strategies, centre_id, sign_off["enrolment__qualification_id"])
    if trainee_first and in_force.rules.trainee_first_decision_per_unit:
        return Clearance(False, State.AWAITING_SAMPLE,
                         "Awaiting IQA sample: it holds a trainee's first decision in this unit.")
    on = timezone.localtime(sign_off["signed_at"]).date()
    covering = [
        plan for plan in plans
        if plan["centre_id"] == centre_id and plan["period_start"] <= on <= plan["period_end"]
        and (allocated.get((centre_id, assessor_id)) == plan["iqa_id"] or (plan["id"], assessor_id) in plan_assessors
             or plan["iqa_id"] == sign_off["enrolment__iqa_id"])
    ]
    if not covering:
        return Clearance(False, State.NO_PLAN, "No plan covers it: no sampling plan covered this assessor when the "
                                               "unit was signed off.")
    if in_force.rules.every_learner_before_claim and not learner_sampled:
        return Clearance(False, State.LEARNER_UNSAMPLED,
                         "The learner has not been sampled yet: the strategy samples every learner before claim.")
    plan = min(covering, key=lambda p: p["id"])
    rule = rule_words(bands.get((centre_id, assessor_id), Band.HIGH), in_force.rules)
    return Clearance(True, State.COVERED, f"Not sampled — covered by plan P-{plan['id']}, rule {rule}.",
                     plan_id=plan["id"], rule=rule)
