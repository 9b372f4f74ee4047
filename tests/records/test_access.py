"""Who may use each records page, and pages that cost the same number of queries however many records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.evidence.services import evidence_create
from apps.records import services
from apps.records.services import RecordBasics, Signature, Witness
from tests.evidence import samples
from tests.evidence.portfolio_helpers import content, stored_file
from tests.factories import CentreFactory, MembershipFactory
from tests.records.helpers import criteria, make_records, text

ROLES = ["anonymous", "learner", "assessor", "other_assessor", "iqa", "admin", "eqa", "expired_eqa", "outsider"]


def expect(**answers: int) -> dict[str, int]:
    """Expected status per role; `rest` for everyone not named; anonymous people sign in first."""
    rest = answers.pop("rest")
    table = {role: answers.get(role, rest) for role in ROLES}
    table["anonymous"] = answers.get("anonymous", 302)
    # Nobody outside the enrolment's scope learns that it exists.
    for hidden in ("other_assessor", "expired_eqa", "outsider"):
        table[hidden] = answers.get(hidden, 404)
    return table


STAFF_READ = expect(rest=200, learner=403)
CREATE = expect(rest=403, assessor=200)
READ = expect(rest=200)
CONFIRM = expect(rest=403, learner=200)
MANAGE = expect(rest=403, assessor=302)
PUBLIC = {role: 200 for role in ROLES}

# url name -> (method, expected status per role); the lead copies these into tests/test_permissions.py.
ACCESS = {
    "records_enrolment": ("get", STAFF_READ),
    "records_observation_new": ("get", CREATE),
    "records_questioning_new": ("get", CREATE),
    "records_discussion_new": ("get", CREATE),
    "records_witness_new": ("get", CREATE),
    "records_observation": ("get", READ),
    "records_observation_confirm": ("get", CONFIRM),
    "records_questioning": ("get", READ),
    "records_discussion": ("get", READ),
    "records_witness": ("get", READ),
    "records_witness_resend": ("post", MANAGE),
    "records_witness_cancel": ("post", MANAGE),
    "records_witness_respond": ("get", PUBLIC),
    "records_witness_thanks": ("get", PUBLIC),
}


@pytest.fixture
def world(setup):
    today = timezone.localdate()
    people = {
        "learner": setup.learner,
        "assessor": setup.assessor,
        "other_assessor": MembershipFactory(centre=setup.centre, is_assessor=True),
        "iqa": setup.iqa,
        "admin": MembershipFactory(centre=setup.centre, is_admin=True),
        "eqa": MembershipFactory(centre=setup.centre, is_eqa=True, eqa_expires_on=today + timedelta(days=30)),
        "expired_eqa": MembershipFactory(centre=setup.centre, is_eqa=True, eqa_expires_on=today - timedelta(days=1)),
        "outsider": MembershipFactory(centre=CentreFactory(), is_admin=True),
    }
    return setup, people, make_records(setup.enrolment, setup.assessor.user)


def url_for(name: str, setup, made: dict) -> str:
    args = {
        "records_enrolment": [setup.enrolment.pk],
        "records_observation_new": [setup.enrolment.pk],
        "records_questioning_new": [setup.enrolment.pk],
        "records_discussion_new": [setup.enrolment.pk],
        "records_witness_new": [setup.enrolment.pk],
        "records_observation": [made["observation"].pk],
        "records_observation_confirm": [made["observation"].pk],
        "records_questioning": [made["questioning"].pk],
        "records_discussion": [made["discussion"].pk],
        "records_witness": [made["witness"].pk],
        "records_witness_resend": [made["witness"].pk],
        "records_witness_cancel": [made["witness"].pk],
        "records_witness_respond": [made["token"]],
    }.get(name, [])
    return reverse(name, args=args)


def test_every_records_url_is_classified():
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str) and name.startswith("records_")}
    assert names == set(ACCESS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_each_role_gets_what_it_should(client, world, name, role):
    setup, people, made = world
    if role != "anonymous":
        client.force_login(people[role].user)
    method, table = ACCESS[name]
    url = url_for(name, setup, made)
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == table[role], (name, role, response.status_code)
    if role == "anonymous" and table is not PUBLIC:
        assert response.url.startswith(reverse("account_login"))


def test_a_trainee_assessor_assigned_to_the_learner_creates_records(client, setup):
    trainee = MembershipFactory(centre=setup.centre, is_assessor=True, is_trainee_assessor=True)
    setup.enrolment.assessors.add(trainee.user)
    client.force_login(trainee.user)
    assert client.get(f"/records/enrolments/{setup.enrolment.pk}/observation/new/").status_code == 200


def test_the_records_page_costs_the_same_queries_with_more_records(client, setup):
    make_records(setup.enrolment, setup.assessor.user, n=1)
    client.force_login(setup.assessor.user)
    page_url = f"/records/enrolments/{setup.enrolment.pk}/"
    client.get(page_url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url).status_code == 200
    make_records(setup.enrolment, setup.assessor.user, n=4)
    with CaptureQueriesContext(connection) as many:
        response = client.get(page_url)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    page = text(response)
    assert page.count("Waiting for the learner's confirmation") == 5 and "Witness 3" in page


@pytest.mark.parametrize("kind", ["observation", "questioning", "discussion", "witness"])
def test_record_pages_cost_the_same_queries_whatever_their_size(client, setup, kind):
    client.force_login(setup.assessor.user)
    small = make_records(setup.enrolment, setup.assessor.user)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/records/{kind}/{small[kind].pk}/")
    sign = Signature(name=setup.assessor.user.full_name)
    everything = RecordBasics(on=timezone.localdate(), context="real_work",
                              criteria=criteria(setup.enrolment, "1") + criteria(setup.enrolment, "2") + criteria(setup.enrolment, "3"))
    big = {
        "observation": lambda: services.observation_create(
            enrolment=setup.enrolment, assessor=setup.assessor.user, basics=everything, place="x", activity="y",
            account="z", signature=sign),
        "questioning": lambda: services.questioning_create(
            enrolment=setup.enrolment, assessor=setup.assessor.user, basics=everything, topic="t",
            pairs=[(f"Q{i}", f"A{i}") for i in range(12)], signature=sign),
        "discussion": lambda: services.discussion_create(
            enrolment=setup.enrolment, assessor=setup.assessor.user, basics=everything, topic="t", summary="s",
            files=[stored_file(setup.centre, setup.assessor.user, samples.wav(), f"t{i}.wav", "audio/wav", "audio")
                   for i in range(5)], signature=sign),
        "witness": lambda: services.witness_request_create(
            enrolment=setup.enrolment, assessor=setup.assessor.user,
            witness=Witness(name="W", email="w@example.test", job_title="M", relationship="M"), activity="a",
            basics=everything, base_url="http://testserver/"),
    }[kind]()
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/records/{kind}/{big.pk}/").status_code == 200
    assert len(many) == len(few)


def test_the_new_record_forms_cost_the_same_queries_with_more_criteria(client, setup):
    from tests.factories import canonical_qualification, make_qualification

    client.force_login(setup.assessor.user)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/records/enrolments/{setup.enrolment.pk}/observation/new/")
    # Three times the units (and criteria) of the small qualification.
    units = [
        {**u, "number": str(i), "urn": f"A/500/{i:04d}"}
        for i, u in enumerate(canonical_qualification()["units"] * 3, start=1)
    ]
    bigger = make_qualification(number="600/0000/2", units=units)
    assert bigger.units.count() == 12
    setup.enrolment.qualification = bigger
    setup.enrolment.save()
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/records/enrolments/{setup.enrolment.pk}/observation/new/").status_code == 200
    assert len(many) == len(few)


def render_tag(source: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    request.membership = user.memberships.first()
    return Template("{% load records %}" + source).render(Context({"request": request, **context}))


def test_the_evidence_page_summary_names_the_record_and_asks_the_learner_to_confirm(setup):
    made = make_records(setup.enrolment, setup.assessor.user)
    version = made["observation"].version
    for_learner = render_tag("{% record_summary version %}", setup.learner.user, version=version)
    assert "Observation record" in for_learner and "Waiting for the learner" in for_learner
    assert f"/records/observation/{made['observation'].pk}/confirm/" in for_learner
    for_assessor = render_tag("{% record_summary version %}", setup.assessor.user, version=version)
    assert "Waiting for the learner" in for_assessor and "/confirm/" not in for_assessor
    own = evidence_create(enrolment=setup.enrolment, actor=setup.learner.user, content=content(method="observation"))
    assert render_tag("{% record_summary version %}", setup.learner.user, version=own.current).strip() == ""


def test_the_new_record_menu_shows_only_to_assigned_assessors(setup):
    menu = "{% new_record_menu enrolment %}"
    assert "Witness testimony request" in render_tag(menu, setup.assessor.user, enrolment=setup.enrolment)
    assert render_tag(menu, setup.iqa.user, enrolment=setup.enrolment).strip() == ""
    assert render_tag(menu, setup.learner.user, enrolment=setup.enrolment).strip() == ""
