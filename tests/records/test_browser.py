"""Records in a real browser, each page checked by axe: an assessor requests witness testimony that
the witness answers through the emailed link; an observation is recorded and the learner confirms it;
a questioning record grows a row; a discussion's recording goes through the uploader."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from apps.evidence.models import Evidence
from apps.records.models import (
    Observation,
    ObservationConfirmation,
    ProfessionalDiscussion,
    Questioning,
    WitnessRequest,
)
from tests.evidence import samples
from tests.records.helpers import criteria

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"http://[^/\s]+(/records/witness/respond/[A-Za-z0-9_-]{40,}/)")


@pytest.fixture
def person(browser, live_server):
    """person(user) -> a page in a browser of their own, signed in as that user (None: nobody)."""
    contexts = []

    def open_as(user=None):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_as
    for context in contexts:
        context.close()


def wait_for_mail(count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mail.outbox) >= count
    return mail.outbox


def tick(page, criterion) -> None:
    """Tick the criterion as a person would: open its unit, or, when the unit is not among the
    planned ones, find it by number with the picker's search (which opens it)."""
    box = page.locator(f"#crit-{criterion.pk}")
    if not box.is_visible():
        unit = page.locator(f"details.picker-unit[data-unit='{criterion.unit.number}']")
        if unit.is_visible():
            unit.locator("summary").click()
        else:
            page.get_by_label("Find a unit or criterion").fill(criterion.unit.number)
    expect(box).to_be_visible()
    box.check()


def test_a_witness_answers_the_emailed_link_in_a_browser(person, setup, assert_accessible, celery_worker):
    assessor = person(setup.assessor.user)
    assessor.goto(f"/records/enrolments/{setup.enrolment.pk}/")
    assert_accessible(assessor)
    assessor.get_by_text("New record").click()
    assessor.get_by_role("link", name="Witness testimony request").click()
    assert_accessible(assessor)
    assessor.get_by_role("button", name="Send the request").click()
    expect(assessor.get_by_role("alert")).to_contain_text("Give the witness's full name.")
    assert_accessible(assessor)
    assessor.get_by_label("Witness's full name").fill("Priya Shah")
    assessor.get_by_label("Witness's email address").fill("priya.shah@example.test")
    assessor.get_by_label("Witness's job title").fill("Team leader")
    assessor.get_by_label("Relationship to the learner").fill("Line manager")
    assessor.get_by_label("What the witness is asked about").fill("Complaint calls on the evening shift in March.")
    first, second = criteria(setup.enrolment, "1")
    tick(assessor, first)
    tick(assessor, second)
    assessor.get_by_role("button", name="Send the request").click()
    expect(assessor.get_by_text("Request sent.")).to_be_visible()
    assert_accessible(assessor)

    link = LINK.search(wait_for_mail(1)[0].body).group(1)
    witness = person()
    witness.goto(link)
    expect(witness.get_by_role("heading", name=f"Witness testimony for {setup.enrolment.learner.full_name}")).to_be_visible()
    assert_accessible(witness)
    witness.get_by_role("button", name="Send my testimony").click()
    expect(witness.get_by_role("alert")).to_contain_text("Write what you saw the learner do.")
    assert_accessible(witness)
    witness.get_by_label("What you saw").fill("Sam took three complaint calls and logged each one.")
    witness.get_by_label("Type your full name to sign").fill("Priya Shah")
    witness.get_by_label("I confirm that what I have written").check()
    witness.get_by_role("button", name="Send my testimony").click()
    expect(witness.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_accessible(witness)
    witness.goto(link)
    expect(witness.get_by_text("It has already been used")).to_be_visible()
    assert_accessible(witness)

    evidence = Evidence.objects.get()
    assert evidence.current.method == "witness_testimony" and evidence.current.declared_name == "Priya Shah"
    assert WitnessRequest.objects.get().status == "responded"
    wait_for_mail(2)
    assessor.goto(f"/records/witness/{WitnessRequest.objects.get().pk}/")
    expect(assessor.get_by_text("Sam took three complaint calls")).to_be_visible()
    assert_accessible(assessor)


def test_an_observation_recorded_in_the_browser_is_confirmed_by_the_learner(person, setup, assert_accessible):
    assessor = person(setup.assessor.user)
    assessor.goto(f"/records/enrolments/{setup.enrolment.pk}/observation/new/")
    assert_accessible(assessor)
    assessor.get_by_label("What was observed").fill("Handling an inbound complaint call")
    assessor.get_by_label("Place").fill("Contact centre, team 3")
    assessor.get_by_label("Your account of what you saw").fill("Sam listened, apologised and logged the complaint.")
    tick(assessor, criteria(setup.enrolment, "2")[0])
    assessor.get_by_label("Type your full name to sign").fill("Not the assessor")
    assessor.get_by_role("button", name="Sign and add to the portfolio").click()
    expect(assessor.get_by_role("alert")).to_contain_text("Type your full name exactly as the centre has it")
    assert_accessible(assessor)
    assessor.get_by_label("Type your full name to sign").fill(setup.assessor.user.full_name)
    assessor.get_by_role("button", name="Sign and add to the portfolio").click()
    expect(assessor.get_by_text("Waiting for the learner's confirmation")).to_be_visible()
    assert_accessible(assessor)

    observation = Observation.objects.get()
    learner = person(setup.learner.user)
    learner.goto(f"/records/observation/{observation.pk}/")
    learner.get_by_role("link", name="Read and confirm this observation").click()
    assert_accessible(learner)
    learner.get_by_label("Type your full name to confirm").fill(setup.enrolment.learner.full_name)
    learner.get_by_role("button", name="Confirm the observation").click()
    expect(learner.get_by_text("You have confirmed the observation record.")).to_be_visible()
    assert ObservationConfirmation.objects.filter(observation=observation).exists()


def test_questioning_grows_a_row_and_a_discussion_uploads_its_recording(person, setup, assert_accessible, private_storage):
    assessor = person(setup.assessor.user)
    assessor.goto(f"/records/enrolments/{setup.enrolment.pk}/questioning/new/")
    assert_accessible(assessor)
    assessor.get_by_label("Topic").fill("Data protection")
    for i in range(3):
        assessor.locator(f"#id_pairs-{i}-question").fill(f"Question {i + 1}?")
        assessor.locator(f"#id_pairs-{i}-answer").fill(f"Answer {i + 1}.")
    assessor.get_by_role("button", name="Add another question").click()
    assessor.locator("#id_pairs-3-question").fill("Question 4?")
    assessor.locator("#id_pairs-3-answer").fill("Answer 4.")
    tick(assessor, criteria(setup.enrolment, "1")[0])
    assessor.get_by_label("Type your full name to sign").fill(setup.assessor.user.full_name)
    assessor.get_by_role("button", name="Sign and add to the portfolio").click()
    expect(assessor.get_by_text("Question 4?")).to_be_visible()
    assert_accessible(assessor)
    assert Questioning.objects.get().pairs.count() == 4

    assessor.goto(f"/records/enrolments/{setup.enrolment.pk}/discussion/new/")
    assert_accessible(assessor)
    assessor.get_by_label("Topic").fill("Difficult customers")
    assessor.get_by_label("Summary").fill("Sam described how they calm an angry caller.")
    assessor.get_by_label("Add files").set_input_files(
        files=[{"name": "discussion.wav", "mimeType": "audio/wav", "buffer": samples.wav()}]
    )
    expect(assessor.locator("input[type=hidden][name=files]")).to_have_count(1)
    tick(assessor, criteria(setup.enrolment, "1")[1])
    assessor.get_by_label("Type your full name to sign").fill(setup.assessor.user.full_name)
    assessor.get_by_role("button", name="Sign and add to the portfolio").click()
    expect(assessor.get_by_text("Professional discussion recorded and signed.")).to_be_visible()
    assert_accessible(assessor)
    assert ProfessionalDiscussion.objects.get().version.files.get().original_name == "discussion.wav"
