"""Issue 11, the loop without a browser: the portfolio's "feedback not read yet" filter (what
the learner home's link opens), the home's count of pieces with unread feedback, and who is
offered to assess from the portfolio."""

from __future__ import annotations

import pytest

from apps.assessment.services import feedback_mark_read
from apps.evidence.services import evidence_submit, evidence_update
from apps.home.selectors import learner_summaries
from tests.assessment.helpers import accept, submitted
from tests.evidence.portfolio_helpers import content, enrolment_with_people


@pytest.fixture
def referred(centre):
    enrolment, learner, assessor, iqa = enrolment_with_people(centre)
    first = submitted(enrolment, learner.user, title="First piece")
    second = submitted(enrolment, learner.user, title="Second piece")
    submitted(enrolment, learner.user, title="Waiting piece")
    accept(first, assessor.user, outcome="referred", feedback="Say more.")
    accept(second, assessor.user, outcome="referred", feedback="Add the letter.")
    return enrolment, learner, assessor, iqa, first, second


def test_the_learners_unread_feedback_filter_lists_exactly_the_pieces_with_feedback_not_read(client, referred):
    enrolment, learner, _, _, first, second = referred
    client.force_login(learner.user)
    url = f"/portfolio/enrolments/{enrolment.pk}/"
    page = client.get(url, {"feedback": "unread"}).content.decode()
    assert "First piece" in page and "Second piece" in page and "Waiting piece" not in page
    client.get(f"/portfolio/evidence/{first.pk}/")  # reading it marks its feedback read
    page = client.get(url, {"feedback": "unread"}).content.decode()
    assert "Second piece" in page and "First piece" not in page and "Waiting piece" not in page


def test_a_nonsense_feedback_filter_is_a_message_and_filters_nothing(client, referred):
    enrolment, learner, *_ = referred
    client.force_login(learner.user)
    page = client.get(f"/portfolio/enrolments/{enrolment.pk}/", {"feedback": "maybe"}).content.decode()
    assert "Choose “Not read yet” or “Any”." in page
    assert "First piece" in page and "Waiting piece" in page


def test_staff_have_no_feedback_filter_and_only_the_assessor_is_offered_to_assess(client, referred):
    enrolment, _, assessor, iqa, *_ = referred
    url = f"/portfolio/enrolments/{enrolment.pk}/"
    client.force_login(assessor.user)
    page = client.get(url, {"feedback": "unread"}).content.decode()
    assert 'name="feedback"' not in page and "Waiting piece" in page and "First piece" in page
    assert page.count(">Assess<") == 1  # the waiting piece; the referred ones are records
    client.force_login(iqa.user)
    page = client.get(url).content.decode()
    assert ">Assess<" not in page and page.count("Assessment record") == 3


def test_the_home_counts_pieces_with_unread_feedback_and_names_the_one(referred):
    enrolment, learner, assessor, _, first, second = referred
    # A second round on the first piece: two unread assessments, still one piece.
    evidence_update(evidence=first, actor=learner.user, content=content(title="First piece", text="More."))
    evidence_submit(evidence=first, actor=learner.user, declared_name=enrolment.learner.full_name, ip_address=None)
    accept(first, assessor.user, outcome="referred", feedback="Still say more.")
    [summary] = learner_summaries(membership=learner)
    assert summary.unread_feedback == 2 and summary.unread_evidence_id is None
    feedback_mark_read(evidence=first, actor=learner.user)
    [summary] = learner_summaries(membership=learner)
    assert summary.unread_feedback == 1 and summary.unread_evidence_id == second.pk


def test_changing_a_referred_piece_shows_its_feedback_and_a_withdrawn_one_does_not(client, referred):
    from apps.evidence.services import evidence_withdraw

    enrolment, learner, *_ = referred
    waiting = enrolment.evidence.get(current__title="Waiting piece")
    evidence_withdraw(evidence=waiting, actor=learner.user)
    first = enrolment.evidence.get(current__title="First piece")
    client.force_login(learner.user)
    for piece in (first, waiting):  # each changed since: a draft whose last submitted version is shared
        evidence_update(evidence=piece, actor=learner.user, content=content(title=piece.current.title, text="Changed."))
    page = client.get(f"/portfolio/evidence/{first.pk}/edit/").content.decode()
    assert "Change and resubmit" in page and "Say more." in page
    page = client.get(f"/portfolio/evidence/{waiting.pk}/edit/").content.decode()
    assert "Change and resubmit" not in page and "Your assessor&#x27;s feedback" not in page and "Change “Waiting piece”" in page
