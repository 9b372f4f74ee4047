"""Every assessment URL × every role × a member of another centre, as tests/test_permissions.py
walks the rest of the site (these entries are meant for its ACCESS table)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.centres.roles import Cap
from apps.evidence.services import evidence_submit
from apps.qualifications.models import EvidenceRequirement
from tests.assessment.helpers import accept, unit_criteria
from tests.test_permissions import OK, ROLES, by_role, cap, world  # noqa: F401  (world is a fixture)

TRACKING_READ = by_role(rest=OK, expired_eqa={403}, admin_of_another_centre={404})
EVIDENCE_READ = by_role(rest=OK, learner={403}, expired_eqa={403}, admin_of_another_centre={404})
ASSESSMENT_ACCESS = {
    "assessment_evidence": ("get", EVIDENCE_READ),
    "assessment_decision_correct": ("post", cap(Cap.ASSESS)),
    "assessment_coverage_withdraw": ("post", cap(Cap.ASSESS)),
    "assessment_countersign": ("get", cap(Cap.ASSESS)),
    "assessment_matrix": ("get", TRACKING_READ),
    "assessment_unit": ("get", TRACKING_READ),
    "assessment_unit_sign_off": ("post", cap(Cap.ASSESS)),
    "assessment_unit_acknowledge": ("post", by_role(rest={403}, learner=OK)),
    "assessment_unit_reopen": ("post", by_role(rest={403}, assessor=OK, admin=OK, admin_of_another_centre={404})),
}


def assessed(objects, people) -> dict:
    """The home centre's evidence submitted and assessed, with a decision and a requirement tick."""
    evidence, enrolment = objects["evidence"], objects["enrolment"]
    learner = enrolment.learner.user
    evidence_submit(evidence=evidence, actor=learner, declared_name=enrolment.learner.full_name, ip_address=None)
    requirement = EvidenceRequirement.objects.create(unit=unit_criteria(enrolment, "1")[0].unit, position=0,
                                                     number="5a", text="During a busy time")
    assessor = enrolment.assessors.first()
    accept(evidence, assessor, met=unit_criteria(enrolment, "1")[:1], cover=[requirement])
    return {"decision": evidence.current.decisions.get(), "coverage": evidence.current.requirement_coverage.get()}


def url_for(name: str, objects: dict, records: dict | None) -> str:
    e, evidence = objects["enrolment"], objects["evidence"]
    args = {
        "assessment_evidence": [evidence.pk],
        "assessment_decision_correct": [evidence.pk, records["decision"].pk if records else 999999],
        "assessment_coverage_withdraw": [evidence.pk, records["coverage"].pk if records else 999999],
        "assessment_matrix": [e.pk],
        "assessment_unit": [e.pk, "1"],
        "assessment_unit_sign_off": [e.pk, "1"],
        "assessment_unit_acknowledge": [e.pk, "1"],
        "assessment_unit_reopen": [e.pk, "1"],
    }.get(name, [])
    return reverse(name, args=args)


def test_every_assessment_url_is_classified():
    from tests.test_permissions import app_urls

    assert {n for n in app_urls() if n.startswith("assessment_")} == set(ASSESSMENT_ACCESS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ASSESSMENT_ACCESS))
def test_assessment_url_answers_each_role_as_it_should(client, world, name, role):  # noqa: F811
    home, _, people, objects = world
    records = assessed(objects[home], people)
    if role != "anonymous":
        client.force_login(people[role].user)
    method, table = ASSESSMENT_ACCESS[name]
    response = getattr(client, method)(url_for(name, objects[home], records))
    assert response.status_code in table[role], (name, role, response.status_code)


@pytest.mark.parametrize("name", sorted(n for n, (_, t) in ASSESSMENT_ACCESS.items() if t["admin_of_another_centre"] == {404}))
def test_another_centres_objects_are_404(client, world, name):  # noqa: F811
    home, elsewhere, people, objects = world
    client.force_login(people["admin"].user)
    method, _ = ASSESSMENT_ACCESS[name]
    assert getattr(client, method)(url_for(name, objects[elsewhere], None)).status_code == 404
