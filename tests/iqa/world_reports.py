"""Permission rows of the report pages (merged into tests/test_permissions.py).

In each centre of the world: a sampling plan and a finished report with its file in storage. The
home centre's report was asked for by the world's IQA; only they see it and download it
(everyone else, the admin and EQA included, gets 404: nobody learns another's report exists).
Elsewhere's report was asked for by that centre's admin. An EQA asks for no IQA reports (a plan's
lists every learner of the plan; the EQA pack is theirs), and the world's plan holds none of the
EQA's learners, so it is a 404 to them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.iqa.models import Report, SamplingPlan
from tests.permission_answers import LOGIN, answers, capability

READERS = ("iqa", "admin", "other_centre_admin")
ROWS = {
    ("iqa_reports", "get"): capability(*READERS),
    ("iqa_report_request", "post"): capability(*READERS, ok=302),  # an empty form: back with a message
    ("iqa_report", "get"): answers(404, iqa=200, anonymous=LOGIN),
    ("iqa_report_download", "get"): answers(404, iqa=200, anonymous=LOGIN),
    ("iqa_plan_csv", "get"): answers(404, iqa=200, admin=200, anonymous=LOGIN),
    ("iqa_actions_csv", "get"): capability(*READERS),
}


def _objects(centre, *, iqa, requester) -> dict:
    today = timezone.localdate()
    plan = SamplingPlan.objects.create(centre=centre, iqa=iqa, period_start=today, period_end=today + timedelta(days=90),
                                       seed=7, created_by=iqa)
    data = b"%PDF-1.7\n% a report\n"
    key = default_storage.save(f"reports/{centre.pk}/world.pdf", ContentFile(data))
    report = Report.objects.create(
        centre=centre, kind=Report.Kind.PLAN, params={"plan": plan.pk}, requested_by=requester,
        status=Report.Status.DONE, key=key, filename="sampling-plan.pdf", sha256=hashlib.sha256(data).hexdigest(),
        finished_at=timezone.now(),
    )
    return {"reports_plan": plan, "reports_report": report}


def extend(users: dict, objects: dict) -> None:
    home, elsewhere = objects["home"]["enrolment"].centre, objects["elsewhere"]["enrolment"].centre
    objects["home"] |= _objects(home, iqa=users["iqa"], requester=users["iqa"])
    objects["elsewhere"] |= _objects(elsewhere, iqa=users["other_centre_admin"], requester=users["other_centre_admin"])


def args(name: str, o: dict) -> list | None:
    if name in ("iqa_report", "iqa_report_download"):
        return [o["reports_report"].pk]
    if name == "iqa_plan_csv":
        return [o["reports_plan"].pk]
    if name in ("iqa_reports", "iqa_report_request", "iqa_actions_csv"):
        return []
    return None
