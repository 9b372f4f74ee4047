"""Permission rows of the sample and action pages (merged into tests/test_permissions.py).

In each centre of the world: a plan item of unit 1 (on a plan two years back, so it meets no
other area's plan), a signed disagreeing sample of the assessor's decision in unit 1, an unsigned
sample, and an open action the sample set for the assessor. In the home centre the world's IQA
took both samples and set the action. The world has no lead IQA: the lead's paths are in
tests/iqa/test_sampling.py and test_actions.py."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.iqa.models import Action, PlanItem, Sample, SampleAddendum, SamplingPlan
from apps.iqa.sampling import snapshot_sha256, unit_snapshot
from tests.factories import MembershipFactory
from tests.permission_answers import LOGIN, answers, capability

# Every assessor reads their own samples and actions; IQAs, admins and EQAs read what is in scope.
LISTS = capability("iqa", "admin", "eqa", "assessor", "trainee", "other_assessor", "other_centre_admin")
# The signed sample and the action: its IQA, the assessor whose decision it is, admins and EQAs.
READ = answers(404, iqa=200, admin=200, eqa=200, assessor=200, anonymous=LOGIN)
# Only the IQA who took the sample changes it; readers of the centre's quality assurance are refused.
WORK = {"admin": 403, "eqa": 403}
# A sample not signed yet is the IQA's working: an EQA reads signed samples only.
WORKING = {"admin": 403}

ROWS = {
    ("iqa_samples", "get"): LISTS,
    ("iqa_sample_new", "get"): capability("iqa"),
    ("iqa_sample_new", "post"): capability("iqa"),  # an empty choice: the first step again
    # The world's unit 1 is not signed off, so a summative item is refused in words (a redirect).
    ("iqa_sample_start_item", "post"): answers(404, iqa=302, **WORK, anonymous=LOGIN),
    ("iqa_sample", "get"): READ,
    ("iqa_sample_save", "post"): answers(404, iqa=302, **WORKING, anonymous=LOGIN),  # nothing entered yet: saved
    ("iqa_sample_sign", "post"): answers(404, iqa=200, **WORKING, anonymous=LOGIN),  # its problems, on the page
    ("iqa_sample_addendum", "post"): answers(404, iqa=200, assessor=403, **WORK, anonymous=LOGIN),
    # Not answered yet: refused in words, back to the action.
    ("iqa_sample_start_follow_up", "post"): answers(404, iqa=302, assessor=403, **WORK, anonymous=LOGIN),
    ("iqa_actions", "get"): LISTS,
    ("iqa_action", "get"): READ,
    ("iqa_action_respond", "post"): answers(404, assessor=200, iqa=403, **WORK, anonymous=LOGIN),
    ("iqa_action_close", "post"): answers(404, iqa=200, assessor=403, **WORK, anonymous=LOGIN),
    ("iqa_action_reopen", "post"): answers(404, iqa=200, assessor=403, **WORK, anonymous=LOGIN),
}


def _objects(o: dict, iqa) -> dict:
    enrolment = o["enrolment"]
    centre = enrolment.centre
    unit = o["decision"].criterion.unit
    assessor = o["decision"].signed_by
    today = timezone.localdate()
    plan = SamplingPlan.objects.create(centre=centre, iqa=iqa, period_start=today - timedelta(days=730),
                                       period_end=today - timedelta(days=366), seed=12, created_by=iqa)
    item = PlanItem.objects.create(
        centre=centre, plan=plan, enrolment=enrolment, unit=unit, assessor=assessor, stage="summative",
        due_from=plan.period_start, due_by=plan.period_end, reason=PlanItem.Reason.RANDOM,
    )
    snapshot = unit_snapshot(enrolment, unit)
    common = dict(centre=centre, enrolment=enrolment, unit=unit, assessor=assessor, iqa=iqa, stage="interim",
                  snapshot=snapshot, snapshot_sha256=snapshot_sha256(snapshot))
    signed = Sample.objects.create(**common, unplanned_reason="A concern", outcome=Sample.Outcome.DISAGREE,
                                   feedback="Not shown.", signed_by=iqa, signed_name=iqa.full_name,
                                   signed_at=timezone.now())
    SampleAddendum.objects.create(sample=signed, reason="A date was wrong", text="The sample was taken on the 3rd.",
                                  signed_by=iqa, signed_name=iqa.full_name)
    open_sample = Sample.objects.create(**common, unplanned_reason="A complaint")
    action = Action.objects.create(centre=centre, source=Action.Source.SAMPLE, sample=signed, enrolment=enrolment,
                                   unit=unit, owner=assessor, raised_by=iqa, text="Re-judge 1.1",
                                   due_on=today + timedelta(days=7))
    return {"samples_item": item, "samples_signed": signed, "samples_open": open_sample, "samples_action": action}


def extend(users: dict, objects: dict) -> None:
    objects["home"] |= _objects(objects["home"], users["iqa"])
    elsewhere = objects["elsewhere"]["enrolment"].centre
    objects["elsewhere"] |= _objects(objects["elsewhere"], MembershipFactory(centre=elsewhere, is_iqa=True).user)


def args(name: str, o: dict) -> list | None:
    if name in ("iqa_samples", "iqa_sample_new", "iqa_actions"):
        return []
    if name == "iqa_sample_start_item":
        return [o["samples_item"].pk]
    if name in ("iqa_sample", "iqa_sample_addendum"):
        return [o["samples_signed"].pk]
    if name in ("iqa_sample_save", "iqa_sample_sign"):
        return [o["samples_open"].pk]
    if name in ("iqa_action", "iqa_action_respond", "iqa_action_close", "iqa_action_reopen",
                "iqa_sample_start_follow_up"):
        return [o["samples_action"].pk]
    return None
