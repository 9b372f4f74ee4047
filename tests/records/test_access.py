"""Records pages: a trainee makes records too, and pages cost the same number of queries however
many records there are. (Who may use each records URL is in tests/test_permissions.py.)"""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.evidence.services import evidence_create
from apps.records import services
from apps.records.services import RecordBasics, Signature, Witness
from tests.evidence import samples
from tests.evidence.portfolio_helpers import content, stored_file
from tests.factories import MembershipFactory
from tests.records.helpers import criteria, make_records, text


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
