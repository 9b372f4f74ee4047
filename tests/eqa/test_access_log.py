"""Every page and file an EQA opens is logged for the centre, in words; the admins read it,
filtered by EQA and by dates; a failed write never breaks the page."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.eqa.access_log import describe
from apps.eqa.models import AccessLog
from tests.eqa.support import grant_for
from tests.factories import MembershipFactory


@pytest.fixture
def eqa_client(client, world):
    client.force_login(world.eqa.user)
    return client


def day(value) -> str:
    return f"{value.day} {value:%b %Y}"


def logged(world) -> list[tuple[str, str, int]]:
    return list(AccessLog.objects.filter(user=world.eqa.user).order_by("pk").values_list("method", "what", "status_code"))


def test_pages_and_a_file_download_are_logged_in_words(eqa_client, world):
    assert eqa_client.get(reverse("eqa_home")).status_code == 200
    assert eqa_client.get(reverse("enrolment_plan", args=[world.cara.pk])).status_code == 200
    assert eqa_client.get(reverse("evidence_detail", args=[world.evidence.pk])).status_code == 200
    download = eqa_client.get(reverse("file_download", args=[world.file.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)
    assert eqa_client.get(reverse("enrolment_plan", args=[world.paula.pk])).status_code == 404
    assert eqa_client.get(reverse("eqa_grant", args=[world.grant.pk])).status_code == 200

    assert logged(world) == [
        ("GET", "EQA home", 200),
        ("GET", "Assessment plan: Cara Complete, 600/0000/1", 200),
        ("GET", "Evidence: “Site safety walk” by Cara Complete", 200),
        ("GET", "Evidence file: site-photo.jpg", 200),
        ("GET", "Assessment plan: Paula Pearson, 603/0000/2", 404),
        ("GET", f"EQA access: NCFE, {day(world.grant.starts_on)} to {day(world.grant.ends_on)}", 200),
    ]
    row = AccessLog.objects.filter(what="Evidence file: site-photo.jpg").get()
    assert row.centre == world.centre and row.path == reverse("file_download", args=[world.file.pk])
    assert row.view_name == "file_download"


@pytest.mark.parametrize("name, kwargs, words", [
    ("iqa_strategies", {}, "Sampling strategies"),
    ("iqa_plan", {"pk": 7}, "Sampling plan 7"),
    ("claims_batch", {"pk": 999999}, "Claim batch"),
    ("eqa_set_part", {"grant_pk": 999999, "part": "staff-register"}, "EQA set: Staff register"),
    ("eqa_request_new", {"grant_pk": 999999}, "New sample request"),
    ("some_new_page", {}, "Some new page"),
    ("", {}, "Page not found: /nowhere/"),
])
def test_an_address_in_words(db, name, kwargs, words):
    assert describe(name, kwargs, "/nowhere/") == words


def test_the_main_objects_are_named(world):
    assert describe("portfolio", {"enrolment": world.ned.pk}, "/") == "Portfolio: Ned Newcomer, 600/0000/1"
    assert describe("assessment_unit", {"pk": world.cara.pk, "number": "1"}, "/") == (
        "Unit record: Cara Complete, 600/0000/1, unit 1")
    assert describe("learner_detail", {"pk": world.paula.learner.pk}, "/") == "Learner: Paula Pearson"
    assert describe("eqa_request_new", {"grant_pk": world.grant.pk}, "/") == (
        f"New sample request (EQA access: NCFE, {day(world.grant.starts_on)} to {day(world.grant.ends_on)})")


def test_a_draft_the_eqa_cannot_see_is_logged_as_refused(eqa_client, world):
    assert eqa_client.get(reverse("file_download", args=[world.draft_file.pk])).status_code == 404
    assert logged(world) == [("GET", "Evidence file: draft-notes.jpg", 404)]


def test_static_files_health_and_progress_polling_are_not_logged(eqa_client, world):
    eqa_client.get("/static/css/attest.css")
    eqa_client.get(reverse("healthz"))
    eqa_client.get(reverse("eqa_pack_status", args=[1]), HTTP_HX_REQUEST="true")
    assert logged(world) == []


def test_other_people_are_not_logged(client, world):
    for person in (world.admin, world.lead, world.assessor):
        client.force_login(person.user)
        client.get(reverse("enrolment_plan", args=[world.cara.pk]))
    assert not AccessLog.objects.exists()


def test_an_eqa_whose_access_ended_is_no_longer_logged_as_eqa(client, world):
    today = timezone.localdate()
    lapsed = MembershipFactory(centre=world.centre, is_eqa=True, eqa_expires_on=today)
    grant_for(lapsed, qualifications=[world.ncfe], starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=1))
    client.force_login(lapsed.user)
    assert client.get(reverse("enrolment_plan", args=[world.cara.pk])).status_code == 404
    assert not AccessLog.objects.exists()  # no role left: nothing of the centre to see or log


def test_a_failed_write_never_breaks_the_page_and_is_reported(eqa_client, world, monkeypatch, caplog):
    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AccessLog.objects, "create", broken)
    with caplog.at_level(logging.ERROR, logger="apps.eqa.middleware"):
        response = eqa_client.get(reverse("enrolment_plan", args=[world.cara.pk]))
    assert response.status_code == 200 and "Cara Complete" in response.content.decode()
    assert "Could not log the EQA's visit to /learners/enrolments/" in caplog.text


def test_the_log_is_append_only(eqa_client, world):
    eqa_client.get(reverse("eqa_home"))
    row = AccessLog.objects.get()
    for sql in ("UPDATE eqa_accesslog SET what = 'nothing' WHERE id = %s", "DELETE FROM eqa_accesslog WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AccessLog.objects.get().what == "EQA home"


# --- the admins' page ------------------------------------------------------------------------------


def _row(world, user, what: str, days_ago: int = 0, status: int = 200) -> AccessLog:
    return AccessLog.objects.create(centre=world.centre, user=user, at=timezone.now() - timedelta(days=days_ago),
                                    method="GET", path="/somewhere/", view_name="somewhere", what=what,
                                    status_code=status)


def test_the_admin_sees_who_looked_at_what_and_filters_by_eqa_and_dates(client, world):
    second = MembershipFactory(centre=world.centre, is_eqa=True, eqa_expires_on=timezone.localdate(),
                               user__full_name="Sam Second")
    grant_for(second, qualifications=[world.ncfe])
    _row(world, world.eqa.user, "Learner: Cara Complete", days_ago=10)
    _row(world, world.eqa.user, "Evidence file: site-photo.jpg", days_ago=1, status=404)
    _row(world, second.user, "Sample record: S-3", days_ago=1)
    client.force_login(world.admin.user)
    url = reverse("eqa_access_log")

    page = client.get(url).content.decode()
    assert page.index("Evidence file: site-photo.jpg") < page.index("Learner: Cara Complete")  # newest first
    assert "Sam Second" in page and "Eve External" in page and "Not found" in page

    by_eqa = client.get(url, {"user": world.eqa.user.pk}).content.decode()
    assert "Learner: Cara Complete" in by_eqa and "Sample record: S-3" not in by_eqa

    since = (timezone.localdate() - timedelta(days=3)).isoformat()
    by_dates = client.get(url, {"date_from": since, "date_to": timezone.localdate().isoformat()}).content.decode()
    assert "Evidence file: site-photo.jpg" in by_dates and "Sample record: S-3" in by_dates
    assert "Learner: Cara Complete" not in by_dates

    swapped = client.get(url, {"date_from": timezone.localdate().isoformat(), "date_to": since})
    assert "The end date is before the start date." in swapped.content.decode()
    unknown = client.get(url, {"user": 999999})
    assert "Choose an EQA from the list." in unknown.content.decode()


def test_only_those_who_read_the_trail_see_the_log(client, world):
    for person in (world.eqa, world.lead, world.iqa, world.assessor):
        client.force_login(person.user)
        assert client.get(reverse("eqa_access_log")).status_code == 403
    client.force_login(world.other_admin.user)
    _row(world, world.eqa.user, "Learner: Cara Complete")
    assert "Cara Complete" not in client.get(reverse("eqa_access_log")).content.decode()


def test_the_log_pages_by_fifty_and_its_queries_do_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.admin.user)
    url = reverse("eqa_access_log")

    def count() -> int:
        with django_assert_max_num_queries(50) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for n in range(3):
        _row(world, world.eqa.user, f"Page {n}")
    few = count()
    AccessLog.objects.bulk_create([
        AccessLog(centre=world.centre, user=world.eqa.user, method="GET", path="/p/", view_name="p", what=f"Page {n}",
                  status_code=200) for n in range(3, 120)
    ])
    assert count() == few
    page = client.get(url).content.decode()
    assert "Page 1 of 3" in page and page.count("<time ") == 50
