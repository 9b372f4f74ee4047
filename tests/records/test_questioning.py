"""An assessor records the questions asked and the learner's answers, as many as needed."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.evidence.models import Evidence
from apps.records.models import QuestionAnswer, Questioning
from tests.records import helpers
from tests.records.helpers import text

PAIRS = (
    ("Why do you check the caller's identity?", "To protect their data and the business."),
    ("What do you do if they cannot pass security?", "I explain why and offer to call them back."),
    ("Where do you record the call?", "In the CRM, against the customer's account."),
    ("Who do you tell about a data breach?", "My team leader, straight away."),
)


def url(setup) -> str:
    return f"/records/enrolments/{setup.enrolment.pk}/questioning/new/"


def test_an_assessor_records_four_questions_and_answers(client, setup):
    client.force_login(setup.assessor.user)
    response = client.post(url(setup), helpers.questioning(setup, pairs=PAIRS), REMOTE_ADDR="203.0.113.9", follow=True)
    page = text(response)
    assert "Questioning recorded and signed." in page
    for question, answer in PAIRS:
        assert question in page and answer in page
    record = Questioning.objects.get()
    assert [(p.position, p.question, p.answer) for p in record.pairs.all()] == [
        (i, q, a) for i, (q, a) in enumerate(PAIRS, start=1)
    ]
    version = record.version
    assert version.evidence.status == Evidence.Status.SUBMITTED and version.method == "questioning"
    assert version.title == "Data protection when taking payments"
    assert version.declared_name == setup.assessor.user.full_name and str(version.declared_ip) == "203.0.113.9"
    # The questions and answers are also the version's text: search, exports and the evidence page show them.
    assert version.text.startswith("Q1. Why do you check the caller's identity?\nA1. To protect their data")
    assert AuditEvent.objects.get(action="records.questioning_created").payload["questions"] == 4


def test_blank_spare_rows_are_ignored(client, setup):
    client.force_login(setup.assessor.user)
    client.post(url(setup), helpers.questioning(setup, pairs=PAIRS[:1], total=5))
    assert QuestionAnswer.objects.count() == 1


def test_add_another_question_gives_one_more_row_and_saves_nothing(client, setup):
    client.force_login(setup.assessor.user)
    data = helpers.questioning(setup, pairs=PAIRS[:3], total=3)
    data["more"] = "1"
    page = text(client.post(url(setup), data))
    assert 'name="pairs-3-question"' in page and 'name="pairs-4-question"' not in page
    assert PAIRS[2][1] in page and "Data protection when taking payments" in page
    assert "Please correct the following" not in page
    assert not Questioning.objects.exists()
    data = helpers.questioning(setup, pairs=PAIRS, total=4)
    client.post(url(setup), data)
    assert QuestionAnswer.objects.count() == 4


@pytest.mark.parametrize(
    "pairs, message",
    [
        ((), "Record at least one question and the learner's answer."),
        ((("What is a complaint?", ""),), "Write the learner's answer to question 1."),
        ((PAIRS[0], ("", "Because it is the law.")), "Write question 2, which this answer replies to."),
    ],
)
def test_each_question_needs_its_answer_and_each_answer_its_question(client, setup, pairs, message):
    client.force_login(setup.assessor.user)
    page = text(client.post(url(setup), helpers.questioning(setup, pairs=pairs)))
    assert message in page
    assert not Questioning.objects.exists() and not Evidence.objects.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"topic": ""}, "Say what the questions were about."),
        ({"criteria": []}, "Tick at least one criterion this record covers."),
        ({"signed_name": "Someone Else"}, "Type your full name exactly as the centre has it"),
        ({"pairs-TOTAL_FORMS": "lots"}, "ManagementForm data is missing or has been tampered with"),
    ],
)
def test_bad_questioning_input_gets_a_clear_message_and_stores_nothing(client, setup, overrides, message):
    client.force_login(setup.assessor.user)
    data = helpers.questioning(setup)
    data.update(overrides)
    response = client.post(url(setup), data)
    assert response.status_code == 200 and message in text(response)
    assert not Questioning.objects.exists() and not Evidence.objects.exists()
