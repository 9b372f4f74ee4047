from pathlib import Path

import yaml
from django.core.files.storage import default_storage

from apps.demo.seed import seed_everything
from apps.evidence.models import Evidence, StoredFile
from apps.qualifications.services import catalogue_load

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"


def test_the_demo_gives_every_demo_learner_a_living_portfolio_once(db):
    for name in ("600-1257-2.yaml", "600-1137-3.yaml", "600-9662-7.yaml"):
        catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name)
    seed_everything(password="attest-demo")
    seed_everything(password="attest-demo")  # idempotent: nothing doubles
    for email, centre in [("learner@demo.test", "demo"), ("learner2@demo.test", "demo"), ("learner@other.test", "northgate")]:
        evidence = Evidence.objects.filter(enrolment__learner__user__email=email, created_by__email=email)
        # Lena's third accepted piece is the one behind unit 03, signed off for the IQA to sample (apps/iqa/demo.py).
        expected = ["accepted", "accepted", "accepted", "draft", "referred"] if email == "learner@demo.test" else ["draft", "submitted", "submitted"]
        assert sorted(evidence.values_list("status", flat=True)) == expected, email
        assert {e.centre.slug for e in evidence} == {centre}
        kinds = set(StoredFile.objects.filter(uploaded_by__email=email).values_list("kind", flat=True))
        assert kinds == {"image", "document", "audio"}
    made_by_assessor = Evidence.objects.filter(enrolment__learner__user__email="learner@demo.test").exclude(
        created_by__email="learner@demo.test"
    )
    assert sorted(made_by_assessor.values_list("current__method", flat=True)) == ["observation", "witness_testimony"]
    from apps.assessment.models import SignOffAcknowledgement, UnitSignOff

    signed = UnitSignOff.objects.get(enrolment__learner__user__email="learner@demo.test", unit__number="02")
    assert SignOffAcknowledgement.objects.filter(sign_off=signed).exists()
    for stored in StoredFile.objects.all():
        assert default_storage.exists(stored.key) and default_storage.size(stored.key) == stored.size
