"""The benchmarks' college (bench/generate.py), made small: its rows are what the services
would have written, so the pages measured on it show what they would show a real centre."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import F

from apps.assessment.models import Countersignature, Decision, EvidenceAssessment, Mapping, UnitSignOff
from apps.audit.actions import ACTIONS
from apps.audit.models import AuditEvent
from apps.centres.models import Membership
from apps.evidence.models import Evidence


@pytest.fixture
def college(db):
    from bench.generate import Generator, find_college

    Generator(scale=0.004, seed=3, out=lambda _: None, store_files=False).run()
    return find_college()


def test_the_benchmarks_find_their_people_and_every_summary_equals_the_truth(college, client):
    from apps.accounts.models import User
    from apps.assessment.progress import progress_verify
    from bench.generate import PASSWORD

    assert college is not None and college.counts["learners"] == 20
    assert Evidence.objects.filter(pk=college.evidence_id, status=Evidence.Status.SUBMITTED,
                                   enrolment_id=college.enrolment_id).exists()
    assert college.decisions == Decision.objects.filter(enrolment_id=college.enrolment_id).count() > 0
    assessor = Membership.objects.get(user_id=college.assessor_user_id, centre_id=college.centre_id)
    assert assessor.is_assessor and not assessor.is_trainee_assessor
    assert progress_verify() == []
    # Anyone signs in with the benchmark's password, as the load test's people do.
    email = User.objects.get(pk=college.learner_user_id).email
    assert client.post("/accounts/login/", {"login": email, "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200 and "Your portfolio" in client.get("/").content.decode()


def test_judgements_are_written_as_the_assessment_services_write_them(college):
    # evidence_assess: one mapping and one decision per criterion judged, signed alike.
    signed = ("version_id", "criterion_id", "signed_by_id", "signed_at", "enrolment_id")
    mapped = Counter(Mapping.objects.filter(verdict=Mapping.Verdict.MAPPED).values_list(*signed))
    judged = Counter(Decision.objects.filter(supersedes__isnull=True).values_list(*signed))
    assert judged and judged == mapped
    for model in (Mapping, Decision, EvidenceAssessment):  # the enrolment carried on the row is the version's
        assert not model.objects.exclude(enrolment_id=F("version__evidence__enrolment_id")).exists()
    assert not Decision.objects.exclude(criterion__unit__qualification_id=F("enrolment__qualification_id")).exists()
    # decision_correct: a correction supersedes with a reason.
    assert Decision.objects.filter(supersedes__isnull=False).exists()
    assert not Decision.objects.filter(supersedes__isnull=False, reason="").exists()
    # A trainee's decisions are provisional; a qualified assessor, never the trainee, countersigns.
    trainees = set(Membership.objects.filter(is_trainee_assessor=True).values_list("user_id", flat=True))
    assert trainees
    for signer, provisional in Decision.objects.values_list("signed_by_id", "provisional"):
        assert provisional == (signer in trainees)
    for c in Countersignature.objects.select_related("decision"):
        assert c.signed_by_id not in trainees and c.signed_by_id != c.decision.signed_by_id
        assert c.signed_at >= c.decision.signed_at


def test_evidence_units_and_the_trail_are_in_states_the_services_leave_them_in(college):
    from apps.assessment.progress import progress_compute_many
    from apps.learners.models import Enrolment

    for e in Evidence.objects.select_related("current", "shared_version"):
        if e.status == Evidence.Status.DRAFT:
            assert e.current.submitted_at is None
        else:
            assert e.shared_version is not None and e.shared_version.submitted_at is not None
        if e.status in (Evidence.Status.SUBMITTED, Evidence.Status.ACCEPTED):
            assert e.current_id == e.shared_version_id
        if e.status in (Evidence.Status.ACCEPTED, Evidence.Status.REFERRED):
            latest = EvidenceAssessment.objects.filter(version=e.shared_version).order_by("-id").first()
            assert latest.outcome == e.status
    # A unit is signed off once ready, and nothing on it is judged while it stays signed off.
    signed = [(p.enrolment_id, u) for p in progress_compute_many(Enrolment.objects.all()).values()
              for u in p.units if u.signed_off]
    assert signed and all(unit.ready for _, unit in signed)
    for s in UnitSignOff.objects.filter(reopening__isnull=True):
        assert not Decision.objects.filter(enrolment_id=s.enrolment_id, criterion__unit_id=s.unit_id,
                                           signed_at__gt=s.signed_at).exists()
    # The trail: declared codes only, one "judged" event per decision.
    codes = set(AuditEvent.objects.filter(centre_id=college.centre_id).values_list("action", flat=True))
    assert {"assessment.decision_recorded", "evidence.submitted", "assessment.unit_signed_off"} <= codes <= set(ACTIONS)
    assert AuditEvent.objects.filter(action="assessment.decision_recorded").count() == Decision.objects.filter(
        supersedes__isnull=True).count()
