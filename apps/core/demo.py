"""The demo centres and their people, so a newcomer finds a living system on first login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import user_create
from apps.centres.models import Centre, Membership
from apps.centres.roles import RoleSet
from apps.centres.services import centre_create


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    roles: RoleSet


def _eqa_until() -> RoleSet:
    return RoleSet(eqa=True, eqa_expires_on=timezone.localdate() + timedelta(days=90))


DEMO_CENTRE = ("Demo Training Centre", "demo")
OTHER_CENTRE = ("Northgate College", "northgate")


def demo_people() -> dict[tuple[str, str], list[DemoPerson]]:
    return {
        DEMO_CENTRE: [
            DemoPerson("learner@demo.test", "Lena Learner", RoleSet(learner=True)),
            DemoPerson("learner2@demo.test", "Liam Learner", RoleSet(learner=True)),
            DemoPerson("assessor@demo.test", "Asha Assessor", RoleSet(assessor=True)),
            DemoPerson("iqa@demo.test", "Ian Quality", RoleSet(iqa=True)),
            DemoPerson("admin@demo.test", "Ada Admin", RoleSet(admin=True)),
            DemoPerson("eqa@demo.test", "Evan External", _eqa_until()),
        ],
        OTHER_CENTRE: [
            DemoPerson("admin@other.test", "Olu Admin", RoleSet(admin=True)),
            DemoPerson("learner@other.test", "Oscar Learner", RoleSet(learner=True)),
        ],
    }


@transaction.atomic
def seed_demo(*, password: str) -> list[str]:
    """Create or refresh the demo centres and people. Safe to run any number of times."""
    User = get_user_model()
    emails = []
    for (name, slug), people in demo_people().items():
        centre = Centre.objects.filter(slug=slug).first() or centre_create(name=name, slug=slug)
        for person in people:
            user = User.objects.filter(email=person.email).first()
            if user is None:
                user = user_create(
                    email=person.email, full_name=person.full_name, password=password, email_verified=True
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            membership, _ = Membership.objects.get_or_create(centre=centre, user=user)
            if membership.roleset != person.roles or not membership.is_active:
                membership.set_roles(person.roles)
                membership.is_active = True
                membership.save()
            emails.append(person.email)
    from apps.learners.demo import seed_learners

    emails += seed_learners(password=password)
    return list(dict.fromkeys(emails))


def seed_everything(*, password: str) -> list[str]:
    """People and enrolments in one transaction, then portfolios (files are stored outside it)."""
    from apps.evidence.demo import seed_evidence

    emails = seed_demo(password=password)
    seed_evidence()
    _seed_assessment()
    return emails


def _seed_assessment() -> None:
    """Assessment history for the first demo learner, so assessors and IQAs find real work."""
    from apps.learners.models import Enrolment
    from apps.records.demo import seed_records

    enrolment = (
        Enrolment.objects.filter(learner__user__email="learner@demo.test", assessors__email="assessor@demo.test")
        .select_related("learner")
        .first()
    )
    if enrolment is not None:
        seed_records(enrolment=enrolment, assessor=enrolment.assessors.get(email="assessor@demo.test"))
