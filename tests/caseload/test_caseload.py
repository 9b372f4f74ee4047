from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.caseload.rag import rag_status
from apps.evidence.models import Evidence
from apps.evidence.services import evidence_create, evidence_submit
from apps.learners.models import Enrolment, Learner
from tests.evidence.portfolio_helpers import content, enrolment_with_people
from tests.factories import MembershipFactory

START, END = date(2026, 1, 1), date(2026, 12, 31)


@pytest.mark.parametrize(
    "today, met, total, colour",
    [
        (date(2026, 1, 10), 0, 20, "green"),  # just started
        (date(2026, 7, 2), 9, 20, "green"),  # half the time, 45% met: within 10 points
        (date(2026, 7, 2), 7, 20, "amber"),  # 35% met: 15 points behind
        (date(2026, 7, 2), 4, 20, "red"),  # 20% met: 30 points behind
        (date(2027, 1, 5), 19, 20, "red"),  # past the planned end, not finished
        (date(2027, 1, 5), 20, 20, "green"),  # finished
    ],
)
def test_the_status_compares_criteria_met_with_time_gone(today, met, total, colour):
    assert rag_status(start=START, planned_end=END, today=today, met=met, total=total).colour == colour


def submit(enrolment, learner, title: str, days_ago: int) -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=content(title=title))
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=enrolment.learner.full_name, ip_address=None)
    Evidence.objects.filter(pk=evidence.pk).update(submitted_at=timezone.now() - timedelta(days=days_ago))
    return evidence


def second_learner(enrolment, assessor, name: str) -> tuple[Enrolment, object]:
    member = MembershipFactory(centre=enrolment.centre, is_learner=True, user__full_name=name)
    record = Learner.objects.create(centre=enrolment.centre, user=member.user, full_name=name, email=member.user.email)
    other = Enrolment.objects.create(
        centre=enrolment.centre, learner=record, qualification=enrolment.qualification,
        start_date=timezone.localdate() - timedelta(days=300), planned_end_date=timezone.localdate() + timedelta(days=30),
    )
    other.assessors.add(assessor.user)
    return other, member


def test_the_caseload_lists_assigned_learners_with_waiting_evidence_oldest_first(client, centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    submit(enrolment, learner, "Newer", days_ago=1)
    oldest = submit(enrolment, learner, "Older", days_ago=9)
    other, other_learner = second_learner(enrolment, assessor, "Zara Behind")
    not_mine, _, _, _ = enrolment_with_people(centre)  # someone else's learner
    client.force_login(assessor.user)
    page = html.unescape(client.get("/caseload/").content.decode())
    assert "2 learners assigned to you; 2 pieces of evidence waiting, the oldest for 9 days." in page
    assert f'href="/assessment/evidence/{oldest.pk}/">Assess the oldest waiting evidence' in page
    assert not_mine.learner.full_name not in page
    # Zara is 300 days into a 330-day plan with nothing met: red, and first by status.
    assert page.index("Zara Behind") < page.index(enrolment.learner.full_name)
    assert "well behind plan" in page


def test_the_caseload_sorts_and_filters(client, centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    submit(enrolment, learner, "Waiting", days_ago=2)
    second_learner(enrolment, assessor, "Aaron Idle")
    client.force_login(assessor.user)
    waiting_only = html.unescape(client.get("/caseload/", {"waiting": "1"}).content.decode())
    assert "Aaron Idle" not in waiting_only and enrolment.learner.full_name in waiting_only
    by_name = html.unescape(client.get("/caseload/", {"sort": "learner"}).content.decode())
    assert 'aria-sort="ascending"' in by_name
    assert "No learner matches these filters." in html.unescape(client.get("/caseload/", {"q": "nobody-by-this-name"}).content.decode())


def test_only_assessors_have_a_caseload(client, centre):
    enrolment, learner, _, iqa = enrolment_with_people(centre)
    client.force_login(learner.user)
    assert client.get("/caseload/").status_code == 403
    client.force_login(iqa.user)
    assert client.get("/caseload/").status_code == 403


def test_caseload_queries_do_not_grow_with_learners_or_evidence(client, centre, django_assert_max_num_queries):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    submit(enrolment, learner, "First", days_ago=1)
    client.force_login(assessor.user)
    with CaptureQueriesContext(connection) as few:
        client.get("/caseload/")
    for i in range(6):
        other, member = second_learner(enrolment, assessor, f"Learner {i}")
        for j in range(3):
            submit(other, member, f"Evidence {i}.{j}", days_ago=j)
    with django_assert_max_num_queries(len(few)):
        page = html.unescape(client.get("/caseload/").content.decode())
    assert "7 learners assigned to you" in page


def test_the_caseload_filters_by_status_and_the_headings_keep_the_filters(client, centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    submit(enrolment, learner, "Waiting", days_ago=2)
    other, other_learner = second_learner(enrolment, assessor, "Zara Behind")
    submit(other, other_learner, "Late", days_ago=1)
    client.force_login(assessor.user)
    page = html.unescape(client.get("/caseload/", {"status": "red", "waiting": "1", "q": "zara"}).content.decode())
    assert "Zara Behind" in page and enrolment.learner.full_name not in page
    assert '<option value="red" selected>Red: well behind plan</option>' in page
    assert 'type="checkbox" name="waiting" value="1"' in page and "checked" in page
    assert 'href="?sort=learner&status=red&waiting=1&q=zara">Learner</a>' in page
    green = html.unescape(client.get("/caseload/", {"status": "green"}).content.decode())
    assert enrolment.learner.full_name in green and "Zara Behind" not in green


@pytest.mark.parametrize(
    "query, message",
    [
        ({"status": "purple"}, "There is no such status: choose red, amber or green."),
        ({"q": "x" * 201}, "Search for at most 200 characters."),
        ({"sort": "shoe-size"}, "The list cannot be sorted that way: it is sorted by status."),
    ],
)
def test_a_nonsense_caseload_filter_is_explained_and_the_rest_still_applies(client, centre, query, message):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    submit(enrolment, learner, "Waiting", days_ago=2)
    second_learner(enrolment, assessor, "Aaron Idle")
    client.force_login(assessor.user)
    response = client.get("/caseload/", {"waiting": "1"} | query)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and message in page
    assert enrolment.learner.full_name in page and "Aaron Idle" not in page


def test_a_nonsense_sort_falls_back_to_status(client, centre):
    enrolment, _, assessor, _ = enrolment_with_people(centre)
    client.force_login(assessor.user)
    page = html.unescape(client.get("/caseload/", {"sort": "shoe-size"}).content.decode())
    assert page.count("aria-sort=") == 1 and 'aria-sort="ascending"><a href="?sort=status">Status</a>' in page
    assert '<input type="hidden" name="sort" value="status"' in page  # filtering again forgets the nonsense


def test_every_column_heading_sorts_the_caseload():
    from apps.caseload.forms import COLUMNS
    from apps.caseload.selectors import SORTS

    assert [column.key for column in COLUMNS] == list(SORTS)


def test_the_rows_kept_from_the_last_visit_never_hide_a_change(client, centre):
    """The rows are a cached fragment keyed by what they show: a second visit after a change
    shows the change, and a renamed learner is renamed at once."""
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    submit(enrolment, learner, "First", days_ago=3)
    client.force_login(assessor.user)
    first = html.unescape(client.get("/caseload/").content.decode())
    assert "1 piece of evidence waiting, the oldest for 3 days" in first
    submit(enrolment, learner, "Second", days_ago=5)
    Learner.objects.filter(pk=enrolment.learner_id).update(full_name="Renamed Learner")
    second = html.unescape(client.get("/caseload/").content.decode())
    assert "2 pieces of evidence waiting, the oldest for 5 days" in second
    row = second[second.index("Renamed Learner"):]
    assert row.index('?status=submitted">2<') < row.index("</tr>")  # the row's own waiting count, not the old 1


def test_a_cached_fragment_refuses_values_its_key_could_not_see(centre):
    from apps.core.fragments import fragment_key

    enrolment, _, _, _ = enrolment_with_people(centre)
    with pytest.raises(TypeError, match=r"context\['rows'\]\[0\] is a Enrolment"):
        fragment_key("caseload/includes/rows.html", {"rows": [enrolment]})
