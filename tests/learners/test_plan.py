"""The unit plan: mandatory units included, optional units chosen by the learner or an admin,
prior units recorded by admins, and the rules engine's verdict in plain words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.learners.models import Enrolment, PlannedUnit, PriorAchievement
from apps.learners.services import enrolment_plan_verdict, prior_achievement_record
from apps.qualifications.models import Unit
from tests.factories import MembershipFactory, make_qualification

from .conftest import load_fixture


def units(qualification, *numbers) -> list[int]:
    return [Unit.objects.get(qualification=qualification, number=n).pk for n in numbers]


def planned(enrolment) -> list[str]:
    return sorted(PlannedUnit.objects.filter(enrolment=enrolment).values_list("unit__number", flat=True))


@pytest.fixture
def own(member, make_learner, enrol):
    """A signed-up learner, their enrolment on 600/0000/1, and their membership."""
    membership = member(is_learner=True)
    learner = make_learner(full_name="Lou Learner", email=membership.user.email, user=membership.user)
    return enrol(learner), membership


def test_a_new_plan_holds_the_mandatory_units_and_says_what_is_missing(admin_client, own):
    enrolment, _ = own
    page = admin_client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "Unit plan of Lou Learner" in page
    assert "Included (mandatory)" in page
    assert "This plan cannot achieve the qualification. Still needed:" in page
    assert "<li>6 more credits in total</li>" in page
    assert "units at that level or above" in page  # the interpretation in force


def test_the_learner_chooses_optional_units_and_the_plan_achieves_the_qualification(client, own, qualification):
    enrolment, membership = own
    client.force_login(membership.user)
    page = client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "Your unit plan" in page and 'name="units"' in page
    response = client.post(
        f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(qualification, "1", "2", "3")}, follow=True
    )
    page = response.content.decode()
    assert "Unit plan saved." in page
    assert "This plan can achieve the qualification: 10 credits from 3 units count towards it" in page
    assert planned(enrolment) == ["1", "2", "3"]
    event = AuditEvent.objects.get(action="enrolment.plan_changed")
    assert event.payload == {"added": ["2", "3"], "removed": []} and event.actor == membership.user
    # Unticking a unit takes it out again.
    client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(qualification, "1", "2")})
    assert planned(enrolment) == ["1", "2"]
    assert PlannedUnit.objects.get(enrolment=enrolment, unit__number="2").source == PlannedUnit.Source.CHOSEN


def test_a_mandatory_unit_cannot_be_removed(admin_client, own, qualification):
    enrolment, _ = own
    response = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(qualification, "2")}, follow=True
    )
    assert "Mandatory units cannot be removed from the plan: unit 1 Unit 1 title." in response.content.decode()
    assert planned(enrolment) == ["1"]
    assert not AuditEvent.objects.filter(action="enrolment.plan_changed").exists()


def test_a_unit_of_another_qualification_is_refused(admin_client, own, qualification):
    enrolment, _ = own
    other = make_qualification(number="600/0000/9")
    response = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/plan/",
        {"units": units(qualification, "1") + units(other, "2")},
        follow=True,
    )
    assert "The plan can only hold units of 600/0000/1: unit 2 of 600/0000/9 is not one of them." in response.content.decode()
    assert planned(enrolment) == ["1"]


def test_a_garbled_post_changes_nothing(admin_client, own):
    enrolment, _ = own
    response = admin_client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": ["x"]}, follow=True)
    assert "The plan could not be read" in response.content.decode()
    assert planned(enrolment) == ["1"]


def test_a_barred_pair_and_group_credits_are_explained(admin_client, make_learner, enrol):
    qualification = make_qualification(
        number="600/0000/3",
        rules=[{"type": "credits", "groups": None, "min": 10}, {"type": "credits", "groups": ["B"], "min": 8}],
        barred=[{"units": ["2", "3"], "text": "Unit 2 is barred against unit 3"}],
    )
    enrolment = enrol(make_learner(), qualification=qualification)
    admin_client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(qualification, "1", "2", "3")})
    page = admin_client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "Units in the plan that would not count" in page
    assert "Unit 3 Unit 3 title: barred against unit 2, which counts instead (Unit 2 is barred against unit 3)." in page
    assert "<li>3 more credits in total</li>" in page and "<li>5 more credits from Optional</li>" in page


def test_the_real_ncfe_plan_explains_its_barred_email_units(admin_client, make_learner, enrol):
    ncfe = load_fixture("600-1257-2.yaml")
    enrolment = enrol(make_learner(), qualification=ncfe)
    assert planned(enrolment) == ["01", "02"]  # group A
    admin_client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(ncfe, "01", "02", "13", "16")})
    page = admin_client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "Unit 13 Using email: barred against unit 16, which counts instead" in page  # 16 has more credits
    assert "more credits from Group B optional units" in page
    assert "Only one of units 13 and 16 counts" in page
    assert "Only one of this and unit 16 counts." in page and "Only one of this and unit 13 counts." in page


def test_a_qualification_without_rules_is_not_determinable(admin_client, make_learner, enrol):
    pack = load_fixture("600-1135-X.yaml")
    enrolment = enrol(make_learner(), qualification=pack)
    assert planned(enrolment) == []  # no groups, so nothing is mandatory
    admin_client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(pack, "208", "209")})
    page = admin_client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "Attest cannot tell." in page and "not determinable" in page
    assert enrolment_plan_verdict(enrolment).achieved is None


def test_units_achieved_elsewhere_count_towards_the_rules(admin_client, own, qualification, admin_membership):
    enrolment, _ = own
    response = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/prior/",
        {"unit": units(qualification, "4")[0], "route": "credit_transfer", "reference": "NCFE cert 12345",
         "achieved_on": "2024-06-30"},
        follow=True,
    )
    page = response.content.decode()
    assert "Unit 4 recorded as credit transfer." in page
    assert "NCFE cert 12345" in page and "<li>1 more credit in total</li>" in page
    admin_client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(qualification, "1", "2")})
    verdict = enrolment_plan_verdict(Enrolment.objects.get(pk=enrolment.pk))
    assert verdict.achieved is True and verdict.credits == 12
    assert {c.number: c.via for c in verdict.counted} == {"1": "assessed", "2": "assessed", "4": "credit_transfer"}
    event = AuditEvent.objects.get(action="enrolment.prior_achievement_recorded")
    assert event.payload["reference"] == "NCFE cert 12345" and event.actor == admin_membership.user


def test_a_planned_unit_also_recorded_as_prior_counts_once(own, qualification, admin_membership):
    enrolment, _ = own
    unit = Unit.objects.get(qualification=qualification, number="1")
    prior_achievement_record(enrolment=enrolment, actor=admin_membership.user, unit=unit, route="rpl", reference="RPL file 7")
    verdict = enrolment_plan_verdict(enrolment)
    assert verdict.counted_units == ["1"] and verdict.counted[0].via == "rpl" and not verdict.ignored


@pytest.mark.parametrize(
    "change, message",
    [
        ({"reference": ""}, "This field is required."),
        ({"route": "bribery"}, "Select a valid choice."),
        ({"achieved_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, "is in the future"),
        ({"unit": ""}, "This field is required."),
    ],
)
def test_a_bad_prior_achievement_is_refused_and_nothing_is_stored(admin_client, own, qualification, change, message):
    enrolment, _ = own
    data = {"unit": units(qualification, "4")[0], "route": "rpl", "reference": "RPL 1"} | change
    response = admin_client.post(f"/learners/enrolments/{enrolment.pk}/prior/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not PriorAchievement.objects.exists()


def test_a_unit_of_another_qualification_cannot_be_recorded_as_prior(admin_client, own):
    enrolment, _ = own
    other = make_qualification(number="600/0000/9")
    response = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/prior/", {"unit": units(other, "4")[0], "route": "rpl", "reference": "x"}
    )
    assert "Select a valid choice" in response.content.decode()
    assert not PriorAchievement.objects.exists()


def test_a_unit_is_recorded_as_prior_once(admin_client, own, qualification, admin_membership):
    enrolment, _ = own
    unit = Unit.objects.get(qualification=qualification, number="4")
    prior_achievement_record(enrolment=enrolment, actor=admin_membership.user, unit=unit, route="rpl", reference="A")
    response = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/prior/", {"unit": unit.pk, "route": "exemption", "reference": "B"}
    )
    assert "Select a valid choice" in response.content.decode() or "already recorded" in response.content.decode()
    assert PriorAchievement.objects.get().reference == "A"


def test_removing_a_prior_achievement_is_audited(admin_client, own, qualification, admin_membership):
    enrolment, _ = own
    unit = Unit.objects.get(qualification=qualification, number="4")
    prior = prior_achievement_record(enrolment=enrolment, actor=admin_membership.user, unit=unit, route="rpl", reference="A")
    page = admin_client.post(f"/learners/enrolments/{enrolment.pk}/prior/{prior.pk}/remove/", follow=True).content.decode()
    assert "Unit 4 is no longer recorded as achieved elsewhere." in page
    assert not PriorAchievement.objects.exists()
    assert AuditEvent.objects.get(action="enrolment.prior_achievement_removed").payload["reference"] == "A"


def test_learners_see_but_cannot_record_prior_achievements(client, own, qualification):
    enrolment, membership = own
    client.force_login(membership.user)
    page = client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "Record a unit achieved elsewhere" not in page
    response = client.post(
        f"/learners/enrolments/{enrolment.pk}/prior/", {"unit": units(qualification, "4")[0], "route": "rpl", "reference": "x"}
    )
    assert response.status_code == 403 and not PriorAchievement.objects.exists()


def test_the_assigned_assessor_reads_the_plan_but_cannot_change_it(client, make_learner, enrol, assessor, member, qualification):
    enrolment = enrol(make_learner(), assessors=[assessor.user])
    client.force_login(assessor.user)
    page = client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "Included (mandatory)" in page and 'type="checkbox"' not in page and "Save the plan" not in page
    assert client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(qualification, "1", "2")}).status_code == 403
    assert planned(enrolment) == ["1"]
    client.force_login(member(is_assessor=True).user)  # not assigned
    assert client.get(f"/learners/enrolments/{enrolment.pk}/plan/").status_code == 404


def test_another_learner_and_another_centre_get_404(client, own, member):
    enrolment, _ = own
    client.force_login(member(is_learner=True).user)
    assert client.get(f"/learners/enrolments/{enrolment.pk}/plan/").status_code == 404
    client.force_login(MembershipFactory(is_admin=True).user)
    assert client.get(f"/learners/enrolments/{enrolment.pk}/plan/").status_code == 404
    assert client.post(f"/learners/enrolments/{enrolment.pk}/plan/", {"units": []}).status_code == 404


def test_a_withdrawn_enrolments_plan_no_longer_changes(admin_client, own, qualification):
    enrolment, _ = own
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.WITHDRAWN)
    page = admin_client.get(f"/learners/enrolments/{enrolment.pk}/plan/").content.decode()
    assert "This enrolment is withdrawn: its plan can no longer change." in page and "Save the plan" not in page
    page = admin_client.post(
        f"/learners/enrolments/{enrolment.pk}/plan/", {"units": units(qualification, "1", "2")}, follow=True
    ).content.decode()
    assert "This enrolment is withdrawn: its plan can no longer change." in page
    assert planned(enrolment) == ["1"]


def test_the_learner_home_tag_links_to_their_plans(client, own, rf):
    from django.template import Context, Template

    enrolment, membership = own
    html = Template("{% load learners %}{% own_enrolments %}").render(Context({"membership": membership}))
    assert f"/learners/enrolments/{enrolment.pk}/plan/" in html and "600/0000/1" in html


def test_plan_page_queries_do_not_grow_with_the_plan(admin_client, make_learner, enrol, admin_membership,
                                                     django_assert_max_num_queries):
    small = enrol(make_learner())
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(f"/learners/enrolments/{small.pk}/plan/").status_code == 200
    baseline = len(few)  # now: loading a catalogue overflows the connection's query log
    ncfe = load_fixture("600-1257-2.yaml")
    big = enrol(make_learner(), qualification=ncfe)
    admin_client.post(f"/learners/enrolments/{big.pk}/plan/", {"units": units(ncfe, "01", "02", "03", "04", "05", "06", "13", "16")})
    for number in ("20", "21", "22"):
        prior_achievement_record(enrolment=big, actor=admin_membership.user, unit=Unit.objects.get(qualification=ncfe, number=number),
                                 route="credit_transfer", reference=f"cert {number}", achieved_on=date(2024, 1, 1))
    with django_assert_max_num_queries(baseline):
        page = admin_client.get(f"/learners/enrolments/{big.pk}/plan/").content.decode()
    assert "cert 22" in page


def test_the_verdict_service_needs_three_queries_whatever_the_plan(make_learner, enrol, admin_membership,
                                                                   django_assert_max_num_queries):
    ncfe = load_fixture("600-1257-2.yaml")
    enrolment = enrol(make_learner(), qualification=ncfe)
    for number in ("20", "21", "22"):
        prior_achievement_record(enrolment=enrolment, actor=admin_membership.user, route="rpl", reference=number,
                                 unit=Unit.objects.get(qualification=ncfe, number=number))
    fresh = Enrolment.objects.select_related("qualification").get(pk=enrolment.pk)
    with django_assert_max_num_queries(3):
        verdict = enrolment_plan_verdict(fresh)
    assert verdict.counted_units == ["01", "02", "20", "21", "22"]
