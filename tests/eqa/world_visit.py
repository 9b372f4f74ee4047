"""Permission rows of the EQA visit pages (merged into tests/test_permissions.py).

The lists are for the centre side (its admins; the lead IQA is not among the table's people) and
the EQA: anyone else is refused (403). A request, an outcome or an action is read by the admins
and the EQA of the open grant; everyone else is outside it (404). Under a grant, asking for a
sample, recording an outcome and signing claims off are the EQA's: the admin, who sees the
grant, is refused (403); an empty post is refused on the page (200), or with a message (302) on
the claims page. The centre answers an action (an empty answer: 200), the EQA closes it (not
answered yet: 200 with the reason)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.eqa.models import CentreAction, RequestedLearner, SampleRequest, VisitOutcome
from apps.learners.models import ExternalAccess
from tests.eqa.support import grant_for
from tests.factories import MembershipFactory
from tests.permission_answers import answers, capability, scoped

LISTS = capability("admin", "eqa", "other_centre_admin")
READ = answers(404, admin=200, eqa=200)
ROWS = {
    ("eqa_requests", "get"): LISTS,
    ("eqa_request_new", "get"): scoped({"admin": 403, "eqa": 200}, in_scope=404),
    ("eqa_request_new", "post"): scoped({"admin": 403, "eqa": 200}, in_scope=404),
    ("eqa_request", "get"): READ,
    ("eqa_request_withdraw", "post"): answers(404, admin=403, eqa=302),
    ("eqa_outcomes", "get"): LISTS,
    ("eqa_outcome_new", "get"): scoped({"admin": 403, "eqa": 200}, in_scope=404),
    ("eqa_outcome_new", "post"): scoped({"admin": 403, "eqa": 200}, in_scope=404),
    ("eqa_outcome", "get"): READ,
    ("eqa_actions", "get"): LISTS,
    ("eqa_action", "get"): READ,
    ("eqa_action_respond", "post"): answers(404, admin=200, eqa=403),
    ("eqa_action_close", "post"): answers(404, admin=403, eqa=200),
    ("eqa_claims", "get"): scoped({"admin": 403, "eqa": 200}, in_scope=404),
    ("eqa_claims", "post"): scoped({"admin": 403, "eqa": 302}, in_scope=404),
}
ON_THE_GRANT = {"eqa_request_new", "eqa_outcome_new", "eqa_claims"}


def _visit(grant: ExternalAccess, enrolment) -> dict:
    """A sample request, and an outcome with one open action, made by the grant's EQA."""
    today = timezone.localdate()
    request = SampleRequest.objects.create(centre_id=grant.centre_id, grant=grant, requested_by=grant.user,
                                           due_on=today + timedelta(days=14))
    RequestedLearner.objects.create(request=request, enrolment=enrolment, reason="chosen by the EQA")
    outcome = VisitOutcome.objects.create(
        centre_id=grant.centre_id, grant=grant, qualification=enrolment.qualification, visited_on=today,
        result=VisitOutcome.Result.ACTIONS, report="Seen.", recorded_by=grant.user, signed_name=grant.user.full_name)
    action = CentreAction.objects.create(centre_id=grant.centre_id, outcome=outcome, text="Do it.",
                                         due_on=today + timedelta(days=30))
    return {"visit_grant": grant, "visit_request": request, "visit_outcome": outcome, "visit_action": action}


def extend(users: dict, objects: dict) -> None:
    home, elsewhere = objects["home"]["enrolment"], objects["elsewhere"]["enrolment"]
    objects["home"] |= _visit(ExternalAccess.objects.get(centre=home.centre, user=users["eqa"]), home)
    outsider_grant = ExternalAccess.objects.filter(centre=elsewhere.centre).first()
    if outsider_grant is None:
        outsider = MembershipFactory(centre=elsewhere.centre, is_eqa=True, eqa_expires_on=home.planned_end_date)
        outsider_grant = grant_for(outsider, qualifications=[elsewhere.qualification],
                                   created_by=users["other_centre_admin"])
    objects["elsewhere"] |= _visit(outsider_grant, elsewhere)


def args(name: str, o: dict) -> list | None:
    if name in ON_THE_GRANT:
        return [o["visit_grant"].pk]
    if name in ("eqa_request", "eqa_request_withdraw"):
        return [o["visit_request"].pk]
    if name == "eqa_outcome":
        return [o["visit_outcome"].pk]
    if name in ("eqa_action", "eqa_action_respond", "eqa_action_close"):
        return [o["visit_action"].pk]
    if name in ("eqa_requests", "eqa_outcomes", "eqa_actions"):
        return []
    return None
