"""The EQA set on screen: every part shows the grant's learners and records and nothing else, the
same rows as the pack's CSVs; the centre side sees what the EQA sees; big tables are paginated
with query counts that do not grow with rows; the pages pass axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.eqa import set as eqa_set
from apps.iqa.models import PlanItem, SamplingPlan, Stage
from tests.eqa.support import eqa_world
from tests.eqa.support_pack import more_learners, pack_world, table_rows
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.iqa.support_reports import sampled_unit

PARTS = [p.slug for p in eqa_set.PARTS]
MAX_QUERIES = 32


@pytest.fixture
def pw(world):
    return pack_world(world)


def part_url(grant, part: str) -> str:
    return reverse("eqa_set_part", args=[grant.pk, part])


def test_every_part_shows_the_grants_records_and_nothing_else(pw, client):
    world = pw.world
    client.force_login(world.eqa.user)
    index = client.get(reverse("eqa_set", args=[world.grant.pk]))
    assert index.status_code == 200
    body = index.content.decode()
    assert "Build the EQA pack" in body and "600/0000/1" in body and "Due " in body

    pages = {part: client.get(part_url(world.grant, part)) for part in PARTS}
    assert {part: r.status_code for part, r in pages.items()} == dict.fromkeys(PARTS, 200)
    text = {part: r.content.decode() for part, r in pages.items()}
    for part, html in text.items():
        assert "Paula" not in html and "Elsie" not in html and "PEARSON-REG-9" not in html, part
    assert "Cara Complete" in text["assessment-plan"] and "Ned Newcomer" in text["assessment-plan"]
    assert "Version 1, the centre default" in text["strategy"]
    assert f"P-{pw.plan.pk}" in text["plans"]
    assert f"S-{pw.cara_sample.pk}" in text["samples"] and f"S-{pw.paula_sample.pk}<" not in text["samples"]
    assert "Ned&#x27;s call log" in text["standardisation"] and "long ago" not in text["standardisation"]
    assert "Pearson exemplar" not in text["standardisation"]
    staff = table_rows(text["staff"], "Assessors and IQAs")
    assert [row[:2] for row in staff] == [["Asha Assessor", "Assessor"], ["Ira Quality", "Internal quality assurer"]]
    assert staff[1][3:] == ["Not recorded"] * 5
    assert "CB-2026-0007 (Submitted)" in text["claims"] and "AR-2026-000042" in text["claims"]
    assert "tracking sheet" in text["actions"] and "A Pearson action" not in text["actions"]

    plan = client.get(part_url(world.grant, "plans") + f"?plan={pw.plan.pk}")
    items = table_rows(plan.content.decode(), "Samples planned")
    assert [row[1] for row in items] == ["Cara Complete"]  # Paula's item in the same plan is not shown
    assert client.get(part_url(world.grant, "plans") + "?plan=999999").status_code == 404
    assert client.get(part_url(world.grant, "everything")).status_code == 404


def test_the_pages_show_the_same_rows_as_the_packs_csv(pw, client):
    world = pw.world
    more_learners(world, 3)
    scope = eqa_set.scope_of(world.grant)
    client.force_login(world.eqa.user)

    page = table_rows(client.get(part_url(world.grant, "assessment-plan")).content.decode(), "Assessment plan")
    csv = [row.cells() for row in eqa_set.iter_plan_rows(scope)]
    assert [(r[0], r[4].split(" ")[0], r[9].split(" 20")[0]) for r in page] == [
        (c[0], c[4], c[10].split(" 20")[0]) for c in csv]
    assert len(page) == 10  # five learners, two units each

    claims = table_rows(client.get(part_url(world.grant, "claims")).content.decode(), "Registrations and claims")
    csv = [row.cells() for row in eqa_set.iter_claim_rows(scope)]
    assert [(r[0], r[3], r[6]) for r in claims] == [(c[0], c[3], c[6] or "Not claimed") for c in csv]


def test_the_centre_side_sees_what_the_eqa_sees_and_no_one_else_does(pw, client):
    world = pw.world
    url = part_url(world.grant, "assessment-plan")
    client.force_login(world.eqa.user)
    seen_by_eqa = table_rows(client.get(url).content.decode(), "Assessment plan")
    for member in (world.admin, world.lead):
        client.force_login(member.user)
        response = client.get(url)
        assert response.status_code == 200 and "This is what the EQA sees" in response.content.decode()
        assert table_rows(response.content.decode(), "Assessment plan") == seen_by_eqa
        index = client.get(reverse("eqa_set", args=[world.grant.pk])).content.decode()
        assert "Only the EQA builds and downloads the pack" in index and "Build the EQA pack" not in index
    for member in (world.assessor, world.iqa, world.other_admin):
        client.force_login(member.user)
        assert client.get(url).status_code == 404, member
        assert client.get(reverse("eqa_set", args=[world.grant.pk])).status_code == 404, member

    # After the end date the EQA's set is gone; the centre still reads it.
    world.grant.ends_on = world.grant.starts_on = timezone.localdate() - timedelta(days=1)
    world.grant.save(update_fields=["ends_on", "starts_on"])
    client.force_login(world.eqa.user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("eqa_set", args=[world.grant.pk])).status_code == 404
    client.force_login(world.admin.user)
    assert client.get(url).status_code == 200


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_big_tables_are_paginated_and_their_queries_do_not_grow_with_rows(pw, client):
    world = pw.world
    client.force_login(world.eqa.user)
    urls = [part_url(world.grant, p) for p in PARTS] + [part_url(world.grant, "plans") + f"?plan={pw.plan.pk}",
                                                        reverse("eqa_set", args=[world.grant.pk])]
    small = {url: _queries(client, url) for url in urls}

    grown = more_learners(world, 60)  # 62 learners: 124 rows of the assessment plan
    plan = SamplingPlan.objects.get(pk=pw.plan.pk)
    for enrolment in grown[:3]:
        sampled_unit(enrolment, assessor=world.assessor.user, iqa=world.iqa.user, plan=plan)
    today = timezone.localdate()
    for enrolment in grown[3:60]:
        unit = enrolment.planned_units.first().unit
        PlanItem.objects.create(centre=world.centre, plan=plan, enrolment=enrolment, unit=unit,
                                assessor=world.assessor.user, stage=Stage.SUMMATIVE, due_from=today,
                                due_by=today + timedelta(days=30), reason=PlanItem.Reason.RANDOM)
    big = {url: _queries(client, url) for url in urls}
    assert big == small
    assert max(big.values()) <= MAX_QUERIES, big

    first = table_rows(client.get(part_url(world.grant, "assessment-plan")).content.decode(), "Assessment plan")
    last = client.get(part_url(world.grant, "assessment-plan") + "?page=3").content.decode()
    assert len(first) == eqa_set.PER_PAGE and len(table_rows(last, "Assessment plan")) == 124 - 2 * eqa_set.PER_PAGE
    assert "Page 3 of 3" in last
    claims = client.get(part_url(world.grant, "claims") + "?page=2").content.decode()
    assert len(table_rows(claims, "Registrations and claims")) == 62 - eqa_set.PER_PAGE
    items = client.get(part_url(world.grant, "plans") + f"?plan={pw.plan.pk}&page=2").content.decode()
    assert len(table_rows(items, "Samples planned")) == 61 - eqa_set.PER_PAGE  # Cara's, 3 sampled, 57 planned


@pytest.mark.browser
def test_the_set_and_the_pack_pages_pass_axe(browser, live_server, assert_accessible, private_storage):  # noqa: F811
    world = eqa_world()
    pw = pack_world(world)
    eqa = world.eqa.user
    eqa.set_password("correct horse battery staple")
    eqa.save()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(eqa.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()

    page.goto(reverse("eqa_set", args=[world.grant.pk]))
    assert_accessible(page)
    for part in PARTS:
        page.get_by_role("navigation", name="The EQA set").get_by_role("link", name=eqa_set.PART_BY_SLUG[part].title).click()
        page.get_by_role("heading", level=1, name=eqa_set.PART_BY_SLUG[part].title).wait_for()
        assert_accessible(page)
    page.goto(part_url(world.grant, "plans") + f"?plan={pw.plan.pk}")
    assert_accessible(page)

    page.goto(reverse("eqa_set", args=[world.grant.pk]))
    page.get_by_role("button", name="Build the EQA pack").click()
    page.get_by_role("link", name="Download the EQA pack (ZIP)").wait_for()  # built, and the page followed it
    assert_accessible(page)
    context.close()
