"""Units: evidence requirements, sign-off, the learner's acknowledgement, locking, reopening;
the tracking matrix and the live qualification status."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assessment.models import Decision, SignOffAcknowledgement, UnitReopening, UnitSignOff
from apps.assessment.progress import enrolment_progress_many, enrolment_status
from apps.audit.models import AuditEvent
from apps.learners.models import PlannedUnit, PriorAchievement
from apps.notifications.models import Notification
from apps.qualifications.models import EvidenceRequirement
from tests.assessment.helpers import accept, assessment_post, criterion, submitted, unit, unit_criteria
from tests.evidence.portfolio_helpers import enrolment_with_people
from tests.factories import CentreFactory, MembershipFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


def unit_url(enrolment, number: str, action: str = "") -> str:
    return f"/assessment/enrolments/{enrolment.pk}/units/{number}/" + (f"{action}/" if action else "")


def sign(user, prefix: str, **fields) -> dict:
    return {f"{prefix}-signed_name": user.full_name, **{f"{prefix}-{k}": v for k, v in fields.items()}}


@pytest.fixture
def unit_208(centre):
    from tests.learners.conftest import load_fixture

    load_fixture("600-1135-X.yaml")
    enrolment, learner, assessor, _ = enrolment_with_people(centre, number="600/1135/X")
    return enrolment, learner, assessor


def test_a_unit_cannot_be_signed_off_while_an_evidence_requirement_is_uncovered(client, unit_208):
    enrolment, learner, assessor = unit_208
    u208 = unit(enrolment, "208")
    requirements = list(EvidenceRequirement.objects.filter(unit=u208).order_by("position"))
    assert [r.number for r in requirements] == ["5a", "5b", "5c", "5d", "6a", "6b"]
    accept(submitted(enrolment, learner.user, title="Month of calls"), assessor.user,
           met=unit_criteria(enrolment, "208"), cover=requirements[:5])
    client.force_login(assessor.user)
    page = text(client.get(unit_url(enrolment, "208")))
    assert "Not ready to be signed off yet" in page and "Evidence requirement 6b is not covered yet." in page

    page = text(client.post(unit_url(enrolment, "208", "sign-off"), sign(assessor.user, "signoff")))
    assert "Unit 208 cannot be signed off yet: evidence requirement 6b is not covered yet." in page
    assert not UnitSignOff.objects.exists()

    # Ticked on the evidence page of another piece of evidence.
    other = submitted(enrolment, learner.user, title="Email to a customer")
    client.post(f"/assessment/evidence/{other.pk}/", assessment_post(signer=assessor.user, cover=[requirements[5]]))
    assert "the unit is ready to be signed off" in text(client.get(unit_url(enrolment, "208")))
    response = client.post(unit_url(enrolment, "208", "sign-off"), sign(assessor.user, "signoff", comment="Well done."))
    assert response.status_code == 302
    sign_off = UnitSignOff.objects.get()
    assert sign_off.unit == u208 and sign_off.comment == "Well done." and sign_off.signed_name == assessor.user.full_name
    assert AuditEvent.objects.filter(action="assessment.unit_signed_off").exists()
    assert Notification.objects.filter(recipient=learner.user, subject="Unit 208 has been signed off").exists()


def test_sign_off_locks_the_unit_the_learner_acknowledges_and_reopening_needs_a_reason(client, setup):
    e = setup.enrolment
    assessor, learner = setup.assessor.user, setup.learner.user
    first = submitted(e, learner, title="First")
    accept(first, assessor, met=unit_criteria(e, "1"))
    client.force_login(assessor)

    page = text(client.post(unit_url(e, "1", "sign-off"), {"signoff-signed_name": "Not Me"}))
    assert f"Type your full name exactly as the centre has it: {assessor.full_name}." in page
    assert not UnitSignOff.objects.exists()
    client.post(unit_url(e, "1", "sign-off"), sign(assessor, "signoff"))
    sign_off = UnitSignOff.objects.get()

    # Locked: no new judgements, no corrections, in that unit.
    second = submitted(e, learner, title="Second")
    page = text(client.get(f"/assessment/evidence/{second.pk}/"))
    assert "so the unit is locked" in page and f'name="map" value="{criterion(e, "1", "1.1").pk}"' not in page
    page = text(client.post(f"/assessment/evidence/{second.pk}/", {
        **assessment_post(signer=assessor, judge={criterion(e, "2", "1.1"): "met"}),
        f"judge-{criterion(e, '1', '1.1').pk}": "met", "map": [str(criterion(e, "2", "1.1").pk), str(criterion(e, "1", "1.1").pk)],
    }))
    assert "Unit 1 is signed off, so its assessment is locked: reopen the unit to change it." in page
    assert Decision.objects.filter(version=second.current).count() == 0
    decision = Decision.objects.filter(version=first.current).first()
    prefix = f"correct-{decision.pk}"
    page = text(client.post(f"/assessment/evidence/{first.pk}/decisions/{decision.pk}/correct/",
                            sign(assessor, prefix, outcome="not_yet_met", reason="Wrong call")))
    assert "Unit 1 is signed off, so its assessment is locked: reopen the unit to change it." in page
    assert not Decision.objects.filter(supersedes=decision).exists()

    # The learner acknowledges from their view of the unit.
    client.force_login(learner)
    page = text(client.get(unit_url(e, "1")))
    assert "Please acknowledge it" in page and "Reopen the unit" not in page
    page = text(client.post(unit_url(e, "1", "acknowledge"), {"ack-signed_name": "Someone Else"}))
    assert f"Type your full name exactly as the centre has it: {e.learner.full_name}." in page
    assert not SignOffAcknowledgement.objects.exists()
    client.post(unit_url(e, "1", "acknowledge"), {"ack-signed_name": e.learner.full_name})
    assert SignOffAcknowledgement.objects.get().sign_off == sign_off
    assert f"Acknowledged by {e.learner.full_name}" in text(client.get(unit_url(e, "1")))
    assert Notification.objects.filter(recipient=assessor, subject__contains="acknowledged unit 1").exists()
    assert client.post(unit_url(e, "1", "reopen"), sign(learner, "reopen", reason="x")).status_code == 403

    # Reopening: a reason, or nothing happens.
    client.force_login(assessor)
    page = text(client.post(unit_url(e, "1", "reopen"), sign(assessor, "reopen", reason="")))
    assert "Give the reason for reopening the unit: it is kept with the sign-off." in page
    assert not UnitReopening.objects.exists()
    client.post(unit_url(e, "1", "reopen"), sign(assessor, "reopen", reason="IQA found the observation unsigned."))
    assert UnitReopening.objects.get().sign_off == sign_off
    event = AuditEvent.objects.get(action="assessment.unit_reopened")
    assert event.payload["reason"] == "IQA found the observation unsigned."
    page = text(client.get(unit_url(e, "1")))
    assert "reopened by" in page and "IQA found the observation unsigned." in page and "Sign the unit off" in page
    client.post(f"/assessment/evidence/{second.pk}/", assessment_post(signer=assessor, judge={criterion(e, "1", "1.1"): "met"}))
    assert Decision.objects.filter(version=second.current).count() == 1


def test_trainees_cannot_sign_units_off(client, setup):
    e = setup.enrolment
    accept(submitted(e, setup.learner.user), setup.assessor.user, met=unit_criteria(e, "1"))
    trainee = MembershipFactory(centre=setup.centre, is_assessor=True, is_trainee_assessor=True)
    e.assessors.add(trainee.user)
    client.force_login(trainee.user)
    page = text(client.get(unit_url(e, "1")))
    assert "Trainee assessors cannot sign units off" in page and "Sign the unit off" not in page
    assert client.post(unit_url(e, "1", "sign-off"), sign(trainee.user, "signoff")).status_code == 403
    assert not UnitSignOff.objects.exists()


def test_the_matrix_shows_status_evidence_and_the_live_qualification_status(client, setup):
    e = setup.enrolment
    learner, assessor = setup.learner.user, setup.assessor.user
    for number in ("1", "2", "3"):
        PlannedUnit.objects.create(enrolment=e, unit=unit(e, number), source="chosen")
    matrix = f"/assessment/enrolments/{e.pk}/matrix/"
    client.force_login(assessor)
    page = text(client.get(matrix))
    assert "Not achieved yet." in page and "unit 1 Unit 1 title (mandatory)" in page
    assert "No unit counts yet" in page and "0 of 6 criteria met in the planned units" in page

    evidence = submitted(e, learner, title="Shift log")
    accept(evidence, assessor, met=unit_criteria(e, "1") + unit_criteria(e, "2"), not_met=unit_criteria(e, "3")[:1])
    for number in ("1", "2"):
        client.post(unit_url(e, number, "sign-off"), sign(assessor, "signoff"))
    page = text(client.get(matrix))
    assert "3 more credits in total" in page and "Unit 1 Unit 1 title" in page
    assert f'href="/assessment/evidence/{evidence.pk}/">Shift log' in page and "Evidence mapped" in page
    assert "Signed off" in page and "not yet acknowledged" in page

    PriorAchievement.objects.create(enrolment=e, unit=unit(e, "3"), route="rpl", reference="RPL 12", recorded_by=assessor)
    page = text(client.get(matrix))
    assert "Rules of combination met — ready for quality assurance" in page and "(recognition of prior learning)" in page
    assert enrolment_status(e).qualification.achieved is True

    client.force_login(learner)  # the same matrix, read-only, linking to their own evidence pages
    page = text(client.get(matrix))
    assert "Your tracking matrix" in page and "<form" not in page.split('<main')[1]
    assert f'href="/portfolio/evidence/{evidence.pk}/"' in page
    client.force_login(setup.iqa.user)
    assert client.get(matrix).status_code == 200
    client.force_login(MembershipFactory(centre=setup.centre, is_learner=True).user)
    assert client.get(matrix).status_code == 404
    client.force_login(MembershipFactory(centre=CentreFactory(), is_admin=True).user)
    assert client.get(matrix).status_code == 404


def test_without_rules_in_the_source_the_status_is_not_determinable(client, unit_208):
    enrolment, learner, assessor = unit_208
    client.force_login(assessor.user)
    page = text(client.get(f"/assessment/enrolments/{enrolment.pk}/matrix/"))
    assert "Not determinable: the rules of combination are not in the source." in page


def test_unit_page_and_matrix_do_not_grow_in_queries_with_evidence(client, setup):
    e = setup.enrolment
    PlannedUnit.objects.create(enrolment=e, unit=unit(e, "1"), source="mandatory")
    client.force_login(setup.assessor.user)
    urls = [unit_url(e, "1"), f"/assessment/enrolments/{e.pk}/matrix/", f"/assessment/enrolments/{e.pk}/matrix/?units=all"]

    def counts() -> list[int]:
        out = []
        for u in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(u).status_code == 200
            out.append(len(queries))
        return out

    accept(submitted(e, setup.learner.user), setup.assessor.user, met=unit_criteria(e, "1")[:1])
    few = counts()
    for i in range(8):
        accept(submitted(e, setup.learner.user, title=f"More {i}"), setup.assessor.user,
               met=unit_criteria(e, "1") + unit_criteria(e, str(2 + i % 3)))
    client.post(unit_url(e, "1", "sign-off"), sign(setup.assessor.user, "signoff"))
    after = counts()
    assert all(a <= b for b, a in zip(few, after, strict=True))


def test_progress_of_many_enrolments_takes_a_constant_number_of_queries(centre):
    def enrolment_with_work(n: int):
        e, learner, assessor, _ = enrolment_with_people(centre)
        PlannedUnit.objects.create(enrolment=e, unit=unit(e, "1"), source="mandatory")
        for i in range(n):
            accept(submitted(e, learner.user, title=f"E{i}"), assessor.user, met=unit_criteria(e, "1")[: i + 1])
        return e

    first = enrolment_with_work(1)
    with CaptureQueriesContext(connection) as one:
        progress = enrolment_progress_many([first])
    assert progress[first.pk].criteria_met == 1 and progress[first.pk].criteria_total == 2
    many = [first] + [enrolment_with_work(2) for _ in range(5)]
    with CaptureQueriesContext(connection) as lots:
        progress = enrolment_progress_many(many)
    assert len(lots) == len(one) <= 11
    assert [progress[e.pk].criteria_met for e in many] == [1, 2, 2, 2, 2, 2]
    unit_row = progress[many[1].pk].units[0]
    assert (unit_row.number, unit_row.criteria_met, unit_row.ready, unit_row.signed_off) == ("1", 2, True, False)


def test_the_learner_is_emailed_when_evidence_is_referred_and_a_unit_signed_off(celery_worker, client, centre):
    import time

    from django.core import mail

    e, learner, assessor, _ = enrolment_with_people(centre)
    client.force_login(assessor.user)
    evidence = submitted(e, learner.user, title="Rota")
    client.post(f"/assessment/evidence/{evidence.pk}/", assessment_post(
        signer=assessor.user, outcome="referred", feedback="Add the dates."))
    accept(submitted(e, learner.user, title="Rota 2"), assessor.user, met=unit_criteria(e, "1"))
    response = client.post(unit_url(e, "1", "sign-off"), sign(assessor.user, "signoff"))
    assert response.status_code == 302, text(response)[-3000:]
    deadline = time.monotonic() + 30

    def subjects() -> list[str]:
        return sorted(m.subject for m in mail.outbox if m.to == [learner.user.email])

    while len(subjects()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    subjects = subjects()
    assert any("“Rota” has been referred back to you" in s for s in subjects)
    assert any("Unit 1 has been signed off" in s for s in subjects), subjects


def test_a_requirement_tick_is_withdrawn_with_a_reason_and_stops_counting(client, unit_208):
    enrolment, learner, assessor = unit_208
    requirement = EvidenceRequirement.objects.get(unit=unit(enrolment, "208"), number="5b")
    evidence = submitted(enrolment, learner.user, title="Busy Saturday")
    accept(evidence, assessor.user, cover=[requirement])
    tick = evidence.current.requirement_coverage.get()
    client.force_login(assessor.user)
    assert "Evidence requirements 5a, 5c, 5d, 6a and 6b are not covered yet." in text(client.get(unit_url(enrolment, "208")))
    withdraw = f"/assessment/evidence/{evidence.pk}/coverage/{tick.pk}/withdraw/"
    page = text(client.post(withdraw, sign(assessor.user, f"withdraw-{tick.pk}", reason="")))
    assert "Give the reason for withdrawing the tick." in page
    assert evidence.current.requirement_coverage.count() == 1
    client.post(withdraw, sign(assessor.user, f"withdraw-{tick.pk}", reason="It was a quiet day, not a busy one."))
    new = evidence.current.requirement_coverage.exclude(pk=tick.pk).get()
    assert new.covered is False and new.supersedes_id == tick.pk
    assert AuditEvent.objects.filter(action="assessment.requirement_coverage_withdrawn").exists()
    assert "5a, 5b, 5c, 5d, 6a and 6b are not covered" in text(client.get(unit_url(enrolment, "208")))
    assert "tick withdrawn (It was a quiet day, not a busy one.)" in text(client.get(f"/assessment/evidence/{evidence.pk}/"))
