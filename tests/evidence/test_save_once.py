"""A double-clicked "Save draft" saves one draft, not two.

The evidence form carries a one-time token (apps/core/once.py): a repeat of the same send within a
few minutes is shown what the first made. Tested in-process, and for real with several posts in
flight together against a running server.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from apps.audit.models import AuditEvent
from apps.core import once
from apps.core.models import SubmissionToken
from apps.evidence.models import Evidence
from tests.assessment.conftest import setup  # noqa: F401  (a fixture)
from tests.assessment.helpers import submitted
from tests.evidence.portfolio_helpers import enrolment_with_people


def _today() -> str:
    return date.today().isoformat()


def _new_evidence_form(client, url: str) -> dict:
    page = client.get(url).content.decode()
    token = re.search(r'name="once" value="([0-9a-f-]{36})"', page)
    assert token, "the form carries a one-time token"
    return {"once": token[1], "title": "Complaint call", "evidence_date": _today(), "method": "work_product",
            "context": "real_work", "text": "I took the call and logged it."}


def _drafts(enrolment) -> int:
    return Evidence.objects.filter(enrolment=enrolment).count()


def test_the_same_form_sent_twice_saves_one_draft_and_both_answers_show_it(client, setup):  # noqa: F811
    client.force_login(setup.learner.user)
    url = reverse("evidence_new", args=[setup.enrolment.pk])
    form = _new_evidence_form(client, url)
    first, second = client.post(url, form), client.post(url, form)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert _drafts(setup.enrolment) == 1
    assert AuditEvent.objects.filter(action="evidence.created", centre=setup.centre).count() == 1
    page = client.get(second.url).content.decode()
    assert "Complaint call" in page and "Evidence saved as a draft." in page


def test_a_form_sent_again_with_a_change_or_much_later_saves_again(client, setup):  # noqa: F811
    """Only a true repeat is folded into the first: back to the page, a change, save, is a new draft."""
    client.force_login(setup.learner.user)
    url = reverse("evidence_new", args=[setup.enrolment.pk])
    form = _new_evidence_form(client, url)
    client.post(url, form)
    client.post(url, form | {"title": "Another call"})
    assert _drafts(setup.enrolment) == 2
    SubmissionToken.objects.update(created_at=timezone.now() - once.WINDOW - timedelta(seconds=1))
    client.post(url, form | {"title": "Another call"})
    assert _drafts(setup.enrolment) == 3


def test_a_form_refused_for_a_mistake_can_be_corrected_and_sent_with_the_same_token(client, setup):  # noqa: F811
    client.force_login(setup.learner.user)
    url = reverse("evidence_new", args=[setup.enrolment.pk])
    form = _new_evidence_form(client, url)
    refused = client.post(url, form | {"title": "\u200b"})
    assert refused.status_code == 200 and f'value="{form["once"]}"' in refused.content.decode()
    assert client.post(url, form).status_code == 302
    assert _drafts(setup.enrolment) == 1


def test_saving_a_change_twice_makes_one_new_version(client, setup):  # noqa: F811
    evidence = submitted(setup.enrolment, setup.learner.user)
    client.force_login(setup.learner.user)
    client.post(reverse("evidence_withdraw", args=[evidence.pk]))
    url = reverse("evidence_edit", args=[evidence.pk])
    form = _new_evidence_form(client, url) | {"title": "Complaint call, revised"}
    client.post(url, form)
    client.post(url, form)
    evidence.refresh_from_db()
    assert evidence.current.number == 2 and evidence.versions.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_against_a_live_server_save_one_draft(live_server, client, centre):
    """A double click, for real: several posts of one form in flight together, each on its own
    connection to a running server, each in its own database transaction."""
    enrolment, learner, _, _ = enrolment_with_people(centre)
    client.force_login(learner.user)
    url = live_server.url + reverse("evidence_new", args=[enrolment.pk])
    sends = 4

    def browser() -> requests.Session:
        session = requests.Session()
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        return session

    for attempt in range(3):
        sessions = [browser() for _ in range(sends)]
        page = sessions[0].get(url).text
        for session in sessions[1:]:
            session.cookies.set("csrftoken", sessions[0].cookies["csrftoken"])
        fields = {
            "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1],
            "once": re.search(r'name="once" value="([^"]+)"', page)[1],
            "title": f"Call {attempt}", "evidence_date": _today(), "method": "work_product", "context": "real_work",
        }
        barrier = threading.Barrier(sends)

        def send(session: requests.Session, fields=fields, barrier=barrier):
            barrier.wait()
            began = time.monotonic()
            # As a browser sends it: multipart, with the empty file input.
            response = session.post(url, files=[*((k, (None, v)) for k, v in fields.items()),
                                                ("upload", ("", b"", "application/octet-stream"))],
                                    allow_redirects=False, timeout=30)
            return began, time.monotonic(), response

        with ThreadPoolExecutor(sends) as pool:
            answers = list(pool.map(send, sessions))
        assert max(began for began, _, _ in answers) < min(ended for _, ended, _ in answers), "the sends overlapped"
        assert {r.status_code for _, _, r in answers} == {302}
        assert len({r.headers["Location"] for _, _, r in answers}) == 1, "every send is shown the same draft"
        assert Evidence.objects.filter(enrolment=enrolment, current__title=f"Call {attempt}").count() == 1
    assert AuditEvent.objects.filter(action="evidence.created", centre=centre).count() == 3


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_the_button_is_disabled_after_the_first_click(page, live_server, client, centre):
    """A second click while the first send is still on its way sends nothing more."""
    enrolment, learner, _, _ = enrolment_with_people(centre)
    client.force_login(learner.user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(reverse("evidence_new", args=[enrolment.pk]))
    page.get_by_label("Title").fill("Complaint call")
    # Count the sends that would go (the page's own script has had its say), and hold them here,
    # as a slow connection would: the page stays, and can be clicked again.
    page.evaluate("""() => { window.sends = 0; document.addEventListener("submit", (event) => {
        if (!event.defaultPrevented) window.sends += 1; event.preventDefault(); }); }""")
    save = page.get_by_role("button", name="Save draft")
    save.click()
    expect(save).to_be_disabled()
    save.click(force=True)  # the second click of a double click, or an impatient one
    save.click(force=True)
    assert page.evaluate("window.sends") == 1
