"""Claims at the demo centre, so the demo admin can run a claim on first login.

The centre's numbers with NCFE, City & Guilds and SFJ Awards, and its approvals: City & Guilds
600/1137/3 without Direct Claims Status (a claim waits for the EQA's sign-off) and NCFE
600/1257/2 with it. Four learners, each with units signed off by the demo assessor, acknowledged
and sampled by the demo IQA, who agreed:

- Cara Complete has achieved the whole of City & Guilds 600/1137/3: a full claim;
- Uma Units has two units of NCFE 600/1257/2: a unit (credit) claim;
- Rhys Pending has a unit of NCFE 600/1257/2 but no registration number yet: refused;
- Sid Sutton enrolled in 2022 on SFJ Awards 601/5051/8, whose certification ended on
  30 September 2023: refused.

Everything goes through the services, as the admin, assessor, learner and IQA would do it. Each
learner is seeded once (their own work since then is kept); their accounts are refreshed like
the other demo people's. Learners whose qualification is not in the catalogue are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.assessment.services import (
    EvidenceJudgement,
    Judgement,
    evidence_assess,
    unit_sign_off,
    unit_sign_off_acknowledge,
)
from apps.centres.models import Centre
from apps.evidence.services import EvidenceContent, evidence_create, evidence_submit
from apps.iqa import checks
from apps.iqa.models import PlanItem, Sample, SamplingPlan, Stage
from apps.iqa.plans import plan_item_add
from apps.iqa.sampling import SampleEntry, sample_sign, sample_start_for_item
from apps.learners.demo import learner_account
from apps.learners.models import Enrolment, Learner
from apps.learners.services import enrolment_create, enrolment_plan_set, learner_create
from apps.qualifications.engine import plan_to_achieve
from apps.qualifications.models import Qualification, Unit

from .models import AO, AOCentreNumber
from .settings import (
    ApprovalFacts,
    RegistrationFacts,
    ao_centre_number_set,
    approval_set,
    registration_set,
)

IP = "127.0.0.1"
CENTRE_SLUG = "demo"
ADMIN, ASSESSOR, IQA = "admin@demo.test", "assessor@demo.test", "iqa@demo.test"

CENTRE_NUMBERS = {AO.NCFE: "418206", AO.CITY_AND_GUILDS: "907532", AO.SFJ_AWARDS: "SFJ-20417"}


@dataclass(frozen=True)
class DemoApproval:
    qualification: str
    ao_course_code: str
    dcs_days: int | None  # Direct Claims Status held for this many days; None: no DCS


APPROVALS = (
    DemoApproval("600/1137/3", "3411-02", None),
    DemoApproval("600/1257/2", "C00/1257", 400),
)


@dataclass(frozen=True)
class ClaimLearner:
    email: str
    full_name: str
    registered_name: str  # the legal name as registered with the awarding organisation
    date_of_birth: date
    uln: str  # valid under the Learning Records Service check digit
    mis_reference: str
    qualification: str
    registration_number: str  # blank: not registered yet
    funding: str
    units: int | None  # how many units of the achieving plan are signed off; None: all of them
    enrolled_on: date | None = None  # a past enrolment; None: 200 days ago


CLAIM_LEARNERS = (
    ClaimLearner("learner3@demo.test", "Cara Complete", "Cara Louise Complete", date(2002, 2, 14), "3000000010",
                 "DTC-0003", "600/1137/3", "CG-3411-0003", Enrolment.Funding.FUNDED, None),
    ClaimLearner("learner4@demo.test", "Uma Units", "Uma Units", date(1998, 9, 30), "3000000029", "DTC-0004",
                 "600/1257/2", "NCFE-DTC-0004", Enrolment.Funding.NON_FUNDED, 2),
    ClaimLearner("learner5@demo.test", "Rhys Pending", "Rhys Pending", date(2004, 7, 1), "3000000037", "DTC-0005",
                 "600/1257/2", "", Enrolment.Funding.FUNDED, 1),
    ClaimLearner("learner6@demo.test", "Sid Sutton", "Sidney Sutton", date(1995, 3, 8), "3000000045", "DTC-0006",
                 "601/5051/8", "SFJ-DTC-0006", Enrolment.Funding.FUNDED, 1, enrolled_on=date(2022, 9, 1)),
)


def seed_claims(*, password: str, today: date | None = None) -> list[str]:
    """Seed the demo centre's claims once; returns the emails of the learners' accounts."""
    today = today or timezone.localdate()
    User = get_user_model()
    centre = Centre.objects.filter(slug=CENTRE_SLUG).first()
    people = {u.email: u for u in User.objects.filter(email__in=[ADMIN, ASSESSOR, IQA])}
    plan = SamplingPlan.objects.filter(centre=centre, iqa__email=IQA, status=SamplingPlan.Status.ACTIVE).first()
    if centre is None or len(people) < 3 or plan is None:
        return []  # the demo people or the IQA's plan are not there: nothing to claim from
    admin, assessor, iqa = people[ADMIN], people[ASSESSOR], people[IQA]
    emails = [_account(centre, spec, password) for spec in CLAIM_LEARNERS]
    for spec in CLAIM_LEARNERS:
        enrolment = _enrol(centre, spec, admin=admin, assessor=assessor, iqa=iqa, today=today)
        if enrolment is not None:
            _achieve(enrolment, spec, assessor=assessor, iqa=iqa, plan=plan)
    # After the enrolments: a qualification's approval is set once the centre has learners on it.
    if not AOCentreNumber.objects.filter(centre=centre).exists():
        _centre_settings(centre, admin, today)
    return emails


def _account(centre: Centre, spec: ClaimLearner, password: str) -> str:
    learner_account(centre, email=spec.email, full_name=spec.full_name, password=password)
    return spec.email


@transaction.atomic
def _centre_settings(centre: Centre, admin, today: date) -> None:
    for ao, number in CENTRE_NUMBERS.items():
        ao_centre_number_set(actor=admin, centre=centre, awarding_organisation=ao, centre_number=number)
    for approval in APPROVALS:
        since = today - timedelta(days=approval.dcs_days) if approval.dcs_days is not None else None
        approval_set(actor=admin, centre=centre, qualification_number=approval.qualification, today=today,
                     facts=ApprovalFacts(ao_course_code=approval.ao_course_code, has_dcs=since is not None,
                                         dcs_since=since))


@transaction.atomic
def _enrol(centre: Centre, spec: ClaimLearner, *, admin, assessor, iqa, today: date) -> Enrolment | None:
    """The learner's record and enrolment with the AO registration facts, or None when seeded
    before or the qualification is not in the catalogue."""
    qualification = Qualification.objects.filter(number=spec.qualification, is_current=True).first()
    if qualification is None:
        return None
    learner = Learner.objects.filter(centre=centre, email=spec.email).first()
    if learner is None:
        learner = learner_create(
            centre=centre, actor=admin, full_name=spec.full_name, email=spec.email, date_of_birth=spec.date_of_birth,
            uln=spec.uln, mis_reference=spec.mis_reference, base_url=settings.ATTEST_BASE_URL,
        ).learner
    if Enrolment.objects.filter(learner=learner, qualification__number=spec.qualification).exists():
        return None
    start = spec.enrolled_on or today - timedelta(days=200)
    enrolment = enrolment_create(
        learner=learner, actor=admin, qualification=qualification, start_date=start,
        planned_end_date=start + timedelta(days=365), registration_number=spec.registration_number,
        assessors=[assessor], iqa=iqa, today=start,
    )
    units = _achieving_plan(enrolment)
    enrolment_plan_set(enrolment=enrolment, actor=admin, unit_ids=units)
    registration_set(actor=admin, enrolment=enrolment, facts=RegistrationFacts(
        registration_number=spec.registration_number,
        # Registered ten days after starting: long enough ago for any AO's wait before a claim.
        registered_on=start + timedelta(days=10) if spec.registration_number else None,
        start_date=start, funding_status=spec.funding, registered_name=spec.registered_name,
        registered_date_of_birth=spec.date_of_birth,
    ), today=today)
    return enrolment


def _achieving_plan(enrolment: Enrolment) -> set[int]:
    """The mandatory units and, in the qualification's order, the optional units that count,
    until the plan achieves the qualification."""
    units = list(enrolment.qualification.units.order_by("position"))
    chosen = [p.unit.number for p in enrolment.planned_units.select_related("unit")]
    by_number = {unit.number: unit.pk for unit in units}
    return {by_number[n] for n in plan_to_achieve(enrolment.qualification.rules(), chosen, [u.number for u in units])}


def _achieve(enrolment: Enrolment, spec: ClaimLearner, *, assessor, iqa, plan: SamplingPlan) -> None:
    """Sign off the learner's units (all of the plan, or the first few), each acknowledged by the
    learner and sampled by the IQA, who agrees."""
    planned = [p.unit for p in enrolment.planned_units.select_related("unit").order_by("unit__position")]
    for unit in planned if spec.units is None else planned[: spec.units]:
        with transaction.atomic():
            _sign_off(enrolment, unit, assessor)
            _sample_agreeing(plan, enrolment, unit, iqa)


def _sign_off(enrolment: Enrolment, unit: Unit, assessor) -> None:
    """One workplace account covering every criterion and evidence requirement of the unit,
    accepted, signed off and acknowledged."""
    learner = enrolment.learner
    criteria = list(unit.criteria.all())
    evidence = evidence_create(enrolment=enrolment, actor=learner.user, content=EvidenceContent(
        title=f"Workplace account: {unit.title}"[:200], evidence_date=enrolment.start_date + timedelta(days=60),
        method="reflective_account", context="real_work",
        text=f"How I met unit {unit.number} in my daily work, with the records my team leader checked.",
        criteria=criteria,
    ))
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=learner.full_name, ip_address=IP)
    evidence_assess(evidence=evidence, actor=assessor, signed_name=assessor.full_name, ip_address=IP,
                    judgement=EvidenceJudgement(
                        outcome="accepted", feedback="Every criterion of the unit is covered by your account.",
                        judgements=[Judgement(criterion_id=c.pk, outcome="met") for c in criteria],
                        covered=[r.pk for r in unit.evidence_requirements.all()]))
    sign_off = unit_sign_off(enrolment=enrolment, unit=unit, actor=assessor, signed_name=assessor.full_name,
                             comment="All criteria met from workplace evidence.", ip_address=IP)
    unit_sign_off_acknowledge(sign_off=sign_off, actor=learner.user, signed_name=learner.full_name, ip_address=IP)


def _sample_agreeing(plan: SamplingPlan, enrolment: Enrolment, unit: Unit, iqa) -> Sample:
    """The IQA's summative sample of the unit before claim, signed "agree" with every check
    answered yes (the countersignature check does not apply: no trainee decided here)."""
    item = PlanItem.objects.filter(plan=plan, enrolment=enrolment, unit=unit, stage=Stage.SUMMATIVE,
                                   status=PlanItem.Status.PLANNED).first()
    if item is None:
        item = plan_item_add(actor=iqa, plan=plan, enrolment=enrolment, unit_number=unit.number,
                             stage=Stage.SUMMATIVE, kind=PlanItem.Reason.MANUAL,
                             reason="Signed off: summative check before claim.")
    sample = sample_start_for_item(actor=iqa, item=item)

    def answers(group: tuple[checks.Check, ...]) -> dict:
        return {check.key: {"answer": checks.NA if check.trainee_only else checks.YES, "comment": ""}
                for check in group}

    entry = SampleEntry(
        decision_ids=[d["id"] for d in sample.snapshot["decisions"]], varcs=answers(checks.VARCS),
        process=answers(checks.PROCESS), outcome=checks.AGREE,
        feedback="Sound decisions, well referenced to the learner's workplace account.",
    )
    return sample_sign(sample=sample, actor=iqa, signed_name=iqa.full_name, ip_address=IP, entry=entry)
