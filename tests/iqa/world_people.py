"""Permission rows of the people and strategy pages (merged into tests/test_permissions.py).

In each centre of the world: the trainee's profile (the trainee is allocated to the world's IQA
in the home centre) and a draft strategy. The world has no lead IQA: their paths are tested in
tests/iqa/test_profiles.py and test_strategy.py."""

from __future__ import annotations

from django.db.models import Max

from apps.centres.models import IQAAllocation, Membership
from apps.iqa.models import SamplingStrategy
from apps.iqa.profiles import profile_for
from apps.iqa.rules import TEMPLATE
from tests.permission_answers import LOGIN, answers, capability

# Read by IQAs (their allocated assessors), the lead IQA, admins and EQAs (the assessors of the
# learners their grant covers); changed by the IQA allocated to the assessor (or the lead); 404 for
# everyone without the quality pages.
READ = answers(404, iqa=200, admin=200, eqa=200, anonymous=LOGIN)
CHANGE_FORM = answers(404, iqa=200, admin=403, eqa=403, anonymous=LOGIN)  # an empty form: its errors, 200
# The world's strategy is a draft: the IQAs' work, which an EQA does not see.
DRAFT = answers(404, iqa=200, admin=200, anonymous=LOGIN)
DRAFT_CHANGE = answers(404, iqa=200, admin=403, anonymous=LOGIN)
QUALITY_READERS = capability("iqa", "admin", "eqa", "other_centre_admin")

ROWS = {
    ("iqa_people", "get"): QUALITY_READERS,
    # Who samples whom across the centre; an EQA reads each covered assessor's IQA on the register.
    ("iqa_allocations", "get"): capability("admin", "other_centre_admin"),
    ("iqa_allocations", "post"): answers(403),  # the lead IQA only: there is none in the world
    ("iqa_profile", "get"): READ,
    ("iqa_profile", "post"): CHANGE_FORM,
    ("iqa_profile_qualified", "post"): CHANGE_FORM,
    ("iqa_profile_override", "post"): CHANGE_FORM,
    ("iqa_profile_override_end", "post"): answers(404, iqa=302, admin=403, eqa=403, anonymous=LOGIN),
    ("iqa_strategies", "get"): QUALITY_READERS,
    ("iqa_strategy_new", "post"): capability("iqa", ok=302),
    ("iqa_strategy", "get"): DRAFT,
    ("iqa_strategy_edit", "get"): DRAFT_CHANGE,
    ("iqa_strategy_edit", "post"): DRAFT_CHANGE,
    ("iqa_strategy_approve", "post"): answers(404, iqa=403, admin=403, anonymous=LOGIN),
}


def _trainee_of(centre) -> int:
    return Membership.objects.filter(centre=centre, is_trainee_assessor=True).values_list("user_id", flat=True).first()


def extend(users: dict, objects: dict) -> None:
    for key in ("home", "elsewhere"):
        o = objects[key]
        centre = o["enrolment"].centre
        assessor_id = _trainee_of(centre) or o["enrolment"].assessors.values_list("pk", flat=True).first()
        if key == "home":
            IQAAllocation.objects.get_or_create(centre=centre, assessor_id=assessor_id,
                                                defaults={"iqa": users["iqa"], "allocated_by": users["admin"]})
        o["people_profile"] = profile_for(centre.pk, assessor_id)
        # A draft of its own (after any version another area's world made).
        drafts = SamplingStrategy.objects.filter(centre=centre, qualification=None)
        o["people_strategy"] = drafts.filter(status=SamplingStrategy.Status.DRAFT).first() or drafts.create(
            centre=centre,
            version=(drafts.aggregate(v=Max("version"))["v"] or 0) + 1, rules=TEMPLATE, from_template=True,
            created_by=users["admin"])


def args(name: str, o: dict) -> list | None:
    if name.startswith("iqa_profile"):
        return [o["people_profile"].pk]
    if name in {"iqa_strategy", "iqa_strategy_edit", "iqa_strategy_approve"}:
        return [o["people_strategy"].pk]
    return None
