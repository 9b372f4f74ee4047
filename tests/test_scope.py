"""Out of scope means 404, everywhere: someone who may not see a learner's work gets the same
answer on every page about it as for work that does not exist, so nothing tells them it is
there. (tests/test_permissions.py walks every URL; this is the case people meet first.)"""

from __future__ import annotations

import pytest

from apps.records.services import RecordBasics, Signature, observation_create
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.evidence.filefixtures import *  # noqa: F403
from tests.evidence.filefixtures import attach


@pytest.fixture
def work(people, private_storage):
    from django.utils import timezone

    from tests.evidence.portfolio_helpers import stored_file

    evidence = submitted(people.enrolment, people.learner.user, title="Call log")
    accept(evidence, people.assessor.user, met=unit_criteria(people.enrolment, "1")[:1])
    file = stored_file(people.centre, people.learner.user)
    attach(file, people.enrolment, people.learner.user)
    observation = observation_create(
        enrolment=people.enrolment, assessor=people.assessor.user,
        basics=RecordBasics(on=timezone.localdate(), context="real_work", criteria=unit_criteria(people.enrolment, "1")),
        place="Desk", activity="Calls", account="Handled calls well.", signature=Signature(name=people.assessor.user.full_name),
    )
    e = people.enrolment.pk
    return [
        f"/portfolio/enrolments/{e}/", f"/portfolio/evidence/{evidence.pk}/", f"/assessment/evidence/{evidence.pk}/",
        f"/assessment/enrolments/{e}/matrix/", f"/assessment/enrolments/{e}/units/1/", f"/learners/enrolments/{e}/plan/",
        f"/records/observation/{observation.pk}/", f"/files/{file.pk}/",
    ]


@pytest.mark.parametrize("who", ["other_learner", "other_assessor", "expired_eqa"])
def test_people_outside_the_learners_scope_get_404_on_every_page_of_their_work(client, people, work, who):
    client.force_login(getattr(people, who).user)
    answers = {url: client.get(url).status_code for url in work}
    assert set(answers.values()) == {404}, answers


def test_the_learner_sees_each_page_of_their_work_and_is_refused_only_the_assessors_page(client, people, work):
    client.force_login(people.learner.user)
    answers = {url: client.get(url).status_code for url in work}
    assert answers.pop(work[2]) == 403  # in scope: their own evidence, but the page is the assessor's
    assert set(answers.values()) == {200}, answers
