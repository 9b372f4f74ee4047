"""The assessor's evidence page: suggestions, the mapping grid, judgements, accept or refer,
corrections, simulation rules, trainees' provisional decisions and countersignatures."""

from __future__ import annotations

import html

import pytest
from django.db import DatabaseError, connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from apps.assessment.models import Countersignature, Decision, EvidenceAssessment, Mapping, RequirementCoverage
from apps.audit.models import AuditEvent
from apps.evidence.services import evidence_submit, evidence_update
from apps.notifications.models import Notification
from tests.assessment.helpers import assessment_post, criterion, submitted
from tests.evidence.portfolio_helpers import content, enrolment_with_people, stored_file
from tests.factories import CentreFactory, MembershipFactory


def url(evidence) -> str:
    return f"/assessment/evidence/{evidence.pk}/"


def nothing_recorded() -> bool:
    return not (Mapping.objects.exists() or Decision.objects.exists() or EvidenceAssessment.objects.exists()
                or RequirementCoverage.objects.exists()
                or AuditEvent.objects.filter(action__startswith="assessment.").exists())


def status_of(client, enrolment, unit: str) -> str:
    return client.get(f"/assessment/enrolments/{enrolment.pk}/units/{unit}/").content.decode()


def test_the_assessor_confirms_rejects_maps_across_two_units_judges_and_accepts_in_one_post(client, setup):
    e = setup.enrolment
    c11, c12 = criterion(e, "1", "1.1"), criterion(e, "1", "1.2")
    u2_11, u2_12 = criterion(e, "2", "1.1"), criterion(e, "2", "1.2")
    photo = stored_file(e.centre, setup.learner.user, b"\xff\xd8\xff till photo", "till.jpg", "image/jpeg", "image")
    evidence = submitted(e, setup.learner.user, title="Complaint call", files=[photo], criteria=[c11, c12])
    client.force_login(setup.assessor.user)

    page = client.get(url(evidence)).content.decode()
    assert "till.jpg" in page and "The learner's suggestions" in page
    assert f'name="suggestion-{c11.pk}"' in page and f'name="map" value="{u2_11.pk}"' in page
    assert "Sign and record the assessment" in page

    response = client.post(
        url(evidence),
        assessment_post(
            signer=setup.assessor.user, feedback="A clear, well-handled call.",
            suggestions={c11: "confirm", c12: "reject"}, judge={c11: "met", u2_11: "met", u2_12: "not_yet_met"},
            criterion_feedback={u2_12: "Say how you checked the customer's details."},
        ),
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == "accepted"
    assert sorted(Mapping.objects.filter(verdict="mapped").values_list("criterion", flat=True)) == sorted([c11.pk, u2_11.pk, u2_12.pk])
    assert list(Mapping.objects.filter(verdict="rejected").values_list("criterion", flat=True)) == [c12.pk]
    decisions = {d.criterion_id: d for d in Decision.objects.all()}
    assert {k: d.outcome for k, d in decisions.items()} == {c11.pk: "met", u2_11.pk: "met", u2_12.pk: "not_yet_met"}
    assert decisions[u2_12.pk].feedback == "Say how you checked the customer's details."
    assert not any(d.provisional for d in decisions.values())
    assessment = EvidenceAssessment.objects.get()
    assert assessment.outcome == "accepted" and assessment.signed_name == setup.assessor.user.full_name
    assert str(assessment.signed_ip) == "198.51.100.7" and assessment.version_id == evidence.current_id

    actions = list(AuditEvent.objects.filter(action__startswith="assessment.").values_list("action", flat=True))
    assert actions.count("assessment.decision_recorded") == 3
    assert {"assessment.mappings_recorded", "assessment.evidence_accepted"} <= set(actions)
    note = Notification.objects.get(recipient=setup.learner.user)
    assert note.subject == "“Complaint call” has been assessed" and "judged 2 of 3 criteria met" in note.body

    after = client.get(url(evidence)).content.decode()
    assert "Sign and record the assessment" not in after and "A clear, well-handled call." in after
    assert "Say how you checked the customer's details." in html.unescape(after)
    unit2 = status_of(client, e, "2")
    assert "1 of 2" in unit2 and "Evidence mapped" in unit2


def test_criteria_met_from_other_evidence_are_marked_on_the_grid(client, setup):
    e = setup.enrolment
    c11 = criterion(e, "1", "1.1")
    first = submitted(e, setup.learner.user, title="Stock count")
    client.force_login(setup.assessor.user)
    client.post(url(first), assessment_post(signer=setup.assessor.user, judge={c11: "met"}))
    second = submitted(e, setup.learner.user, title="Till audit")
    page = client.get(url(second)).content.decode()
    assert "Met already</span> from <a" in page and f"/assessment/evidence/{first.pk}/" in page


def test_referred_evidence_goes_back_to_the_learner_and_the_new_version_is_assessed(client, setup):
    e = setup.enrolment
    c11 = criterion(e, "1", "1.1")
    evidence = submitted(e, setup.learner.user, title="Version one", criteria=[c11])
    client.force_login(setup.assessor.user)

    page = client.post(url(evidence), assessment_post(signer=setup.assessor.user, outcome="referred",
                                                     judge={c11: "met"}, suggestions={c11: "confirm"})).content.decode()
    assert "Tell the learner what to change: overall feedback is needed when referring evidence back." in page
    assert nothing_recorded()

    client.post(url(evidence), assessment_post(signer=setup.assessor.user, outcome="referred", judge={c11: "met"},
                                               suggestions={c11: "confirm"}, feedback="The photo is unreadable: retake it."))
    evidence.refresh_from_db()
    assert evidence.status == "referred"
    assert "Evidence mapped" in status_of(client, e, "1")  # a met judgement on referred evidence does not count
    note = Notification.objects.get(recipient=setup.learner.user)
    assert note.subject == "“Version one” has been referred back to you" and "retake it" in note.body

    evidence = evidence_update(evidence=evidence, actor=setup.learner.user, content=content(title="Version two", criteria=[c11]))
    evidence_submit(evidence=evidence, actor=setup.learner.user, declared_name=e.learner.full_name, ip_address=None)
    page = client.get(url(evidence)).content.decode()
    assert "<h1>Version two</h1>" in page and "Version 1: Version one" in page
    assert "The photo is unreadable: retake it." in page and "Does not count: the evidence was referred back." in page

    client.post(url(evidence), assessment_post(signer=setup.assessor.user, judge={c11: "met"}, suggestions={c11: "confirm"}))
    evidence.refresh_from_db()
    assert evidence.status == "accepted"
    assert list(EvidenceAssessment.objects.order_by("id").values_list("outcome", flat=True)) == ["referred", "accepted"]
    assert "1 of 2" in status_of(client, e, "1")

    # The learner's evidence page can show the whole cycle through the include.
    history = Template("{% load assessment %}{% assessment_history evidence %}").render(Context({"evidence": evidence}))
    assert "Version 2" in history and "Version 1" in history and "Referred back to the learner" in history


@pytest.mark.parametrize(
    "case, message",
    [
        ("unjudged", "Unit 2, 1.1: choose met or not yet met."),
        ("wrong_name", "Type your full name exactly as the centre has it:"),
        ("undecided_suggestion", "Confirm or reject each of the learner's suggestions before accepting: Unit 1, 1.2."),
        ("nothing_mapped", "Map and judge at least one criterion to accept the evidence, or refer it back to the learner."),
        ("no_outcome", "Choose whether to accept the evidence or refer it back to the learner."),
        ("no_name", "Type your full name to sign."),
    ],
)
def test_bad_input_gets_a_clear_message_and_records_nothing(client, setup, case, message):
    e = setup.enrolment
    c11, c12, u2_11 = criterion(e, "1", "1.1"), criterion(e, "1", "1.2"), criterion(e, "2", "1.1")
    evidence = submitted(e, setup.learner.user, criteria=[c11, c12])
    client.force_login(setup.assessor.user)
    data = assessment_post(signer=setup.assessor.user, suggestions={c11: "confirm", c12: "reject"}, judge={c11: "met"})
    if case == "unjudged":
        data["map"].append(str(u2_11.pk))
    elif case == "wrong_name":
        data["signed_name"] = "Somebody Else"
    elif case == "undecided_suggestion":
        del data[f"suggestion-{c12.pk}"]
    elif case == "nothing_mapped":
        data = assessment_post(signer=setup.assessor.user, suggestions={c11: "reject", c12: "reject"})
    elif case == "no_outcome":
        del data["outcome"]
    elif case == "no_name":
        data["signed_name"] = ""
    response = client.post(url(evidence), data)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and message in page and "Nothing has been recorded yet" in page
    assert nothing_recorded()
    evidence.refresh_from_db()
    assert evidence.status == "submitted"
    if case == "unjudged":  # what was entered is kept
        assert f'value="{u2_11.pk}" id="map-{u2_11.pk}" checked' in page


def test_a_decision_is_corrected_by_a_new_decision_with_a_reason(client, setup):
    e = setup.enrolment
    c11 = criterion(e, "1", "1.1")
    evidence = submitted(e, setup.learner.user)
    client.force_login(setup.assessor.user)
    client.post(url(evidence), assessment_post(signer=setup.assessor.user, judge={c11: "met"}))
    original = Decision.objects.get()
    correct = f"/assessment/evidence/{evidence.pk}/decisions/{original.pk}/correct/"
    prefix = f"correct-{original.pk}"
    name = setup.assessor.user.full_name

    page = client.post(correct, {f"{prefix}-outcome": "not_yet_met", f"{prefix}-reason": "", f"{prefix}-signed_name": name}).content.decode()
    assert "Give the reason for the correction: it is kept with the decision for quality assurance." in page
    assert Decision.objects.count() == 1

    response = client.post(correct, {f"{prefix}-outcome": "not_yet_met", f"{prefix}-feedback": "Not shown after all.",
                                      f"{prefix}-reason": "The call recording shows a colleague handled it.",
                                      f"{prefix}-signed_name": name})
    assert response.status_code == 302
    new = Decision.objects.exclude(pk=original.pk).get()
    assert new.supersedes_id == original.pk and new.outcome == "not_yet_met" and new.reason.startswith("The call")
    original.refresh_from_db()
    assert original.outcome == "met"  # unchanged
    assert AuditEvent.objects.filter(action="assessment.decision_corrected", object_id=str(new.pk)).exists()
    assert "Evidence mapped" in status_of(client, e, "1") and "0 of 2" in status_of(client, e, "1")
    page = client.get(url(evidence)).content.decode()
    assert "Corrected" in page and "Correction. Reason: The call recording shows a colleague handled it." in page

    again = client.post(correct, {f"{prefix}-outcome": "met", f"{prefix}-reason": "Changed my mind", f"{prefix}-signed_name": name})
    assert "This decision has already been corrected: correct the latest decision instead." in again.content.decode()
    assert Decision.objects.count() == 2


def test_the_database_refuses_to_change_or_delete_a_decision(setup):
    from apps.assessment.services import EvidenceJudgement, Judgement, evidence_assess

    e = setup.enrolment
    evidence = submitted(e, setup.learner.user)
    evidence_assess(evidence=evidence, actor=setup.assessor.user, signed_name=setup.assessor.user.full_name, ip_address=None,
                    judgement=EvidenceJudgement(outcome="accepted", judgements=[Judgement(criterion(e, "1", "1.1").pk, "met")]))
    decision = Decision.objects.get()
    for sql in ("UPDATE assessment_decision SET outcome = 'not_yet_met' WHERE id = %s",
                "DELETE FROM assessment_decision WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [decision.pk])
    decision.refresh_from_db()
    assert decision.outcome == "met"


@pytest.fixture
def unit_208(centre):
    """City & Guilds 600/1135/X, unit 208: no simulation for performance evidence; 6 evidence requirements."""
    from tests.learners.conftest import load_fixture

    load_fixture("600-1135-X.yaml")
    enrolment, learner, assessor, _ = enrolment_with_people(centre, number="600/1135/X")
    return enrolment, learner, assessor


def test_simulated_evidence_cannot_meet_performance_criteria_where_the_unit_forbids_it(client, unit_208):
    enrolment, learner, assessor = unit_208
    performance, knowledge = criterion(enrolment, "208", "1.1"), criterion(enrolment, "208", "4.1")
    evidence = submitted(enrolment, learner.user, context="simulation")
    reason = "Unit 208 does not allow simulation for its performance criteria, and this evidence comes from a simulation."
    client.force_login(assessor.user)
    page = client.get(url(evidence)).content.decode()
    assert f'<p class="refusal" id="why-outcome-{performance.outcome_id}">{reason}</p>' in page
    assert f'id="why-{performance.pk}">Cannot be met from this evidence' in page
    assert f'id="why-{knowledge.pk}"' not in page and f'id="why-outcome-{knowledge.outcome_id}"' not in page
    suggested = submitted(enrolment, learner.user, context="simulation", criteria=[performance])
    assert f'<p class="refusal" id="why-{performance.pk}">{reason}</p>' in client.get(url(suggested)).content.decode()

    page = client.post(url(evidence), assessment_post(signer=assessor.user, judge={performance: "met", knowledge: "met"})).content.decode()
    assert f"Unit 208, 1.1: {reason}" in page
    assert nothing_recorded()

    client.post(url(evidence), assessment_post(signer=assessor.user, judge={performance: "not_yet_met", knowledge: "met"}))
    assert dict(Decision.objects.values_list("criterion_id", "outcome")) == {performance.pk: "not_yet_met", knowledge.pk: "met"}


def test_a_trainee_assessors_decisions_are_provisional_until_countersigned(client, setup):
    e = setup.enrolment
    setup.assessor.is_trainee_assessor = True
    setup.assessor.save()
    c11 = criterion(e, "1", "1.1")
    evidence = submitted(e, setup.learner.user, title="Refund")
    client.force_login(setup.assessor.user)
    page = client.get(url(evidence)).content.decode()
    assert "You are a trainee assessor: your decisions are recorded as provisional" in page
    client.post(url(evidence), assessment_post(signer=setup.assessor.user, judge={c11: "met"}))
    decision = Decision.objects.get()
    assert decision.provisional
    assert "Provisional: awaiting countersignature" in client.get(url(evidence)).content.decode()
    assert "0 of 2" in status_of(client, e, "1")  # does not count yet
    assert client.get("/assessment/countersign/").status_code == 403  # trainees do not countersign

    qualified = MembershipFactory(centre=setup.centre, is_assessor=True)  # of the centre, not assigned
    client.force_login(qualified.user)
    queue = client.get("/assessment/countersign/").content.decode()
    assert "Refund" in queue and f'value="{decision.pk}"' in queue
    page = client.post("/assessment/countersign/", {"decision": [decision.pk], "countersign-signed_name": ""}).content.decode()
    assert "Type your full name to sign." in page and not Countersignature.objects.exists()
    client.post("/assessment/countersign/", {"decision": [decision.pk], "countersign-signed_name": qualified.user.full_name})
    signature = Countersignature.objects.get()
    assert signature.decision_id == decision.pk and signature.signed_by == qualified.user
    assert AuditEvent.objects.filter(action="assessment.decision_countersigned").count() == 1
    assert "No decision is waiting for a countersignature." in client.get("/assessment/countersign/").content.decode()
    client.force_login(setup.assessor.user)
    assert "1 of 2" in status_of(client, e, "1")


def test_an_assigned_qualified_assessor_countersigns_from_the_evidence_page(client, setup):
    e = setup.enrolment
    trainee = MembershipFactory(centre=setup.centre, is_assessor=True, is_trainee_assessor=True)
    e.assessors.add(trainee.user)
    evidence = submitted(e, setup.learner.user)
    client.force_login(trainee.user)
    client.post(url(evidence), assessment_post(signer=trainee.user, judge={criterion(e, "1", "1.1"): "met",
                                                                          criterion(e, "1", "1.2"): "met"}))
    client.force_login(setup.assessor.user)
    page = client.get(url(evidence)).content.decode()
    assert "2 provisional decisions by a trainee assessor on this evidence are waiting" in page
    response = client.post("/assessment/countersign/", {"decision": list(Decision.objects.values_list("pk", flat=True)),
                                                        "countersign-signed_name": setup.assessor.user.full_name,
                                                        "next": url(evidence)})
    assert response.status_code == 302 and response.url == url(evidence)
    assert Countersignature.objects.count() == 2
    assert "Ready for sign-off" in status_of(client, e, "1")


def test_who_may_open_and_use_the_evidence_page(client, setup):
    e = setup.enrolment
    evidence = submitted(e, setup.learner.user)
    data = assessment_post(signer=setup.assessor.user, judge={criterion(e, "1", "1.1"): "met"})
    client.force_login(setup.iqa.user)  # reads, cannot assess
    page = client.get(url(evidence))
    assert page.status_code == 200 and "Sign and record the assessment" not in page.content.decode()
    assert client.post(url(evidence), data).status_code == 403
    client.force_login(setup.learner.user)  # has the portfolio's own page instead
    assert client.get(url(evidence)).status_code == 403
    other_assessor = MembershipFactory(centre=setup.centre, is_assessor=True)
    client.force_login(other_assessor.user)
    assert client.get(url(evidence)).status_code == 404
    assert client.post(url(evidence), data).status_code == 404
    outsider = MembershipFactory(centre=CentreFactory(), is_admin=True, is_assessor=True)
    client.force_login(outsider.user)
    assert client.get(url(evidence)).status_code == 404
    assert nothing_recorded()


def test_the_evidence_page_does_not_grow_in_queries_with_evidence_or_criteria(client, centre):
    from apps.qualifications.services import catalogue_load
    from tests.factories import canonical_qualification

    def measure(number: str, pieces: int) -> int:
        enrolment, learner, assessor, _ = enrolment_with_people(centre, number=number)
        client.force_login(assessor.user)
        criteria = list(enrolment.qualification.units.first().criteria.all())
        for i in range(pieces):
            f = stored_file(centre, learner.user, f"file {number} {i}".encode())
            evidence = submitted(enrolment, learner.user, title=f"Evidence {i}", files=[f], criteria=criteria[:1])
            client.post(url(evidence), assessment_post(signer=assessor.user, judge={criteria[0]: "met"},
                                                   suggestions={criteria[0]: "confirm"}))
        target = submitted(enrolment, learner.user, title="To assess", criteria=criteria[:2])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(target)).status_code == 200
        return len(queries)

    small = measure("600/0000/1", 1)
    big = canonical_qualification(number="600/0000/2")
    for n, unit in enumerate(big["units"]):
        unit["outcomes"] = [
            {"number": str(o), "title": f"Be able to do {o}", "criteria": [
                {"number": f"{o}.{c}", "text": f"Criterion {o}.{c} of unit {n}"} for c in range(1, 8)]}
            for o in range(1, 6)
        ]
    catalogue_load(data=big, source="test.txt")
    assert measure("600/0000/2", 6) <= small


def test_the_learners_reading_of_feedback_is_recorded_once(setup):
    from apps.assessment.models import FeedbackRead
    from apps.assessment.services import feedback_mark_read
    from tests.assessment.helpers import accept

    evidence = submitted(setup.enrolment, setup.learner.user)
    accept(evidence, setup.assessor.user, met=[criterion(setup.enrolment, "1", "1.1")])
    assert feedback_mark_read(evidence=evidence, actor=setup.assessor.user) == 0  # only the learner's reading counts
    assert feedback_mark_read(evidence=evidence, actor=setup.learner.user) == 1
    assert feedback_mark_read(evidence=evidence, actor=setup.learner.user) == 0
    assert FeedbackRead.objects.get().read_by == setup.learner.user


def test_the_assessment_history_include_takes_three_queries_whatever_the_versions(setup, django_assert_num_queries):
    evidence = submitted(setup.enrolment, setup.learner.user)
    c11 = criterion(setup.enrolment, "1", "1.1")
    from tests.assessment.helpers import accept

    for _ in range(3):
        accept(evidence, setup.assessor.user, met=[c11], outcome="referred", feedback="Again, please.")
        evidence = evidence_update(evidence=evidence, actor=setup.learner.user, content=content())
        evidence_submit(evidence=evidence, actor=setup.learner.user, declared_name=setup.enrolment.learner.full_name,
                        ip_address=None)
    template = Template("{% load assessment %}{% assessment_history evidence %}")
    with django_assert_num_queries(3):
        rendered = template.render(Context({"evidence": evidence}))
    assert rendered.count("Referred back to the learner") == 3
