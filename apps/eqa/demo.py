"""Demo data for external quality assurance: the demo EQA (eqa@demo.test) holds access to one
qualification, City & Guilds 3411 (600/1137/3), granted by the demo admin for 90 days, and has
asked to see both of its learners (Liam Learner, in progress; Cara Complete, claimed) within
two weeks. The NCFE learners stay outside the EQA's scope. Safe to run again: once the EQA has
an open grant, nothing is added."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.centres.models import Centre, Membership
from apps.learners.access import open_grants
from apps.learners.models import Enrolment
from apps.qualifications.models import Qualification

from .grants import GrantTerms, grant_create
from .visits import sample_request

CENTRE_SLUG = "demo"
ADMIN, EQA = "admin@demo.test", "eqa@demo.test"
QUALIFICATION = "600/1137/3"
DAYS = 90


@transaction.atomic
def seed_eqa(today: date | None = None) -> None:
    today = today or timezone.localdate()
    centre = Centre.objects.filter(slug=CENTRE_SLUG).first()
    members = {
        m.user.email: m
        for m in Membership.objects.filter(centre=centre, user__email__in=[ADMIN, EQA]).select_related("user")
    }
    qualification = Qualification.objects.filter(number=QUALIFICATION, is_current=True).first()
    if centre is None or len(members) < 2 or qualification is None or open_grants(members[EQA], today).exists():
        return
    eqa = members[EQA]
    grant = grant_create(
        membership=members[ADMIN],
        terms=GrantTerms(
            email=EQA, full_name=eqa.user.full_name, awarding_organisation=qualification.awarding_organisation,
            qualifications=[qualification], learners=[], starts_on=today, ends_on=today + timedelta(days=DAYS),
        ),
        base_url=settings.ATTEST_BASE_URL,
    )
    enrolments = Enrolment.objects.filter(centre=centre, qualification=qualification).order_by("learner__full_name")
    sample_request(
        actor=eqa.user, grant=grant, enrolment_ids=[e.pk for e in enrolments], due_on=today + timedelta(days=14),
        note="For the visit: each learner's portfolio, the IQA records of their units and the assessors' CPD.",
        today=today,
    )
