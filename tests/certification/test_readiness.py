"""Who is ready to claim, what for, and what stops them: `readiness.candidates` and the
"Ready to claim" page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.certification.models import AOCentreNumber, ClaimBatch, ClaimLine, ClaimOutcome, ClaimUnit
from apps.certification.readiness import candidates, enrolments_with_unclaimed_units, ready_page
from apps.iqa import checks
from apps.iqa.models import Action, Sample
from apps.learners.models import Enrolment
from apps.qualifications.models import Unit
from tests.certification.support_ready import claim_staff, clear, fixture_qualification, ready_learner
from tests.factories import PASSWORD, make_qualification
from tests.iqa.support_coverage import decide
from tests.iqa.support_samples import qualification

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return claim_staff()


def learner(staff, units=("1", "2", "4"), **kwargs) -> Enrolment:
    kwargs.setdefault("qualification", qualification())
    return ready_learner(staff.centre, units=units, admin=staff.admin, assessor=staff.assessor, iqa=staff.iqa,
                         **kwargs)


def one(staff, enrolment: Enrolment):
    [candidate] = candidates(centre_id=staff.centre.pk, today=timezone.localdate(), enrolment_ids=[enrolment.pk])
    return candidate


def claim(staff, enrolment: Enrolment, numbers, *, outcome: str | None = None, reference: str = "CB-2026-0001"):
    """The units on a line of a batch, with the AO's answer when given."""
    batch = ClaimBatch.objects.create(centre=staff.centre, awarding_organisation=enrolment.qualification.awarding_organisation,
                                      reference=reference, created_by=staff.admin)
    line = ClaimLine.objects.create(batch=batch, enrolment=enrolment, claim_type="unit", award_date=timezone.localdate(),
                                    registration_number=enrolment.registration_number,
                                    registered_name=enrolment.registered_name, added_by=staff.admin)
    for number in numbers:
        ClaimUnit.objects.create(line=line, unit=Unit.objects.get(qualification=enrolment.qualification, number=number),
                                 achieved_on=timezone.localdate())
    if outcome == ClaimOutcome.Status.CERTIFICATED:
        ClaimOutcome.objects.create(line=line, status=outcome, certificate_number="NC-991", recorded_by=staff.admin,
                                    certificate_date=timezone.localdate())
    elif outcome:
        ClaimOutcome.objects.create(line=line, status=outcome, reason="Wrong units", recorded_by=staff.admin)
    return line


# --- what is ready, and what for --------------------------------------------------------------------


def test_units_meeting_the_rules_make_a_full_claim_with_each_unit_s_facts(staff):
    enrolment = learner(staff)
    c = one(staff, enrolment)
    assert c.claimable and c.is_full and c.rules_met
    assert c.rules_reason == "Rules of combination met by units 1, 2 and 4."
    assert [(u.number, u.credits, u.route) for u in c.ready_units] == [("1", 4, "assessed"), ("2", 3, "assessed"),
                                                                       ("4", 5, "assessed")]
    unit = c.ready_units[0]
    assert (unit.assessor_name, unit.iqa_name, unit.iqa_sampled) == ("Asha Assessor", "Ira Quality", True)
    assert unit.achieved_on == timezone.localdate() and unit.iqa_signed_at >= unit.assessor_signed_at
    [evidence] = unit.evidence
    assert evidence["title"] == "Evidence for unit 1" and evidence["version"] == 1 and len(evidence["sha256"]) == 64
    assert (c.learner_name, c.awarding_organisation, c.qualification_number) == ("Lena Learner", "NCFE", "600/0000/1")
    assert c.problems == () and c.waiting_units == ()


def test_one_whole_unit_short_of_the_rules_is_a_unit_claim_saying_what_is_missing(staff):
    c = one(staff, learner(staff, units=("1",)))
    assert c.claimable and c.is_unit_claim and not c.rules_met
    assert c.rules_reason == "Rules of combination not met yet: 6 more credits in total."


def test_a_sign_off_the_learner_has_not_acknowledged_waits(staff):
    c = one(staff, learner(staff, units=("1",), acknowledged=False))
    assert c.claim_type is None and not c.claimable
    assert c.waiting_units == (("1 Unit 1 title", "Not acknowledged by the learner: they confirm the sign-off on "
                                                  "their unit page."),)
    assert c.problems == ()


def test_a_unit_not_cleared_by_iqa_waits_and_refuses_the_claim(staff):
    enrolment = learner(staff, units=("1", "2"))
    learner_user = enrolment.learner.user
    from tests.certification.support_ready import achieve

    achieve(enrolment, "4", assessor=staff.assessor, learner=learner_user)  # no sample, no plan
    c = one(staff, enrolment)
    [(label, why)] = c.waiting_units
    assert label == "4 Unit 4 title" and why.startswith("No plan covers it")
    [problem] = c.problems
    assert problem.code == "awaiting_iqa" and problem.blocking
    assert problem.message.startswith("Unit 4 Unit 4 title is not cleared by internal quality assurance yet.")
    assert c.is_unit_claim and not c.claimable  # units 1 and 2 are ready, but the learner is refused


def test_an_open_iqa_action_on_a_unit_refuses_the_claim(staff):
    enrolment = learner(staff, units=("1", "2"))
    sample = Sample.objects.get(enrolment=enrolment, unit__number="2")
    action = Action.objects.create(centre=staff.centre, source=Action.Source.SAMPLE, sample=sample, enrolment=enrolment,
                                   unit=sample.unit, owner=staff.assessor, raised_by=staff.iqa, text="Check dates",
                                   due_on=timezone.localdate() + timedelta(days=5))
    c = one(staff, enrolment)
    [problem] = c.problems
    assert problem.code == "iqa_action"
    assert problem.message == f"Unit 2 Unit 2 title: Open IQA action (A-{action.pk}): it must be answered and closed first."
    assert [label for label, _ in c.waiting_units] == ["2 Unit 2 title"] and not c.claimable


def test_a_sign_off_suspended_by_the_iqa_waits_and_refuses_the_claim(staff):
    enrolment = learner(staff, units=("1",))
    from tests.certification.support_ready import achieve

    achieve(enrolment, "2", assessor=staff.assessor, learner=enrolment.learner.user)
    clear(enrolment, "2", iqa=staff.iqa, outcome=checks.DISAGREE)
    c = one(staff, enrolment)
    assert c.waiting_units == (("2 Unit 2 title", "Sign-off suspended for an internal quality check: the assessor is "
                                                  "reviewing the decisions."),)
    assert [p.code for p in c.problems] == ["awaiting_iqa"] and not c.claimable


def test_a_trainee_decision_waiting_for_countersignature_holds_the_unit_back(staff):
    enrolment = learner(staff, units=("1", "2"))
    trainee = staff.assessor.__class__.objects.create_user(email="trainee@example.test", full_name="Tom Trainee")
    decide(enrolment, Unit.objects.get(qualification=enrolment.qualification, number="2"), trainee, provisional=True)
    c = one(staff, enrolment)
    assert c.waiting_units == (("2 Unit 2 title", "A trainee assessor's decision in this unit awaits a qualified "
                                                  "assessor's countersignature."),)
    assert [u.number for u in c.ready_units] == ["1"] and c.claimable


def test_units_achieved_elsewhere_count_by_their_route_and_need_their_evidence(staff):
    enrolment = learner(staff, units=("1", "2"), prior={"4": ("credit_transfer", "NCFE cert 5561"),
                                                        "3": ("rpl", " ")})
    c = one(staff, enrolment)
    assert [(u.number, u.route, u.prior_reference) for u in c.ready_units] == [
        ("1", "assessed", ""), ("2", "assessed", ""), ("4", "credit_transfer", "NCFE cert 5561")]
    assert c.is_full
    [problem] = c.problems
    assert problem.code == "prior_without_evidence"
    assert problem.message.startswith("Unit 3 Unit 3 title: recognition of prior learning without its evidence.")
    assert not c.claimable


def test_units_achieved_elsewhere_alone_make_no_claim(staff):
    enrolment = learner(staff, units=(), prior={"4": ("credit_transfer", "NCFE cert 5561")})
    c = one(staff, enrolment)
    assert [u.number for u in c.ready_units] == ["4"] and c.claim_type is None


# --- units already claimed --------------------------------------------------------------------------


def test_a_unit_on_a_claim_is_not_offered_again_even_in_a_draft(staff):
    enrolment = learner(staff, units=("1", "2"))
    claim(staff, enrolment, ["1"])
    c = one(staff, enrolment)
    assert [u.number for u in c.ready_units] == ["2"]
    assert c.claimed_units == (("1 Unit 1 title", "On claim CB-2026-0001 (draft)"),)


def test_a_rejected_unit_is_offered_again(staff):
    enrolment = learner(staff, units=("1",))
    claim(staff, enrolment, ["1"], outcome=ClaimOutcome.Status.REJECTED)
    c = one(staff, enrolment)
    assert [u.number for u in c.ready_units] == ["1"] and c.claimed_units == ()


def test_a_queried_unit_stays_on_its_claim(staff):
    enrolment = learner(staff, units=("1",))
    claim(staff, enrolment, ["1"], outcome=ClaimOutcome.Status.QUERIED)
    c = one(staff, enrolment)
    assert c.ready_units == () and c.claimed_units == (
        ("1 Unit 1 title", "On claim CB-2026-0001, queried by the awarding organisation"),)


def test_units_certificated_already_count_towards_the_rules(staff):
    enrolment = learner(staff, units=("1", "2", "4"))
    claim(staff, enrolment, ["1", "2"], outcome=ClaimOutcome.Status.CERTIFICATED)
    c = one(staff, enrolment)
    assert [u.number for u in c.ready_units] == ["4"] and c.is_full
    assert c.rules_reason == "Rules of combination met by units 1, 2 and 4 (counting units 1 and 2, already certificated)."
    assert ("1 Unit 1 title", "Certificated by NCFE (certificate NC-991)") in c.claimed_units


def test_learners_with_nothing_left_to_claim_are_not_listed(staff):
    done = learner(staff, units=("1",), name="All Claimed")
    claim(staff, done, ["1"])
    waiting = learner(staff, units=("1",), name="Not Acknowledged", acknowledged=False)
    ready = learner(staff, units=("1",), name="Ready Now")
    learner(staff, units=(), name="Just Started")
    assert set(enrolments_with_unclaimed_units(staff.centre.pk).values_list("pk", flat=True)) == {waiting.pk, ready.pk}
    listed = candidates(centre_id=staff.centre.pk, today=timezone.localdate())
    assert [c.learner_name for c in listed] == ["Not Acknowledged", "Ready Now"]


# --- pre-checks about the learner -----------------------------------------------------------------


def test_a_learner_without_registration_facts_is_refused_with_each_reason(staff):
    c = one(staff, learner(staff, registration=False))
    assert c.is_full and not c.claimable
    assert [p.code for p in c.problems] == ["no_registration", "no_registered_name", "no_registered_date_of_birth"]


def test_a_centre_without_its_number_with_the_ao_is_refused(staff):
    enrolment = learner(staff, ao_number=False)
    AOCentreNumber.objects.filter(centre=staff.centre).delete()
    [problem] = one(staff, enrolment).problems
    assert problem.code == "no_ao_number"


def test_the_withdrawn_sfj_qualification_is_refused_after_its_end_date(staff):
    sfj = fixture_qualification("601/5051/8")
    enrolment = learner(staff, qualification=sfj, units=("1",))
    c = one(staff, enrolment)
    [problem] = c.problems
    assert problem.code == "past_certification_end"
    assert problem.message == ("Past the certification end date: SFJ Awards took claims for 601/5051/8 until "
                               "30 September 2023. It can no longer be claimed.")
    assert c.is_unit_claim and not c.claimable


def test_pearson_counts_ten_weeks_from_registration(staff):
    pearson = make_qualification(number="600/7777/1", awarding_organisation="Pearson")
    early = learner(staff, qualification=pearson, registered_on=timezone.localdate() - timedelta(days=30),
                    name="Early Learner")
    late = learner(staff, qualification=pearson, registered_on=timezone.localdate() - timedelta(days=70),
                   name="Late Learner")
    assert [p.code for p in one(staff, early).problems] == ["ten_weeks"]
    assert one(staff, late).claimable
    only = candidates(centre_id=staff.centre.pk, today=timezone.localdate(), awarding_organisation="Pearson")
    assert {c.enrolment_id for c in only} == {early.pk, late.pk}
    assert candidates(centre_id=staff.centre.pk, today=timezone.localdate(), awarding_organisation="NCFE") == []


def test_candidates_of_another_centre_are_never_read(staff):
    mine = learner(staff)
    other = claim_staff()
    theirs = ready_learner(other.centre, qualification=qualification(), units=("1",), admin=other.admin,
                           assessor=other.assessor, iqa=other.iqa)
    found = candidates(centre_id=staff.centre.pk, today=timezone.localdate(), enrolment_ids=[mine.pk, theirs.pk])
    assert [c.enrolment_id for c in found] == [mine.pk]


# --- queries do not grow with the learners ----------------------------------------------------------


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_candidates_cost_the_same_number_of_queries_for_two_or_five_learners(staff):
    today = timezone.localdate()
    for n in range(2):
        learner(staff, name=f"Learner {n}", prior={"3": ("rpl", "RPL record")} if n == 0 else None)
    candidates(centre_id=staff.centre.pk, today=today)  # the catalogue is read once per process
    small = count_queries(lambda: candidates(centre_id=staff.centre.pk, today=today))
    for n in range(2, 5):
        learner(staff, name=f"Learner {n}", units=("1", "2") if n % 2 else ("1", "2", "4"))
    found: list = []
    large = count_queries(lambda: found.extend(candidates(centre_id=staff.centre.pk, today=today)))
    assert len(found) == 5 and small == large


# --- the page -------------------------------------------------------------------------------------


def signed_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def test_the_page_shows_a_refused_learner_with_the_reason_and_a_claimable_one_to_tick(client, staff):
    refused = learner(staff, registration=False, name="Rita Refused")
    ready = learner(staff, name="Cora Claimable")
    page = signed_in(client, staff.admin).get(reverse("claims_ready"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rita Refused" in html and "Refused" in html and "No NCFE learner number" in html
    assert "Cora Claimable" in html and "Full claim" in html
    assert reverse("claims_registration", args=[refused.pk]) in html
    [candidate] = [c for c in page.context["result"].candidates if c.enrolment_id == ready.pk]
    assert candidate.claimable
    assert f'id="choose-{ready.pk}"' in html and f'id="choose-{refused.pk}"' not in html


def test_the_lead_iqa_reads_the_page_without_acting(client, staff):
    learner(staff)
    html = signed_in(client, staff.lead).get(reverse("claims_ready")).content.decode()
    assert "Lena Learner" in html and "Registration facts" not in html and 'name="enrolments"' not in html


def test_the_eqa_is_refused_the_page_and_claims_leads_them_to_the_batches(client, staff):
    """The page lists every learner of the centre; an EQA reads only what their grants cover,
    even when the grant covers the learner's qualification."""
    enrolment = learner(staff)
    staff.cover(enrolment.qualification)
    client = signed_in(client, staff.eqa)
    page = client.get(reverse("claims_ready"))
    assert page.status_code == 403 and "Lena Learner" not in page.content.decode()
    html = client.get(reverse("claims_batches")).content.decode()
    assert f'href="{reverse("claims_batches")}" aria-current="page">Claims</a>' in html
    assert "Ready to claim</a></li>" not in html
    admin_html = signed_in(client, staff.admin).get(reverse("claims_batches")).content.decode()
    assert f'href="{reverse("claims_ready")}" aria-current="page">Claims</a>' in admin_html
    assert "Ready to claim</a></li>" in admin_html


def test_the_page_filters_by_awarding_organisation_and_qualification(client, staff):
    learner(staff, name="Nora Ncfe")
    learner(staff, qualification=make_qualification(number="600/7777/1", awarding_organisation="Pearson"),
            name="Pat Pearson")
    client = signed_in(client, staff.admin)
    html = client.get(reverse("claims_ready"), {"awarding_organisation": "Pearson"}).content.decode()
    assert "Pat Pearson" in html and "Nora Ncfe" not in html
    html = client.get(reverse("claims_ready"), {"qualification": "600/0000/1"}).content.decode()
    assert "Nora Ncfe" in html and "Pat Pearson" not in html


def test_a_bad_filter_is_said_beside_the_field_and_shows_everyone(client, staff):
    learner(staff)
    page = signed_in(client, staff.admin).get(reverse("claims_ready"), {"awarding_organisation": "Nobody",
                                                                        "page": "x"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Choose from the list." in html and "Lena Learner" in html


def test_the_page_is_paginated(client, staff, monkeypatch):
    monkeypatch.setattr("apps.certification.readiness.PAGE_SIZE", 2)
    for name in ("Ann A", "Ben B", "Cat C"):
        learner(staff, units=("1",), name=name)
    client = signed_in(client, staff.admin)
    first = client.get(reverse("claims_ready")).content.decode()
    assert "Ann A" in first and "Ben B" in first and "Cat C" not in first and "Page 1 of 2" in first
    second = client.get(reverse("claims_ready"), {"page": "2"}).content.decode()
    assert "Cat C" in second and "Ann A" not in second
    assert ready_page(centre_id=staff.centre.pk, today=timezone.localdate(), page=99).page == 2


def test_the_page_costs_the_same_number_of_queries_for_two_or_five_learners(client, staff):
    client = signed_in(client, staff.admin)
    for n in range(2):
        learner(staff, name=f"Learner {n}", registration=n == 0)
    client.get(reverse("claims_ready"))
    small = count_queries(lambda: client.get(reverse("claims_ready")))
    for n in range(2, 5):
        learner(staff, name=f"Learner {n}", units=("1", "2"), acknowledged=n != 3)
    large = count_queries(lambda: client.get(reverse("claims_ready")))
    assert small == large


def test_learners_and_assessors_may_not_see_the_page(client, staff):
    enrolment = learner(staff)
    for user in (enrolment.learner.user, staff.assessor, staff.iqa):
        assert signed_in(client, user).get(reverse("claims_ready")).status_code == 403
        client.logout()
