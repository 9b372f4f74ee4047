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


# Platform staff belong to no centre: they apply specification imports centres ask for.
PLATFORM_STAFF = ("platform@demo.test", "Pat Platform")
DEMO_CENTRE = ("Demo Training Centre", "demo")
OTHER_CENTRE = ("Northgate College", "northgate")


def demo_people() -> dict[tuple[str, str], list[DemoPerson]]:
    return {
        DEMO_CENTRE: [
            DemoPerson("learner@demo.test", "Lena Learner", RoleSet(learner=True)),
            DemoPerson("learner2@demo.test", "Liam Learner", RoleSet(learner=True)),
            DemoPerson("assessor@demo.test", "Asha Assessor", RoleSet(assessor=True)),
            DemoPerson("trainee@demo.test", "Theo Trainee", RoleSet(assessor=True, trainee_assessor=True)),
            DemoPerson("iqa@demo.test", "Ian Quality", RoleSet(iqa=True, lead_iqa=True)),
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
    email, full_name = PLATFORM_STAFF
    staff = User.objects.filter(email=email).first()
    if staff is None:
        user_create(email=email, full_name=full_name, password=password, email_verified=True, platform_staff=True)
    else:
        staff.set_password(password)
        staff.save(update_fields=["password"])
    emails.append(email)
    from apps.learners.demo import seed_learners

    emails += seed_learners(password=password)
    return list(dict.fromkeys(emails))


def seed_everything(*, password: str) -> list[str]:
    """People and enrolments in one transaction, then portfolios (files are stored outside it)."""
    from apps.certification.demo import seed_claims
    from apps.eqa.demo import seed_eqa
    from apps.evidence.demo import seed_evidence
    from apps.iqa.demo import seed_quality

    emails = seed_demo(password=password)
    seed_evidence()
    _seed_assessment()
    seed_quality()
    emails += seed_claims(password=password)
    seed_eqa()
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
    if enrolment is None:
        return
    assessor = enrolment.assessors.get(email="assessor@demo.test")
    seed_records(enrolment=enrolment, assessor=assessor)
    _seed_decisions(enrolment, assessor)


def _seed_decisions(enrolment, assessor) -> None:
    """Criteria judged met, a unit signed off and acknowledged, a piece referred back with feedback."""
    from apps.assessment.models import EvidenceAssessment
    from apps.assessment.services import (
        EvidenceJudgement,
        Judgement,
        evidence_assess,
        unit_sign_off,
        unit_sign_off_acknowledge,
    )
    from apps.evidence.models import Evidence
    from apps.evidence.services import EvidenceContent, evidence_create, evidence_submit

    if EvidenceAssessment.objects.filter(enrolment=enrolment).exists():
        return
    learner = enrolment.learner
    ip = "127.0.0.1"

    def judged(evidence, outcome: str, feedback: str, met: bool = True):
        criteria = list(evidence.current.suggested_criteria.all())
        judgements = [Judgement(criterion_id=c.pk, outcome="met" if met else "not_yet_met") for c in criteria]
        return evidence_assess(
            evidence=evidence, actor=assessor, signed_name=assessor.full_name, ip_address=ip,
            judgement=EvidenceJudgement(outcome=outcome, feedback=feedback, judgements=judgements),
        )

    # A unit fully evidenced by one induction record, then signed off and acknowledged.
    unit = enrolment.qualification.units.get(number="02")
    induction = evidence_create(
        enrolment=enrolment, actor=learner.user,
        content=EvidenceContent(
            title="Health and safety induction and workstation check", evidence_date=timezone.localdate() - timedelta(days=20),
            method="work_product", context="real_work",
            text="My induction checklist, the risk assessment I completed for my workstation, and how I report hazards.",
            criteria=list(unit.criteria.all()),
        ),
    )
    evidence_submit(evidence=induction, actor=learner.user, declared_name=learner.full_name, ip_address=ip)
    judged(induction, "accepted", "A thorough induction record: every criterion of unit 02 is evidenced.")
    sign_off = unit_sign_off(enrolment=enrolment, unit=unit, actor=assessor, signed_name=assessor.full_name,
                             comment="All criteria met from workplace evidence.", ip_address=ip)
    unit_sign_off_acknowledge(sign_off=sign_off, actor=learner.user, signed_name=learner.full_name, ip_address=ip)

    submitted = Evidence.objects.filter(enrolment=enrolment, status=Evidence.Status.SUBMITTED, created_by=learner.user)
    first = submitted.filter(current__title="Setting up my workstation safely").first()
    if first is not None:
        judged(first, "accepted", "Good photo and checklist; the criteria you suggested are met.")
    second = submitted.filter(current__title="Dealing with a complaint call").first()
    if second is not None:
        judged(second, "referred", "Please add what you agreed with the customer and when you called back, "
               "then resubmit.", met=False)
