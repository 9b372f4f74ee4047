"""The demo IQA finds real work on first login, and the demo assessor an action to answer."""

from pathlib import Path

import yaml

from apps.assessment.models import UnitSignOff
from apps.assessment.status import SUSPENSION_REASON
from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.demo.seed import seed_everything
from apps.iqa.models import Action, AssessorProfile, Band, Sample, SamplingPlan, SamplingStrategy
from apps.iqa.plans import ready_items
from apps.qualifications.services import catalogue_load

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"


def test_the_demo_iqa_has_a_strategy_a_plan_with_ready_samples_and_signed_samples_once(db):
    for name in ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml"):
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)
    seed_everything(password="attest-demo")
    seed_everything(password="attest-demo")  # idempotent: nothing doubles

    iqa = Membership.objects.select_related("user").get(user__email="iqa@demo.test", centre__slug="demo")
    assert Cap.LEAD_QUALITY_ASSURE in iqa.capabilities()
    assert SamplingStrategy.objects.filter(centre=iqa.centre, status=SamplingStrategy.Status.APPROVED).count() == 1
    bands = dict(AssessorProfile.objects.filter(centre=iqa.centre).values_list("assessor__email", "band"))
    assert bands == {"assessor@demo.test": Band.MEDIUM, "trainee@demo.test": Band.HIGH}
    assert SamplingPlan.objects.filter(iqa=iqa.user).count() == 1
    ready, total = ready_items(iqa)
    assert total >= 1 and ready

    signed = {s.unit.number: s for s in Sample.objects.filter(
        signed_at__isnull=False, enrolment__learner__email="learner@demo.test").select_related("unit")}
    assert set(signed) == {"02", "03"}
    assert signed["02"].outcome == Sample.Outcome.AGREE
    assert signed["03"].outcome == Sample.Outcome.DISAGREE
    action = Action.objects.get()
    assert action.owner.email == "assessor@demo.test" and action.status == Action.Status.OPEN
    assert action.sample == signed["03"]
    # The disagreement suspended unit 03's sign-off, in words that blame no one.
    suspended = UnitSignOff.objects.get(enrolment=signed["03"].enrolment, unit__number="03")
    assert suspended.reopening.reason == SUSPENSION_REASON
