"""Builders the EQA tests share: one centre with its people, learners on two qualifications of
different awarding organisations, submitted and draft evidence, and an EQA with a grant.

Other EQA test modules import `eqa_world` and `grant_for`: keep their signatures stable (add
keyword arguments with defaults only).

People are memberships (`world.admin.user` is the account); the EQA's grant covers the NCFE
qualification only: Cara and Ned are in scope, Paula (Pearson) is not, nor is anyone of the
other centre."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.centres.models import IQAAllocation, Membership
from apps.evidence.demo_files import demo_image
from apps.evidence.models import Evidence, StoredFile
from apps.evidence.services import EvidenceContent, evidence_create, evidence_submit
from apps.evidence.storage import store
from apps.learners.models import Enrolment, ExternalAccess, Learner
from apps.qualifications.models import Qualification
from tests.assessment.helpers import accept, unit_criteria
from tests.factories import CentreFactory, MembershipFactory, make_qualification

NCFE_NUMBER = "600/0000/1"
PEARSON_NUMBER = "603/0000/2"
EQA_EMAIL = "eve.external@ao.example.test"


def qualification(number: str = NCFE_NUMBER, *, awarding_organisation: str = "NCFE",
                  title: str = "Certificate in Testing") -> Qualification:
    """The current version of a test qualification, loaded into the catalogue once."""
    found = Qualification.objects.filter(number=number, is_current=True).first()
    return found or make_qualification(number=number, awarding_organisation=awarding_organisation, title=title)


@dataclass
class EqaWorld:
    centre: Any
    other_centre: Any
    # memberships (`.user` for the account)
    admin: Membership
    lead: Membership  # the lead IQA
    iqa: Membership
    assessor: Membership
    eqa: Membership
    other_admin: Membership  # admin of the other centre
    ncfe: Qualification
    pearson: Qualification
    # enrolments
    cara: Enrolment  # NCFE, in scope; submitted (assessed) evidence and a draft
    ned: Enrolment  # NCFE, in scope; submitted evidence
    paula: Enrolment  # Pearson, outside the grant
    elsewhere: Enrolment  # NCFE, other centre
    evidence: Evidence  # Cara's submitted evidence
    draft: Evidence  # Cara's draft
    file: StoredFile  # the file of the submitted evidence ("site-photo.jpg")
    draft_file: StoredFile  # the draft's file ("draft-notes.jpg")
    grant: ExternalAccess | None
    learners: dict[str, Enrolment] = field(default_factory=dict)


def enrol(centre: Any, *, name: str, qualification: Qualification, assessor: Any = None, iqa: Any = None,
          start_date: date | None = None) -> Enrolment:
    """A learner (with an account) enrolled on `qualification`, assigned to the assessor/IQA (users)."""
    today = timezone.localdate()
    user = MembershipFactory(centre=centre, is_learner=True, user__full_name=name).user
    record = Learner.objects.create(centre=centre, user=user, full_name=name, email=user.email,
                                    date_of_birth=date(1995, 3, 14))
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification,
        start_date=start_date or today - timedelta(days=90), planned_end_date=today + timedelta(days=270),
        iqa=iqa,
    )
    if assessor is not None:
        enrolment.assessors.add(assessor)
    return enrolment


def photo(enrolment: Enrolment, name: str) -> StoredFile:
    return store(source=io.BytesIO(demo_image(name)), original_name=name, centre=enrolment.centre,
                 uploaded_by=enrolment.learner.user)


def evidence_for(enrolment: Enrolment, *, title: str, file_name: str, submit: bool = True,
                 unit: str = "1") -> Evidence:
    """Evidence written by the learner with one photo, mapped to the unit's first criterion;
    submitted unless `submit=False` (a draft)."""
    learner = enrolment.learner.user
    evidence = evidence_create(
        enrolment=enrolment, actor=learner,
        content=EvidenceContent(title=title, evidence_date=timezone.localdate(), method="work_product",
                                context="real_work", text="What I did at work.",
                                files=[photo(enrolment, file_name)], criteria=unit_criteria(enrolment, unit)[:1]),
    )
    if submit:
        evidence = evidence_submit(evidence=evidence, actor=learner, declared_name=enrolment.learner.full_name,
                                   ip_address=None)
    return evidence


def sync_role(membership: Membership) -> Membership:
    """The EQA role lasts to the latest end of the member's grants not ended early (as the grant
    service keeps it)."""
    ends = [
        g.ends_on for g in ExternalAccess.objects.filter(centre_id=membership.centre_id, user_id=membership.user_id,
                                                         ended_at__isnull=True)
    ]
    if ends:
        membership.is_eqa = True
        membership.eqa_expires_on = max(ends)
        membership.save(update_fields=["is_eqa", "eqa_expires_on"])
    return membership


def grant_for(eqa: Membership, *, qualifications: Iterable[Qualification], learners: Iterable[Learner] = (),
              starts_on: date | None = None, ends_on: date | None = None, created_by: Any = None,
              awarding_organisation: str | None = None, ended: bool = False) -> ExternalAccess:
    """A grant naming the EQA's account (made directly, not through the page): by default from
    yesterday for 30 days. The membership's EQA role follows the grant. `ended=True`: ended early
    by `created_by` (an admin of the centre is found when not given)."""
    today = timezone.localdate()
    qualifications = list(qualifications)
    creator = created_by or Membership.objects.filter(centre_id=eqa.centre_id, is_admin=True).first().user
    grant = ExternalAccess.objects.create(
        centre_id=eqa.centre_id, email=eqa.user.email, user=eqa.user,
        awarding_organisation=awarding_organisation or qualifications[0].awarding_organisation,
        starts_on=starts_on or today - timedelta(days=1), ends_on=ends_on or today + timedelta(days=30),
        created_by=creator,
    )
    grant.qualifications.set(qualifications)
    grant.learners.set(list(learners))
    if ended:
        grant.ended_at, grant.ended_by = timezone.now(), creator
        grant.save(update_fields=["ended_at", "ended_by"])
    sync_role(eqa)
    eqa.refresh_from_db()
    return grant


def eqa_world(*, grant: bool = True, assessed: bool = True) -> EqaWorld:
    """The centre of the EQA tests (see the module's docstring). `grant=False`: the EQA has a
    membership with the role (30 days) but no grant. `assessed`: the assessor accepted the
    submitted evidence (criterion 1.1 of unit 1 met)."""
    today = timezone.localdate()
    centre, other_centre = CentreFactory(name="Northgate Training"), CentreFactory(name="Southside College")
    admin = MembershipFactory(centre=centre, is_admin=True, user__full_name="Ada Admin")
    lead = MembershipFactory(centre=centre, is_iqa=True, is_lead_iqa=True, user__full_name="Lee Lead")
    iqa = MembershipFactory(centre=centre, is_iqa=True, user__full_name="Ira Quality")
    assessor = MembershipFactory(centre=centre, is_assessor=True, user__full_name="Asha Assessor")
    eqa = MembershipFactory(centre=centre, is_eqa=True, eqa_expires_on=today + timedelta(days=30),
                            user__full_name="Eve External", user__email=EQA_EMAIL)
    other_admin = MembershipFactory(centre=other_centre, is_admin=True, user__full_name="Otto Other")
    IQAAllocation.objects.create(centre=centre, iqa=iqa.user, assessor=assessor.user, allocated_by=lead.user)

    ncfe = qualification(NCFE_NUMBER)
    pearson = qualification(PEARSON_NUMBER, awarding_organisation="Pearson", title="Diploma in Other Things")
    people = {"assessor": assessor.user, "iqa": iqa.user}
    cara = enrol(centre, name="Cara Complete", qualification=ncfe, **people)
    ned = enrol(centre, name="Ned Newcomer", qualification=ncfe, **people)
    paula = enrol(centre, name="Paula Pearson", qualification=pearson, **people)
    elsewhere = enrol(other_centre, name="Elsie Elsewhere", qualification=ncfe,
                      assessor=MembershipFactory(centre=other_centre, is_assessor=True).user)

    evidence = evidence_for(cara, title="Site safety walk", file_name="site-photo.jpg")
    draft = evidence_for(cara, title="Unfinished notes", file_name="draft-notes.jpg", submit=False)
    evidence_for(ned, title="First week log", file_name="week-one.jpg")
    evidence_for(paula, title="Pearson task", file_name="pearson-task.jpg")
    if assessed:
        accept(evidence, assessor.user, met=unit_criteria(cara, "1")[:1])
    evidence.refresh_from_db()
    the_grant = grant_for(eqa, qualifications=[ncfe], created_by=admin.user) if grant else None
    return EqaWorld(
        centre=centre, other_centre=other_centre, admin=admin, lead=lead, iqa=iqa, assessor=assessor, eqa=eqa,
        other_admin=other_admin, ncfe=ncfe, pearson=pearson, cara=cara, ned=ned, paula=paula, elsewhere=elsewhere,
        evidence=evidence, draft=draft, file=evidence.current.files.get(), draft_file=draft.current.files.get(),
        grant=the_grant, learners={"cara": cara, "ned": ned, "paula": paula, "elsewhere": elsewhere},
    )
