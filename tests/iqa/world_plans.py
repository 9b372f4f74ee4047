"""Permission rows of the plan pages (merged into tests/test_permissions.py).

In each centre of the world: an active plan with one planned sample of the learner's unit 1 (the
home centre's plan is the world IQA's). No approved strategy exists, so the IQA's empty generate
form answers with its message (200). The lead IQA's paths are in tests/iqa/test_plans.py."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.iqa.models import PlanItem, SamplingPlan
from tests.factories import MembershipFactory
from tests.permission_answers import LOGIN, answers, capability

READ = answers(404, iqa=200, admin=200, eqa=200, anonymous=LOGIN)
# The plan's IQA gets the form (an empty one answers with its errors); readers may not change it.
CHANGE = answers(404, iqa=200, admin=403, eqa=403, anonymous=LOGIN)

ROWS = {
    ("iqa_plans", "get"): capability("iqa", "admin", "eqa", "other_centre_admin"),
    ("iqa_plan_generate", "post"): capability("iqa"),
    ("iqa_plan", "get"): READ,
    ("iqa_plan_item_add", "get"): CHANGE,
    ("iqa_plan_item_add", "post"): CHANGE,
    ("iqa_plan_item_drop", "get"): CHANGE,
    ("iqa_plan_item_drop", "post"): CHANGE,
}


def _objects(o: dict, iqa) -> dict:
    enrolment = o["enrolment"]
    today = timezone.localdate()
    # A past period: the reports' world plan starts today, and a plan is one per IQA and period.
    plan = SamplingPlan.objects.create(centre=enrolment.centre, iqa=iqa, period_start=today - timedelta(days=365),
                                       period_end=today - timedelta(days=1), seed=3, created_by=iqa)
    item = PlanItem.objects.create(
        centre=enrolment.centre, plan=plan, enrolment=enrolment, unit=o["decision"].criterion.unit,
        assessor=o["decision"].signed_by, stage="summative", due_from=plan.period_start, due_by=plan.period_end,
        reason=PlanItem.Reason.RANDOM, reason_detail="Random pick (seed 3).", rule="bands.high.learner_share",
    )
    return {"plans_plan": plan, "plans_item": item}


def extend(users: dict, objects: dict) -> None:
    objects["home"] |= _objects(objects["home"], users["iqa"])
    elsewhere = objects["elsewhere"]["enrolment"].centre
    objects["elsewhere"] |= _objects(objects["elsewhere"], MembershipFactory(centre=elsewhere, is_iqa=True).user)


def args(name: str, o: dict) -> list | None:
    if name in ("iqa_plan", "iqa_plan_item_add"):
        return [o["plans_plan"].pk]
    if name == "iqa_plan_item_drop":
        return [o["plans_item"].pk]
    if name in ("iqa_plans", "iqa_plan_generate"):
        return []
    return None
