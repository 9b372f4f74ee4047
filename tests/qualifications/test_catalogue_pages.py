"""The catalogue as staff browse it: qualifications, rules in plain English, units, search."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.qualifications.services import catalogue_load
from tests.factories import canonical_qualification

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"


def load(*names: str) -> None:
    for name in names:
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)


@pytest.fixture
def staff_client(client, member):
    client.force_login(member(is_assessor=True).user)
    return client


@pytest.fixture
def catalogue(db):
    load("600-1257-2.yaml", "600-1135-X.yaml", "601-5051-8.yaml", "600-1138-5.yaml")


def test_staff_see_every_qualification_with_its_status(staff_client, catalogue):
    page = staff_client.get("/catalogue/").content.decode()
    assert "NCFE Level 2 NVQ Certificate in Contact Centre Operations" in page
    assert "4 qualifications" in page
    # SFJ 601/5051/8 is past its registration end; C&G 3412 has no rules in the pack.
    sfj_row = page.split("601/5051/8")[1].split("</tr>")[0]
    assert "Withdrawn" in sfj_row
    cg_row = page.split("600/1135/X")[1].split("</tr>")[0]
    assert "Rules not in source" in cg_row and "not stated" in cg_row


def test_withdrawn_qualifications_can_be_hidden(staff_client, catalogue):
    page = staff_client.get("/catalogue/", {"withdrawn": "hide"}).content.decode()
    assert "601/5051/8" not in page and "3 qualifications" in page


def test_learners_cannot_browse_the_catalogue(client, member, catalogue):
    client.force_login(member(is_learner=True).user)
    assert client.get("/catalogue/").status_code == 403


def test_a_qualification_page_states_its_rules_and_how_they_are_read(staff_client, catalogue):
    page = staff_client.get("/catalogue/600-1257-2/").content.decode()
    assert "At least 15 credits at Level 2 or above" in page
    assert "At least 12 credits from" in page
    assert "units at that level or above" in page and "do not count, and the rest still does" in page
    assert "unit 13 Using email or unit 16 Using email: only one counts." in page
    assert "Group A mandatory units" in page or "Mandatory" in page


def test_a_qualification_without_rules_says_so(staff_client, catalogue):
    page = staff_client.get("/catalogue/600-1135-X/").content.decode()
    assert "The rules of combination are not in the source specification" in page


def test_a_shared_reference_number_is_pointed_out(staff_client, catalogue):
    # One unit printed under two numbers: its reference number is shared, and only one counts.
    data = canonical_qualification("600/0000/1")
    data["units"][2] |= {"urn": data["units"][1]["urn"], "title": data["units"][1]["title"]}
    catalogue_load(data=data, source="test.txt")
    page = staff_client.get("/catalogue/600-0000-1/").content.decode()
    assert "A/500/0002 (units 2, 3). Only one of them counts." in page
    # 3411's units 207 and 309 shared one only by a misprint, corrected (unit-309-urn).
    assert "M/503/0405 (units 207, 309)" not in staff_client.get("/catalogue/600-1138-5/").content.decode()


def test_an_unknown_qualification_is_404(staff_client, catalogue):
    assert staff_client.get("/catalogue/999-9999-9/").status_code == 404


def test_a_unit_page_lists_outcomes_criteria_and_assessment_rules(staff_client, catalogue):
    page = staff_client.get("/catalogue/600-1135-X/units/210/").content.decode()
    assert "Unit 210: Process information about customers" in page
    assert "Simulation: <strong>not allowed</strong>" in page
    # The same URN in the NCFE qualification is offered for credit transfer.
    assert "600/1257/2 unit 26" in page


def test_search_finds_units_by_title_and_by_criterion_text(staff_client, catalogue):
    page = staff_client.get("/catalogue/search/", {"q": "complaints"}).content.decode()
    assert "Process customer service complaints" in page
    assert "Record customer problems and complaints in accordance with organisational procedures" in page
    empty = staff_client.get("/catalogue/search/", {"q": "xylophone"}).content.decode()
    assert "0 units match" in empty


@pytest.mark.parametrize(
    "url",
    ["/catalogue/", "/catalogue/600-1257-2/", "/catalogue/600-1257-2/units/01/", "/catalogue/search/?q=customer"],
)
def test_catalogue_page_queries_do_not_grow_with_the_catalogue(staff_client, url, django_assert_max_num_queries):
    load("600-1257-2.yaml")
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(url).status_code == 200
    load("600-1135-X.yaml", "601-5051-8.yaml", "600-9662-7.yaml", "600-1138-5.yaml", "600-1137-3.yaml")
    with django_assert_max_num_queries(len(small)):
        assert staff_client.get(url).status_code == 200
