"""The progress summary the caseload and home pages read always equals what the records add
up to: after every kind of write that changes them, recomputing finds nothing different."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assessment import services
from apps.assessment.models import Decision, EnrolmentProgress
from apps.assessment.progress import enrolment_progress_many, progress_compute_many, progress_verify
from apps.learners import services as learner_services
from apps.learners.models import PlannedUnit
from tests.assessment.helpers import accept, submitted, unit, unit_criteria
from tests.factories import MembershipFactory


def summary_is_true(enrolment) -> None:
    assert EnrolmentProgress.objects.filter(enrolment=enrolment).exists()
    assert progress_verify([enrolment.pk]) == []


@pytest.fixture
def admin(setup):
    return MembershipFactory(centre=setup.centre, is_admin=True)


def test_the_summary_follows_every_kind_of_write(setup, admin):
    e, learner, assessor = setup.enrolment, setup.learner.user, setup.assessor.user
    trainee = MembershipFactory(centre=setup.centre, is_assessor=True, is_trainee_assessor=True)
    e.assessors.add(trainee.user)

    learner_services.enrolment_plan_set(enrolment=e, actor=admin.user, unit_ids=[unit(e, "1").pk, unit(e, "2").pk])
    summary_is_true(e)
    accept(submitted(e, learner), assessor, met=unit_criteria(e, "1"))  # mappings, decisions, an assessment
    summary_is_true(e)
    accept(submitted(e, learner, title="Second"), trainee.user, met=unit_criteria(e, "2")[:1])  # provisional
    summary_is_true(e)
    provisional = Decision.objects.get(provisional=True)
    services.decisions_countersign(decisions=[provisional], actor=assessor, signed_name=assessor.full_name,
                                   ip_address=None)
    summary_is_true(e)
    services.decision_correct(decision=Decision.objects.filter(provisional=False).first(), actor=trainee.user,
                              outcome="not_yet_met", feedback="", reason="Misjudged.", signed_name=trainee.user.full_name,
                              ip_address=None)
    summary_is_true(e)
    accept(submitted(e, learner, title="Third"), assessor, outcome="referred", feedback="Redo.")
    summary_is_true(e)
    sign_off = services.unit_sign_off(enrolment=e, unit=unit(e, "1"), actor=assessor, signed_name=assessor.full_name,
                                      ip_address=None)
    summary_is_true(e)
    services.unit_sign_off_acknowledge(sign_off=sign_off, actor=learner, signed_name=e.learner.full_name,
                                       ip_address=None)
    summary_is_true(e)
    services.unit_reopen(sign_off=sign_off, actor=assessor, reason="Copied work.", signed_name=assessor.full_name,
                         ip_address=None)
    summary_is_true(e)
    prior = learner_services.prior_achievement_record(enrolment=e, actor=admin.user, unit=unit(e, "3"), route="rpl",
                                                      reference="RPL 1")
    summary_is_true(e)
    learner_services.prior_achievement_remove(prior=prior, actor=admin.user)
    summary_is_true(e)
    assert enrolment_progress_many([e])[e.pk] == progress_compute_many([e])[e.pk]


def test_pages_read_one_summary_row_per_enrolment_however_many_records(client, setup):
    e, learner, assessor = setup.enrolment, setup.learner.user, setup.assessor
    PlannedUnit.objects.create(enrolment=e, unit=unit(e, "1"), source="mandatory")
    accept(submitted(e, learner), assessor.user, met=unit_criteria(e, "1"))
    client.force_login(assessor.user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/caseload/").status_code == 200
        return len(queries)

    few = count()
    for i in range(6):
        accept(submitted(e, learner, title=f"More {i}"), assessor.user, met=unit_criteria(e, str(2 + i % 3)))
    assert count() == few


def test_a_summary_gone_wrong_is_found_and_rebuilt(setup):
    e = setup.enrolment
    accept(submitted(e, setup.learner.user), setup.assessor.user, met=unit_criteria(e, "1"))
    EnrolmentProgress.objects.filter(enrolment=e).update(summary={"criteria_met": 999})
    assert progress_verify() == [e.pk]
    with pytest.raises(Exception, match="differ from their records"):
        call_command("progress_rebuild", "--verify")
    call_command("progress_rebuild")
    assert progress_verify() == []
