"""The countersign queue reads in a fixed number of queries, however many learners' decisions
wait (each group names its learner: selected with the decisions, not one query a group)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.assessment.helpers import accept, criterion, submitted
from tests.evidence.portfolio_helpers import enrolment_with_people
from tests.factories import MembershipFactory


def test_the_queue_does_not_query_per_learner(client, setup):
    trainee = MembershipFactory(centre=setup.centre, is_assessor=True, is_trainee_assessor=True)

    def trainee_judges_a_new_learner():
        enrolment, learner, _, _ = enrolment_with_people(setup.centre)
        enrolment.assessors.add(trainee.user)
        accept(submitted(enrolment, learner.user), trainee.user, met=[criterion(enrolment, "1", "1.1")])

    trainee_judges_a_new_learner()
    client.force_login(setup.assessor.user)
    with CaptureQueriesContext(connection) as one:
        page = client.get("/assessment/countersign/")
    expected = len(one)  # read now: the next request clears the log it counts in
    assert page.status_code == 200 and "decision-" in page.content.decode()
    for _ in range(3):
        trainee_judges_a_new_learner()
    with CaptureQueriesContext(connection) as four:
        page = client.get("/assessment/countersign/")
    assert page.content.decode().count('name="decision"') == 4
    assert len(four) == expected
