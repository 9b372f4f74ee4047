"""Sample requests: the EQA picks learners or lets Attest propose them by the AO's rule; the centre
is told with the due date; both sides read the requests; only the EQA of an open grant asks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assessment.progress import progress_refresh
from apps.audit.models import AuditEvent
from apps.eqa.models import RequestedLearner, SampleRequest
from apps.notifications.models import Notification
from tests.eqa.support import enrol, grant_for
from tests.eqa.support_visit import learner_with_units, today
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def new_url(world) -> str:
    return reverse("eqa_request_new", args=[world.grant.pk])


def as_user(client, membership):
    client.force_login(membership.user)
    return client


def post(client, world, *, enrolments, due_on=None, note="", proposed=False):
    data = {"enrolments": [str(e.pk) for e in enrolments], "due_on": (due_on or today() + timedelta(days=14)).isoformat(),
            "note": note, "proposed": "True" if proposed else "False"}
    return client.post(new_url(world), data)


def nothing_made() -> bool:
    return not SampleRequest.objects.exists() and not RequestedLearner.objects.exists() and not (
        Notification.objects.filter(subject__startswith="The EQA asks").exists())


# --- the proposal -----------------------------------------------------------------------------------


def test_the_ncfe_proposal_picks_three_two_of_them_complete_with_the_reasons(client, world):
    amy = learner_with_units(world, "Amy Achiever")
    ben = learner_with_units(world, "Ben Finisher")
    far = learner_with_units(world, "Fay Further", units=("1", "2"))
    page = as_user(client, world.eqa).get(new_url(world) + "?propose=1")
    assert page.status_code == 200
    text = page.content.decode()
    assert "NCFE&#x27;s rule for Direct Claims Status: at least three learners sampled" in text
    assert "The proposal meets the rule." in text
    proposed = page.context["proposals"][0].proposal
    assert proposed.ids == [amy.pk, ben.pk, far.pk]
    assert "Complete: all units signed off; counts towards the two complete learners NCFE asks for" in text
    assert "In progress: 2 of" in text
    # Cara and Ned are offered below the proposal, not ticked.
    assert page.context["ticked"] == {str(amy.pk), str(ben.pk), str(far.pk)}
    assert {r.candidate.id for r in page.context["rows"]} == {world.cara.pk, world.ned.pk}


def test_too_small_a_scope_says_why(client, world):
    page = as_user(client, world.eqa).get(new_url(world) + "?propose=1")
    assert "The rule cannot be met: only 2 learners in scope; NCFE asks for at least three." in page.content.decode()


def test_a_proposed_request_keeps_each_learners_reason_and_the_rule(client, world):
    amy = learner_with_units(world, "Amy Achiever")
    ben = learner_with_units(world, "Ben Finisher")
    # The EQA keeps Amy and Ben, drops the third proposed (Cara or Ned), adds nobody.
    response = post(as_user(client, world.eqa), world, enrolments=[amy, ben], proposed=True)
    assert response.status_code == 302
    request = SampleRequest.objects.get()
    assert request.proposed and request.rule.startswith("NCFE's rule for Direct Claims Status")
    reasons = dict(request.learners.values_list("enrolment_id", "reason"))
    assert reasons[amy.pk].startswith("complete: all units signed off; counts towards the two complete learners")


# --- sending -------------------------------------------------------------------------------------------


def test_the_centre_is_told_with_the_due_date_and_a_link(client, world):
    due = today() + timedelta(days=14)
    response = post(as_user(client, world.eqa), world, enrolments=[world.cara, world.ned], due_on=due,
                    note="Unit 1 evidence please.")
    request = SampleRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("eqa_request", args=[request.pk])
    assert (request.due_on, request.note, request.proposed, request.requested_by) == (
        due, "Unit 1 evidence please.", False, world.eqa.user)
    reasons = dict(request.learners.values_list("enrolment_id", "reason"))
    assert reasons[world.ned.pk] == "chosen by the EQA; in progress: 0 of 4 units"
    told = Notification.objects.filter(subject__startswith="The EQA asks")
    assert {n.recipient for n in told} == {world.admin.user, world.lead.user}
    note = told.first()
    assert note.subject == f"The EQA asks to see 2 learners by {due.day} {due:%b %Y}"
    assert note.url == reverse("eqa_request", args=[request.pk])
    assert "Cara Complete" in note.body and "Unit 1 evidence please." in note.body
    event = AuditEvent.objects.get(action="eqa.sample_requested")
    assert event.actor == world.eqa.user
    assert event.payload["learners"] == ["Cara Complete", "Ned Newcomer"]
    assert event.payload["due_on"] == due.isoformat()


def test_no_learners_is_refused_with_a_message(client, world):
    page = post(as_user(client, world.eqa), world, enrolments=[])
    assert page.status_code == 200
    assert "Choose at least one learner for the sample, or ask Attest to propose one." in page.content.decode()
    assert nothing_made()


def test_a_due_date_in_the_past_is_refused(client, world):
    page = post(as_user(client, world.eqa), world, enrolments=[world.cara], due_on=today() - timedelta(days=1))
    assert "is in the past: give a date from today on." in page.content.decode()
    assert page.context["form"].errors["due_on"]
    assert page.context["ticked"] == {str(world.cara.pk)}  # the ticks stay
    assert nothing_made()


def test_a_missing_due_date_is_refused(client, world):
    page = as_user(client, world.eqa).post(new_url(world), {"enrolments": [world.cara.pk], "due_on": ""})
    assert "Give the due date." in page.content.decode()
    assert nothing_made()


@pytest.mark.parametrize("who", ["paula", "elsewhere"])
def test_a_learner_outside_the_grant_is_refused(client, world, who):
    page = post(as_user(client, world.eqa), world, enrolments=[world.cara, world.learners[who]])
    text = page.content.decode()
    assert "Some of the learners chosen are outside your access: choose learners from the list." in text
    assert world.learners[who].learner.full_name not in text  # nothing says who they are
    assert nothing_made()


def test_a_made_up_id_is_refused(client, world):
    page = as_user(client, world.eqa).post(new_url(world), {"enrolments": ["x1"], "due_on": today().isoformat()})
    assert "Choose learners from the list." in page.content.decode()
    assert nothing_made()


def test_a_grant_naming_learners_offers_only_them(client, world):
    named = grant_for(world.eqa, qualifications=[world.ncfe], learners=[world.ned.learner], created_by=world.admin.user)
    page = as_user(client, world.eqa).get(reverse("eqa_request_new", args=[named.pk]))
    assert [r.candidate.id for r in page.context["rows"]] == [world.ned.pk]
    refused = client.post(reverse("eqa_request_new", args=[named.pk]),
                          {"enrolments": [world.cara.pk], "due_on": today().isoformat()})
    assert "outside your access" in refused.content.decode()
    assert nothing_made()


# --- who may ask --------------------------------------------------------------------------------------


def test_only_the_eqa_of_an_open_grant_asks(client, world):
    assert as_user(client, world.admin).get(new_url(world)).status_code == 403  # sees the grant, may not ask
    assert post(client, world, enrolments=[world.cara]).status_code == 403
    assert as_user(client, world.lead).get(new_url(world)).status_code == 403  # the lead IQA reads grants too
    assert as_user(client, world.other_admin).get(new_url(world)).status_code == 404
    other_eqa = MembershipFactory(centre=world.centre, is_eqa=True, eqa_expires_on=today() + timedelta(days=9))
    assert as_user(client, other_eqa).get(new_url(world)).status_code == 404
    client.logout()
    assert client.get(new_url(world)).status_code == 302
    assert nothing_made()


def test_after_the_end_date_the_grant_is_gone(client, world):
    world.grant.ends_on = today() - timedelta(days=1)
    world.grant.starts_on = today() - timedelta(days=20)
    world.grant.save()
    assert as_user(client, world.eqa).get(new_url(world)).status_code == 404
    assert post(client, world, enrolments=[world.cara]).status_code == 404
    assert nothing_made()


# --- reading the requests -----------------------------------------------------------------------------


def test_both_sides_read_the_request_with_the_due_date_in_words(client, world):
    post(as_user(client, world.eqa), world, enrolments=[world.cara], due_on=today() + timedelta(days=5))
    request = SampleRequest.objects.get()
    for side in (world.eqa, world.admin, world.lead):
        listing = as_user(client, side).get(reverse("eqa_requests"))
        assert listing.status_code == 200 and "Due in 5 days" in listing.content.decode()
        page = client.get(reverse("eqa_request", args=[request.pk]))
        text = page.content.decode()
        assert page.status_code == 200 and "Cara Complete" in text
        assert reverse("assessment_matrix", args=[world.cara.pk]) in text
        assert "Chosen by the EQA; in progress: 0 of 4 units" in text
    SampleRequest.objects.update(due_on=today() - timedelta(days=2))
    assert "Overdue by 2 days" in as_user(client, world.admin).get(reverse("eqa_requests")).content.decode()


def test_others_do_not_read_requests(client, world):
    post(as_user(client, world.eqa), world, enrolments=[world.cara])
    request = SampleRequest.objects.get()
    assert as_user(client, world.assessor).get(reverse("eqa_requests")).status_code == 403
    assert client.get(reverse("eqa_request", args=[request.pk])).status_code == 404  # nothing says it exists
    assert as_user(client, world.other_admin).get(reverse("eqa_request", args=[request.pk])).status_code == 404
    world.grant.ended_at = world.grant.created_at
    world.grant.save()
    assert as_user(client, world.eqa).get(reverse("eqa_request", args=[request.pk])).status_code == 404


def test_the_eqa_withdraws_their_request_and_nobody_else_does(client, world):
    post(as_user(client, world.eqa), world, enrolments=[world.cara])
    request = SampleRequest.objects.get()
    url = reverse("eqa_request_withdraw", args=[request.pk])
    assert as_user(client, world.admin).post(url).status_code == 403
    request.refresh_from_db()
    assert request.status == SampleRequest.Status.OPEN
    assert as_user(client, world.eqa).post(url).status_code == 302
    request.refresh_from_db()
    assert request.status == SampleRequest.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="eqa.sample_request_withdrawn", actor=world.eqa.user).count() == 1
    again = client.post(url, follow=True)
    assert "This request was withdrawn already." in again.content.decode()
    assert AuditEvent.objects.filter(action="eqa.sample_request_withdrawn").count() == 1


# --- queries -------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    """The page's own queries (the access log's writes come and go with its own rules)."""
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url).status_code == 200
    return sum(1 for q in seen.captured_queries if "eqa_accesslog" not in q["sql"] and "SAVEPOINT" not in q["sql"])


def _more_learners(world, request, names) -> None:
    for name in names:
        more = enrol(world.centre, name=name, qualification=world.ncfe, assessor=world.assessor.user)
        progress_refresh([more.pk])  # as any write to their records would
        RequestedLearner.objects.create(request=request, enrolment=more)


def test_the_request_pages_do_not_grow_with_learners(client, world, django_assert_max_num_queries):
    as_user(client, world.eqa)
    post(client, world, enrolments=[world.cara, world.ned])
    request = SampleRequest.objects.get()
    urls = [new_url(world), new_url(world) + "?propose=1", reverse("eqa_requests"),
            reverse("eqa_request", args=[request.pk])]
    _more_learners(world, request, ["Extra Learner A", "Extra Learner B"])
    before = [_queries(client, url) for url in urls]
    _more_learners(world, request, [f"More Learner {n}" for n in range(5)])
    post(client, world, enrolments=[world.cara])
    after = [_queries(client, url) for url in urls]
    assert after == before
    # Ned's progress is computed (he has no summary yet), and the access log writes its line.
    with django_assert_max_num_queries(40):
        client.get(new_url(world) + "?propose=1")
