"""Samples: the frozen snapshot and what changed since; saving and signing; a signed sample never
changes (an addendum corrects it); a disagreement suspends the sign-off, sets actions and tells the
assessor; an IQA never samples their own work; the page's queries do not grow with the unit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apps.assessment import services as assessment
from apps.assessment.models import UnitReopening
from apps.assessment.status import SUSPENSION_REASON
from apps.audit.models import AuditEvent
from apps.centres.models import IQAAllocation
from apps.iqa import checks, sampling, signals
from apps.iqa.models import Action, PlanItem, Sample, SamplingPlan
from apps.notifications.models import Notification
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.factories import MembershipFactory
from tests.iqa.support_samples import entry, in_a_week, page_post, signed_off_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return signed_off_unit()


def start(w, **kwargs):
    return sampling.sample_start_unplanned(actor=w.iqa, enrolment=w.enrolment, unit=w.unit,
                                           stage=kwargs.pop("stage", "summative"), reason="A concern from the learner")


def test_starting_freezes_a_snapshot_of_the_unit_with_its_hash(w):
    sample = start(w)
    snap = sample.snapshot
    assert [d["id"] for d in snap["decisions"]] == [d.pk for d in w.decisions]
    assert all(d["outcome"] == "met" and not d["provisional"] for d in snap["decisions"])
    [version] = snap["versions"]
    assert version["declared_name"] == "Lena Learner" and version["files"][0]["sha256"] == w.evidence.current.files.get().sha256
    assert snap["sign_off_in_force"] == w.sign_off.pk and snap["sign_offs"][0]["acknowledged_by"] is None
    assert sample.snapshot_sha256 == sampling.snapshot_sha256(snap) and len(sample.snapshot_sha256) == 64
    assert sample.assessor == w.assessor and sample.plan_item is None
    assert AuditEvent.objects.filter(action="iqa.sample_started", object_id=str(sample.pk)).exists()
    # the canonical form does not depend on key order
    assert sampling.canonical({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == b'{"a":[1,{"c":3,"d":2}],"b":1}'


def test_later_changes_to_the_unit_are_flagged_on_the_sample(w, client):
    sample = start(w)
    assert sampling.sample_page(sample).changes == []
    assessment.unit_reopen(sign_off=w.sign_off, actor=w.assessor, reason="Looking again", signed_name=w.assessor.full_name,
                           ip_address=None)
    decision = w.decisions[0]
    assessment.decision_correct(decision=decision, actor=w.assessor, outcome="not_yet_met", feedback="", reason="Thin",
                                signed_name=w.assessor.full_name, ip_address=None)
    changes = sampling.sample_page(sample).changes
    assert "The unit's sign-off was reopened or suspended." in changes
    assert any(c.startswith("The decision on 1.1 was corrected") and c.endswith("now not yet met.") for c in changes)
    # the snapshot itself never moves
    sample.refresh_from_db()
    assert sampling.snapshot_sha256(sample.snapshot) == sample.snapshot_sha256
    client.force_login(w.iqa)
    assert "Changed since the sample started" in client.get(reverse("iqa_sample", args=[sample.pk])).content.decode()


def test_a_new_evidence_version_is_flagged():
    then = {"decisions": [], "versions": [{"id": 1, "evidence": 5, "number": 1, "title": "Call", "files": []}],
            "latest_versions": {"5": 1}, "sign_offs": []}
    now = then | {"latest_versions": {"5": 2}}
    assert sampling.snapshot_changes(then, now) == ["A new version of “Call” was submitted."]
    assert sampling.snapshot_changes(then, then) == []


def test_an_iqa_never_samples_their_own_decisions_or_learners(w):
    # the IQA who is also the learner's assessor
    w.enrolment.assessors.add(w.iqa)
    with pytest.raises(ValidationError, match="never samples their own decisions"):
        start(w)
    w.enrolment.assessors.remove(w.iqa)
    # an IQA who countersigned... or signed any decision in the unit, though no longer assigned
    both = MembershipFactory(centre=w.centre, is_iqa=True, is_assessor=True, user__full_name="Bo Both").user
    w.enrolment.assessors.add(both)
    criteria = unit_criteria(w.enrolment, "2")
    accept(submitted(w.enrolment, w.learner, criteria=criteria[:1]), both, met=criteria[:1])
    w.enrolment.assessors.remove(both)
    IQAAllocation.objects.filter(assessor=w.assessor).update(iqa=both)
    with pytest.raises(ValidationError, match="never samples their own decisions"):
        sampling.sample_start_unplanned(actor=both, enrolment=w.enrolment, unit=criteria[0].unit, stage="interim",
                                        reason="Concern")
    assert not Sample.objects.exists()


def test_bad_starts_are_refused_in_words_and_make_nothing(w):
    with pytest.raises(ValidationError, match="Say why you are sampling outside the plan"):
        sampling.sample_start_unplanned(actor=w.iqa, enrolment=w.enrolment, unit=w.unit, stage="interim", reason=" ")
    unit2 = unit_criteria(w.enrolment, "2")[0].unit
    with pytest.raises(ValidationError, match="has no decisions yet"):
        sampling.sample_start_unplanned(actor=w.iqa, enrolment=w.enrolment, unit=unit2, stage="interim", reason="x")
    with pytest.raises(PermissionDenied):
        sampling.sample_start_unplanned(actor=w.assessor, enrolment=w.enrolment, unit=w.unit, stage="interim",
                                        reason="x")
    stranger = MembershipFactory(centre=w.centre, is_iqa=True).user
    with pytest.raises(PermissionDenied):
        sampling.sample_start_unplanned(actor=stranger, enrolment=w.enrolment, unit=w.unit, stage="interim", reason="x")
    assert not Sample.objects.exists()


def test_a_plan_item_goes_in_progress_then_done(w):
    plan = SamplingPlan.objects.create(centre=w.centre, iqa=w.iqa, period_start="2026-01-01", period_end="2026-12-31",
                                       seed=1, created_by=w.iqa)
    item = PlanItem.objects.create(centre=w.centre, plan=plan, enrolment=w.enrolment, unit=w.unit, assessor=w.assessor,
                                   stage="summative", due_from="2026-01-01", due_by="2026-12-31", reason="random")
    sample = sampling.sample_start_for_item(actor=w.iqa, item=item)
    assert sampling.sample_start_for_item(actor=w.iqa, item=item) == sample  # a second click opens the same
    item.refresh_from_db()
    assert item.status == PlanItem.Status.IN_PROGRESS and sample.plan_item == item
    heard = []
    signals.quality_facts_changed.connect(lambda **kw: heard.append(kw["reason"]), weak=False, dispatch_uid="t-facts")
    try:
        sampling.sample_sign(sample=sample, actor=w.iqa, entry=entry(sample), signed_name="Ira Quality",
                             ip_address=None)
    finally:
        signals.quality_facts_changed.disconnect(dispatch_uid="t-facts")
    item.refresh_from_db()
    assert item.status == PlanItem.Status.DONE and heard == ["sample_signed"]
    assert w.assessor.notifications.filter(subject__contains="were sampled: agree").exists()


def test_saving_keeps_what_is_entered_and_refuses_a_no_without_a_comment(w):
    sample = start(w)
    sampling.sample_save(sample=sample, actor=w.iqa, entry=entry(sample, outcome="", actions=[("Redo", in_a_week())]))
    sample.refresh_from_db()
    assert sample.varcs["valid"] == {"answer": "yes", "comment": ""}
    assert [a.text for a in sampling.draft_actions(sample)] == ["Redo"]
    assert sample.decisions_sampled.count() == 2 and sample.methods_seen == ["work_product"]
    before = (sample.varcs, sample.process_checks)
    with pytest.raises(ValidationError, match="a “no” needs one"):
        sampling.sample_save(sample=sample, actor=w.iqa, entry=entry(sample, valid=("no", "")))
    sample.refresh_from_db()
    assert (sample.varcs, sample.process_checks) == before


def test_signing_refuses_in_words_and_changes_nothing(w):
    sample = start(w)
    with pytest.raises(ValidationError) as caught:
        sampling.sample_sign(sample=sample, actor=w.iqa, entry=entry(sample, outcome="disagree", decisions=[]),
                             signed_name="Someone Else", ip_address=None)
    messages = caught.value.messages
    assert "Tick at least one decision you sampled." in messages
    assert any("Set at least one action" in m for m in messages)
    assert any("Write your feedback" in m for m in messages)
    assert any("exactly as the centre has it" in m for m in messages)
    sample.refresh_from_db()
    assert sample.signed_at is None and sample.outcome == "" and not Action.objects.exists()
    assert not UnitReopening.objects.exists()


def test_signing_checks_scope_and_own_work_again_as_they_stand_now(w):
    sample = start(w)
    w.enrolment.assessors.add(w.iqa)  # since the start, the IQA has become the learner's assessor
    with pytest.raises(ValidationError, match="never samples their own decisions"):
        sampling.sample_sign(sample=sample, actor=w.iqa, entry=entry(sample), signed_name=w.iqa.full_name,
                             ip_address=None)
    w.enrolment.assessors.remove(w.iqa)
    IQAAllocation.objects.filter(iqa=w.iqa).delete()  # and the allocation has ended
    with pytest.raises(PermissionDenied):
        sampling.sample_save(sample=sample, actor=w.iqa, entry=entry(sample))
    sample.refresh_from_db()
    assert sample.signed_at is None and sample.outcome == ""


def test_an_iqa_who_also_assesses_the_learner_does_not_see_another_iqas_sample_of_them(w):
    from apps.centres.access import membership_for
    from apps.iqa import access

    both = MembershipFactory(centre=w.centre, is_iqa=True, is_assessor=True).user
    w.enrolment.assessors.add(both)  # they assess this learner; they are not the learner's IQA
    sample = start(w)
    membership = membership_for(both, w.centre.pk)
    assert not access.samples_visible(membership).filter(pk=sample.pk).exists()
    assert not access.enrolments_in_scope(membership).filter(pk=w.enrolment.pk).exists()
    assert access.enrolments_in_scope(membership_for(w.iqa, w.centre.pk)).filter(pk=w.enrolment.pk).exists()


def test_a_signed_sample_is_immutable_and_corrected_by_an_addendum(w, client):
    sample = start(w)
    sampling.sample_sign(sample=sample, actor=w.iqa, entry=entry(sample), signed_name="ira quality", ip_address=None)
    sample.refresh_from_db()
    assert sample.signed_at and sample.signed_name == "ira quality" and sample.outcome == "agree"
    with pytest.raises(ValidationError, match="signed and cannot change"):
        sampling.sample_save(sample=sample, actor=w.iqa, entry=entry(sample, outcome="disagree"))
    with pytest.raises(ValidationError, match="signed and cannot change"):
        sampling.sample_sign(sample=sample, actor=w.iqa, entry=entry(sample), signed_name="Ira Quality",
                             ip_address=None)
    client.force_login(w.iqa)
    assert client.post(reverse("iqa_sample_save", args=[sample.pk]), page_post(sample)).status_code == 403
    with pytest.raises(ValidationError, match="Give the reason"):
        sampling.sample_addendum(sample=sample, actor=w.iqa, reason="", text="x", signed_name="Ira Quality")
    addendum = sampling.sample_addendum(sample=sample, actor=w.iqa, reason="Typo in feedback", text="Read 1.2 for 1.1",
                                        signed_name="Ira Quality")
    assert addendum.sample == sample and sample.addenda.count() == 1
    with pytest.raises(PermissionDenied):
        sampling.sample_addendum(sample=sample, actor=w.assessor, reason="r", text="t", signed_name=w.assessor.full_name)
    # the assessor reads their own signed sample, read-only
    client.force_login(w.assessor)
    body = client.get(reverse("iqa_sample", args=[sample.pk])).content.decode()
    assert "Typo in feedback" in body and "Sign the sample" not in body


def test_disagreeing_suspends_the_sign_off_sets_actions_and_tells_the_assessor(w, client):
    sample = start(w)
    raised = []
    signals.referral_raised.connect(lambda **kw: raised.append(kw["sample"].pk), weak=False, dispatch_uid="t-ref")
    try:
        sampling.sample_sign(
            sample=sample, actor=w.iqa, signed_name="Ira Quality", ip_address="192.0.2.4",
            entry=entry(sample, outcome="disagree", feedback="1.2 is not shown by the call log.",
                        actions=[("Re-judge 1.2 against the call log", in_a_week())],
                        sufficient=("no", "Only one call")),
        )
    finally:
        signals.referral_raised.disconnect(dispatch_uid="t-ref")
    assert raised == [sample.pk]
    [action] = Action.objects.all()
    assert (action.owner, action.raised_by, action.enrolment, action.unit, action.sample) == (
        w.assessor, w.iqa, w.enrolment, w.unit, sample)
    reopening = UnitReopening.objects.get(sign_off=w.sign_off)
    assert reopening.reason == SUSPENSION_REASON and reopening.signed_by == w.iqa
    assert AuditEvent.objects.filter(action="iqa.sign_off_suspended").exists()
    assert Notification.objects.filter(recipient=w.assessor, subject__contains="disagree").exists()
    assert Notification.objects.filter(recipient=w.assessor, subject__contains="An action for you").exists()
    # the learner's matrix and unit page say so, without blame
    client.force_login(w.learner)
    matrix = client.get(reverse("assessment_matrix", args=[w.enrolment.pk])).content.decode()
    unit_page = client.get(reverse("assessment_unit", args=[w.enrolment.pk, w.unit.number])).content.decode()
    assert SUSPENSION_REASON in matrix and SUSPENSION_REASON in unit_page
    # the assessor can now correct and sign the unit off again
    assessment.decision_correct(decision=w.decisions[1], actor=w.assessor, outcome="met", feedback="Now shown",
                                reason="IQA sample", signed_name=w.assessor.full_name, ip_address=None)
    assessment.unit_sign_off(enrolment=w.enrolment, unit=w.unit, actor=w.assessor, signed_name=w.assessor.full_name,
                             ip_address=None)


def test_only_an_iqa_in_scope_who_does_not_assess_the_learner_suspends_a_sign_off(w):
    with pytest.raises(PermissionDenied):
        assessment.unit_sign_off_suspend(enrolment=w.enrolment, unit=w.unit, actor=w.assessor,
                                         signed_name=w.assessor.full_name, ip_address=None)
    stranger = MembershipFactory(centre=w.centre, is_iqa=True).user
    with pytest.raises(PermissionDenied):
        assessment.unit_sign_off_suspend(enrolment=w.enrolment, unit=w.unit, actor=stranger,
                                         signed_name=stranger.full_name, ip_address=None)
    assert not UnitReopening.objects.exists()


def test_the_sample_page_saves_and_signs_without_javascript(w, client):
    client.force_login(w.iqa)
    response = client.post(reverse("iqa_sample_new"), {
        "enrolment": w.enrolment.pk, "unit": w.unit.pk, "stage": "summative", "reason": "A complaint"})
    sample = Sample.objects.get()
    assert response.status_code == 302 and response.url == reverse("iqa_sample", args=[sample.pk])
    data = page_post(sample, outcome="agree_with_advice", feedback="Good; date your feedback.")
    data["varcs-valid-answer"] = "no"  # no comment: refused, nothing kept
    response = client.post(reverse("iqa_sample_save", args=[sample.pk]), data)
    assert response.status_code == 200 and "a “no” needs one" in response.content.decode()
    sample.refresh_from_db()
    assert sample.varcs == {}
    data["varcs-valid-answer"] = "yes"
    assert client.post(reverse("iqa_sample_save", args=[sample.pk]), data).status_code == 302
    data["signed_name"] = "Ira Quality"
    assert client.post(reverse("iqa_sample_sign", args=[sample.pk]), data).status_code == 302
    sample.refresh_from_db()
    assert sample.outcome == "agree_with_advice" and sample.signed_at is not None


def test_the_sample_page_reads_in_a_fixed_number_of_queries(w, client):
    client.force_login(w.iqa)
    sample = start(w)
    url = reverse("iqa_sample", args=[sample.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    # more evidence, decisions and a record in the unit
    criteria = unit_criteria(w.enrolment, "1")
    assessment.unit_reopen(sign_off=w.sign_off, actor=w.assessor, reason="More", signed_name=w.assessor.full_name,
                           ip_address=None)
    for n in range(3):
        accept(submitted(w.enrolment, w.learner, title=f"More {n}", criteria=criteria), w.assessor, met=criteria)
    sampling.sample_save(sample=sample, actor=w.iqa, entry=entry(sample))
    big = sampling.sample_start_unplanned(actor=w.iqa, enrolment=w.enrolment, unit=w.unit, stage="interim",
                                          reason="Another")
    assert big.pk == sample.pk  # the open sample of the same unit is reused
    Sample.objects.filter(pk=sample.pk).update(snapshot=sampling.unit_snapshot(w.enrolment, w.unit))
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries][-5:]


def test_the_checks_the_form_offers_are_those_of_checks_py(w, client):
    client.force_login(w.iqa)
    sample = start(w)
    body = client.get(reverse("iqa_sample", args=[sample.pk])).content.decode()
    for check in checks.VARCS + checks.PROCESS:
        assert escape(check.question) in body


def test_a_non_ascii_digit_among_the_ticked_decisions_is_an_error_on_the_page_not_a_500(w, client):
    sample = start(w)
    client.force_login(w.iqa)
    data = page_post(sample)
    data["decisions"] = ["²"]  # "²".isdigit() is true, int("²") is not a number
    response = client.post(reverse("iqa_sample_save", args=[sample.pk]), data)
    assert response.status_code == 200
