"""Builders the certification tests share: a learner whose units are ready to claim, made through
the real services (evidence submitted and assessed, the unit signed off, acknowledged by the
learner, sampled by an IQA who agreed), with the AO registration facts a claim needs.

The batch, document and demo tests import `ready_learner` and `claim_staff`: keep their
signatures stable (add keyword arguments with defaults only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from apps.assessment.services import unit_sign_off, unit_sign_off_acknowledge
from apps.centres.models import IQAAllocation
from apps.certification.models import AOCentreNumber
from apps.iqa import checks
from apps.iqa.sampling import sample_sign, sample_start_unplanned
from apps.learners.models import Enrolment, ExternalAccess, Learner, PriorAchievement
from apps.qualifications.models import EvidenceRequirement, Qualification, Unit
from tests.assessment.helpers import accept, submitted, unit_criteria
from tests.factories import CentreFactory, MembershipFactory
from tests.iqa.support_samples import entry

# Old enough for Pearson's ten weeks between registration and claim.
REGISTERED_DAYS_AGO = 120


@dataclass
class ClaimStaff:
    """The people of a centre who take a claim through: users, not memberships."""

    centre: Any
    admin: Any
    assessor: Any
    iqa: Any
    lead: Any
    eqa: Any
    # The EQA's grant (for 60 days): it names no qualification until `cover` adds those of the
    # learners the builders make (support_batches.learners does).
    eqa_grant: Any = None

    def cover(self, qualification: Qualification) -> None:
        """The EQA's grant covers every learner on `qualification`."""
        if self.eqa_grant is not None:
            self.eqa_grant.qualifications.add(qualification)


def claim_staff(*, centre: Any = None) -> ClaimStaff:
    """A centre with an admin, an assessor, an IQA allocated to that assessor, a lead IQA and an
    EQA (access for 60 days, by a grant naming the qualifications `ClaimStaff.cover` adds)."""
    centre = centre or CentreFactory()
    admin = MembershipFactory(centre=centre, is_admin=True, user__full_name="Ada Admin").user
    assessor = MembershipFactory(centre=centre, is_assessor=True, user__full_name="Asha Assessor").user
    iqa = MembershipFactory(centre=centre, is_iqa=True, user__full_name="Ira Quality").user
    lead = MembershipFactory(centre=centre, is_iqa=True, is_lead_iqa=True, user__full_name="Lee Lead").user
    eqa = MembershipFactory(centre=centre, is_eqa=True, eqa_expires_on=timezone.localdate() + timedelta(days=60),
                            user__full_name="Eve External").user
    grant = ExternalAccess.objects.create(
        centre=centre, email=eqa.email, user=eqa, awarding_organisation="NCFE", created_by=admin,
        starts_on=timezone.localdate() - timedelta(days=1), ends_on=timezone.localdate() + timedelta(days=60))
    IQAAllocation.objects.create(centre=centre, iqa=iqa, assessor=assessor, allocated_by=lead)
    return ClaimStaff(centre=centre, admin=admin, assessor=assessor, iqa=iqa, lead=lead, eqa=eqa, eqa_grant=grant)


def ready_learner(
    centre: Any, *, qualification: Qualification, units: Iterable[str], admin: Any, assessor: Any, iqa: Any,
    registration: bool = True, name: str = "Lena Learner", acknowledged: bool = True, cleared: bool = True,
    prior: Mapping[str, tuple[str, str]] | None = None, registered_on: date | None = None,
    ao_number: bool = True, start_date: date | None = None,
) -> Enrolment:
    """A learner enrolled on `qualification` whose `units` (printed numbers) are assessed, signed
    off by `assessor`, acknowledged by the learner (unless `acknowledged=False`) and sampled by
    `iqa` with an agreeing summative sample (unless `cleared=False`: then the units wait for IQA).

    `registration`: the AO registration facts are set (number, date `registered_on` — by default
    120 days ago —, legal name and date of birth as registered, funded). `prior` maps unit
    numbers to (route, reference) achieved elsewhere (a PriorAchievement recorded by `admin`;
    an empty reference is a unit without its evidence). `ao_number`: the centre has its number
    with the qualification's AO (made if missing). The IQA must be allocated to the assessor
    (see `claim_staff`); one is made when none is."""
    today = timezone.localdate()
    user = MembershipFactory(centre=centre, is_learner=True, user__full_name=name).user
    record = Learner.objects.create(centre=centre, user=user, full_name=name, email=user.email,
                                    date_of_birth=date(1990, 5, 17))
    facts: dict[str, Any] = {}
    if registration:
        facts = {
            "registration_number": f"R{record.pk:07d}",
            "registered_on": registered_on or today - timedelta(days=REGISTERED_DAYS_AGO),
            "registered_name": name, "registered_date_of_birth": date(1990, 5, 17),
            "funding_status": Enrolment.Funding.FUNDED,
        }
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification,
        start_date=start_date or today - timedelta(days=REGISTERED_DAYS_AGO + 10),
        planned_end_date=today + timedelta(days=200), **facts,
    )
    enrolment.assessors.add(assessor)
    IQAAllocation.objects.get_or_create(centre=centre, assessor=assessor,
                                        defaults={"iqa": iqa, "allocated_by": admin})
    if ao_number:
        AOCentreNumber.objects.get_or_create(
            centre=centre, awarding_organisation=qualification.awarding_organisation,
            defaults={"centre_number": f"C{centre.pk:05d}", "updated_by": admin},
        )
    for number in units:
        achieve(enrolment, number, assessor=assessor, learner=user, acknowledged=acknowledged)
        if cleared:
            clear(enrolment, number, iqa=iqa)
    for number, (route, reference) in (prior or {}).items():
        PriorAchievement.objects.create(
            enrolment=enrolment, unit=Unit.objects.get(qualification=qualification, number=number), route=route,
            reference=reference, achieved_on=today - timedelta(days=400), recorded_by=admin,
        )
    return enrolment


def achieve(enrolment: Enrolment, number: str, *, assessor: Any, learner: Any, acknowledged: bool = True):
    """One piece of evidence meets every criterion of the unit (and covers its evidence
    requirements); the assessor signs the unit off; the learner acknowledges it."""
    criteria = unit_criteria(enrolment, number)
    unit = criteria[0].unit
    evidence = submitted(enrolment, learner, title=f"Evidence for unit {number}", criteria=criteria)
    accept(evidence, assessor, met=criteria, cover=EvidenceRequirement.objects.filter(unit=unit))
    sign_off = unit_sign_off(enrolment=enrolment, unit=unit, actor=assessor, signed_name=assessor.full_name,
                             ip_address=None)
    if acknowledged:
        unit_sign_off_acknowledge(sign_off=sign_off, actor=learner, signed_name=enrolment.learner.full_name,
                                  ip_address=None)
    return sign_off


def clear(enrolment: Enrolment, number: str, *, iqa: Any, outcome: str = checks.AGREE):
    """A summative sample of the unit signed by the IQA (outside any plan, for a stated reason)."""
    unit = Unit.objects.get(qualification=enrolment.qualification, number=number)
    sample = sample_start_unplanned(actor=iqa, enrolment=enrolment, unit=unit, stage="summative",
                                    reason="Checked before claim")
    feedback = "" if outcome == checks.AGREE else "Re-check the evidence for this unit."
    actions = () if outcome != checks.DISAGREE else (("Re-check the evidence.", timezone.localdate() + timedelta(days=7)),)
    return sample_sign(sample=sample, actor=iqa, entry=entry(sample, outcome=outcome, feedback=feedback, actions=actions),
                       signed_name=iqa.full_name, ip_address=None)


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"


def fixture_qualification(number: str) -> Qualification:
    """A qualification of the shipped catalogue (fixtures/qualifications), loaded once."""
    from apps.qualifications.services import catalogue_load

    found = Qualification.objects.filter(number=number, is_current=True).first()
    if found is not None:
        return found
    name = number.replace("/", "-") + ".yaml"
    return catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name).qualification
