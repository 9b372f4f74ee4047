"""Permission rows of the EQA access pages (merged into tests/test_permissions.py).

The centre side (its admins; the lead IQA, who is not among the table's people) lists the grants;
the EQA has a hub of their open grants. A grant's page is for the admins and its EQA while it is
open: anyone else is outside it (404), and ending it is the admins' (the EQA, who sees it, is
refused). An empty post to the grant form or to the end form is refused with messages (200).
The log of who looked at what is for those who read the audit trail."""

from __future__ import annotations

from apps.learners.models import ExternalAccess
from tests.eqa.support import grant_for
from tests.factories import MembershipFactory
from tests.permission_answers import capability, scoped

ADMINS = capability("admin", "other_centre_admin")
ROWS = {
    ("eqa_home", "get"): capability("admin", "eqa", "other_centre_admin"),
    ("eqa_grant_new", "get"): ADMINS,
    ("eqa_grant_new", "post"): ADMINS,
    ("eqa_grant", "get"): scoped({"admin": 200, "eqa": 200}, in_scope=404),
    ("eqa_grant_end", "post"): scoped({"admin": 200, "eqa": 403}, in_scope=404),
    ("eqa_access_log", "get"): ADMINS,
}


def extend(users: dict, objects: dict) -> None:
    home, elsewhere = objects["home"]["enrolment"], objects["elsewhere"]["enrolment"]
    objects["home"]["eqa_grant"] = ExternalAccess.objects.get(centre=home.centre, user=users["eqa"])
    outsider = MembershipFactory(centre=elsewhere.centre, is_eqa=True, eqa_expires_on=home.planned_end_date)
    objects["elsewhere"]["eqa_grant"] = grant_for(outsider, qualifications=[elsewhere.qualification],
                                                  created_by=users["other_centre_admin"])


def args(name: str, o: dict) -> list | None:
    if name in ("eqa_grant", "eqa_grant_end"):
        return [o["eqa_grant"].pk]
    if name in ("eqa_home", "eqa_grant_new", "eqa_access_log"):
        return []
    return None
