"""Demo learners and enrolments, called by apps.demo.seed.seed_demo after the demo people.

Idempotent: a learner record or enrolment that exists is left as it is. Enrolments need
the catalogue (`load_catalogue`, which `make run` runs before `seed_demo`); without it the
learners are still recorded and the enrolments are skipped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import user_create
from apps.centres.models import Centre, Membership
from apps.qualifications.engine import plan_to_achieve
from apps.qualifications.models import Qualification

from .models import Enrolment, Learner
from .services import enrolment_create, enrolment_plan_set, learner_create


@dataclass(frozen=True)
class DemoLearner:
    centre_slug: str
    email: str
    full_name: str
    date_of_birth: date
    uln: str  # valid under the Learning Records Service check digit
    mis_reference: str
    qualification: str
    registration_number: str
    assessors: tuple[str, ...] = ()
    iqa: str | None = None


DEMO_LEARNERS = (
    DemoLearner("demo", "learner@demo.test", "Lena Learner", date(2003, 4, 12), "1000000043", "DTC-0001",
                "600/1257/2", "NCFE-DTC-0001", ("assessor@demo.test",), "iqa@demo.test"),
    DemoLearner("demo", "learner2@demo.test", "Liam Learner", date(2001, 11, 3), "1234567899", "DTC-0002",
                "600/1137/3", "CG-3411-0002", ("assessor@demo.test", "trainee@demo.test"), "iqa@demo.test"),
    DemoLearner("northgate", "learner@other.test", "Oscar Learner", date(1999, 6, 21), "2000000001", "NGC-1001",
                "600/9662/7", "PEA-NGC-1001"),
)
# People this module adds to the demo (the others come from apps.demo.seed).
NEW_PEOPLE = {"learner2@demo.test": ("demo", "Liam Learner")}


@transaction.atomic
def seed_learners(*, password: str, today: date | None = None) -> list[str]:
    """Create or keep the demo learners and their enrolments; returns the emails of the
    accounts this added or refreshed (learner2@demo.test)."""
    today = today or timezone.localdate()
    refreshed = []
    for email, (slug, full_name) in NEW_PEOPLE.items():
        learner_account(Centre.objects.get(slug=slug), email=email, full_name=full_name, password=password)
        refreshed.append(email)
    for spec in DEMO_LEARNERS:
        _seed_one(spec, today)
    return refreshed


def learner_account(centre: Centre, *, email: str, full_name: str, password: str) -> None:
    """A demo learner's account and active learner membership, made or given the demo password again."""
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(email=email, full_name=full_name, password=password, email_verified=True)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    membership, _ = Membership.objects.get_or_create(centre=centre, user=user)
    if not membership.roleset.learner or not membership.is_active:
        membership.set_roles(dataclasses.replace(membership.roleset, learner=True))
        membership.is_active = True
        membership.save()


def _seed_one(spec: DemoLearner, today: date) -> None:
    User = get_user_model()
    centre = Centre.objects.get(slug=spec.centre_slug)
    # Learners and enrolments are the centre admin's to make, here as in the pages.
    admin = Membership.objects.filter(centre=centre, is_admin=True, is_active=True).select_related("user").first().user
    learner = Learner.objects.filter(centre=centre, email=spec.email).first()
    if learner is None:
        learner = learner_create(
            centre=centre, actor=admin, full_name=spec.full_name, email=spec.email, date_of_birth=spec.date_of_birth,
            uln=spec.uln, mis_reference=spec.mis_reference, base_url=settings.ATTEST_BASE_URL,
        ).learner
    qualification = Qualification.objects.filter(number=spec.qualification, is_current=True).first()
    if qualification is None:
        return  # the catalogue is not loaded
    if Enrolment.objects.filter(learner=learner, qualification__number=spec.qualification).exists():
        return
    start = today - timedelta(days=60)
    enrolment = enrolment_create(
        learner=learner,
        actor=admin,
        qualification=qualification,
        start_date=start,
        planned_end_date=start + timedelta(days=365),
        registration_number=spec.registration_number,
        assessors=list(User.objects.filter(email__in=spec.assessors)),
        iqa=User.objects.filter(email=spec.iqa).first() if spec.iqa else None,
        today=today,
    )
    enrolment_plan_set(enrolment=enrolment, actor=admin, unit_ids=_achieving_plan(enrolment))


def _achieving_plan(enrolment: Enrolment) -> set[int]:
    """The mandatory units and, in the qualification's order, optional units that count,
    until the plan achieves the qualification: a plan a newcomer sees succeed."""
    qualification = enrolment.qualification
    units = list(qualification.units.order_by("position"))
    rules = qualification.rules()
    chosen = [p.unit.number for p in enrolment.planned_units.select_related("unit")]
    by_number = {unit.number: unit.pk for unit in units}
    return {by_number[number] for number in plan_to_achieve(rules, chosen, [u.number for u in units])}
