"""A trainee's correction is provisional too: until a qualified assessor countersigns it, the
decision it would replace keeps counting, and the page shows both."""

from __future__ import annotations

import html

from apps.assessment import services
from apps.assessment.models import Decision
from apps.assessment.progress import enrolment_status
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.factories import MembershipFactory


def test_a_trainees_correction_does_not_stop_a_qualified_decision_counting_until_countersigned(client, setup):
    e, learner, assessor = setup.enrolment, setup.learner, setup.assessor
    trainee = MembershipFactory(centre=setup.centre, is_assessor=True, is_trainee_assessor=True)
    e.assessors.add(trainee.user)
    criterion = unit_criteria(e, "1")[0]
    evidence = submitted(e, learner.user, title="Call log")
    accept(evidence, assessor.user, met=[criterion])
    qualified = Decision.objects.get()
    assert enrolment_status(e).criteria_met == 1

    correction = services.decision_correct(
        decision=qualified, actor=trainee.user, outcome="not_yet_met", feedback="The call was not logged.",
        reason="The log shows no call reference.", signed_name=trainee.user.full_name, ip_address=None,
    )
    assert correction.provisional
    assert enrolment_status(e).criteria_met == 1  # the qualified decision still counts

    client.force_login(assessor.user)
    page = html.unescape(client.get(f"/assessment/evidence/{evidence.pk}/").content.decode())
    assert "Corrected by a trainee: still counts until the correction is countersigned" in page
    assert "Provisional: awaiting countersignature" in page
    assert "The log shows no call reference." in page
    unit_page = html.unescape(client.get(f"/assessment/enrolments/{e.pk}/units/1/").content.decode())
    assert "Met" in unit_page

    client.force_login(learner.user)
    own = html.unescape(client.get(f"/portfolio/evidence/{evidence.pk}/").content.decode())
    assert "A correction is waiting for countersignature: this still counts" in own

    services.decisions_countersign(decisions=[correction], actor=assessor.user, signed_name=assessor.user.full_name,
                                   ip_address=None)
    assert enrolment_status(e).criteria_met == 0  # now the correction is in force


def test_a_qualified_correction_takes_effect_at_once(setup):
    e, learner, assessor = setup.enrolment, setup.learner, setup.assessor
    criterion = unit_criteria(e, "1")[0]
    evidence = submitted(e, learner.user)
    accept(evidence, assessor.user, met=[criterion])
    services.decision_correct(
        decision=Decision.objects.get(), actor=assessor.user, outcome="not_yet_met", feedback="",
        reason="Misread the log.", signed_name=assessor.user.full_name, ip_address=None,
    )
    assert enrolment_status(e).criteria_met == 0
