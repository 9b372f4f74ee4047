"""Who may do what in internal quality assurance. Views and services both ask here.

- An IQA works on the learners and decisions of the assessors allocated to them (and of the
  enrolments that name them as IQA); they never sample their own decisions or learners they
  assess.
- The lead IQA (a capability) approves strategies, allocates IQAs to assessors and sees all of
  the centre's quality assurance.
- Assessors see their own samples and actions, and answer their actions.
- Centre admins read all of it and change none of it.
- An external quality assurer reads, and never changes, the quality assurance of the learners
  their open grants cover (`eqa_reads`): the signed samples, plan items and IQA actions of those
  enrolments, the plans that hold such items (showing only those), the approved strategies of the granted
  qualifications (and the centre's default), their standardisation meetings, and the observations
  and profiles of those learners' assessors. They ask for no IQA reports: the EQA pack is theirs.

Outside a member's scope a record is a 404; in scope without the right to act, a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.centres.access import has, has_any, membership_for
from apps.centres.models import IQAAllocation, Membership
from apps.centres.roles import Cap
from apps.learners.access import external_enrolments, is_learner_of, open_grants, quality_assured
from apps.learners.models import Enrolment

from .models import (
    Action,
    AssessorProfile,
    PlanItem,
    PracticeObservation,
    Report,
    Sample,
    SamplingPlan,
    SamplingStrategy,
    StandardisationMeeting,
)

NOT_IQA = "Only internal quality assurers do this."
NOT_LEAD = "Only the lead internal quality assurer does this."
OWN_WORK = "An internal quality assurer never samples their own decisions or the learners they assess."

# --- who is who --------------------------------------------------------------------------------


def is_iqa(membership: Membership | None) -> bool:
    return has(membership, Cap.QUALITY_ASSURE)


def is_lead(membership: Membership | None) -> bool:
    return has(membership, Cap.LEAD_QUALITY_ASSURE)


def sees_all(membership: Membership | None) -> bool:
    """The lead IQA and centre admins read all of the centre's quality assurance."""
    return has_any(membership, Cap.LEAD_QUALITY_ASSURE, Cap.SEE_ALL_LEARNERS)


def eqa_reads(membership: Membership | None) -> bool:
    """An external quality assurer, who reads only what their open grants cover (the queries
    below give nothing once every grant has ended); those who see all read more anyway."""
    return has(membership, Cap.EXTERNAL_QUALITY_ASSURE) and not sees_all(membership)


def reads_as_eqa_only(membership: Membership | None) -> bool:
    """An EQA who is no IQA here: the pages speak to them of their access's scope."""
    return eqa_reads(membership) and not is_iqa(membership)


def may_read_quality(membership: Membership | None) -> bool:
    """Reads the IQA pages (coverage, plans, samples, strategy, people): IQAs, those who see all,
    and an EQA while one of their grants is open."""
    if is_iqa(membership) or sees_all(membership):
        return True
    return eqa_reads(membership) and open_grants(membership).exists()


def may_read_own_quality(membership: Membership | None) -> bool:
    """An assessor reads the samples of their decisions and answers their actions."""
    return has(membership, Cap.ASSESS)


# --- assessors in scope ------------------------------------------------------------------------


def allocated_assessor_ids(membership: Membership | None) -> set[int]:
    """The assessors whose decisions this IQA samples (all of the centre's for those who see all;
    for an EQA, the active assessors of the learners their grants cover)."""
    if membership is None:
        return set()
    if sees_all(membership):
        return set(
            Membership.objects.filter(centre_id=membership.centre_id, is_assessor=True, is_active=True)
            .values_list("user_id", flat=True)
        )
    if not is_iqa(membership):
        return set(_eqa_assessors(membership).values_list("user_id", flat=True)) if eqa_reads(membership) else set()
    return set(
        IQAAllocation.objects.filter(centre_id=membership.centre_id, iqa_id=membership.user_id)
        .values_list("assessor_id", flat=True)
    )


def enrolments_in_scope(membership: Membership | None) -> QuerySet[Enrolment]:
    """The enrolments whose assessment this member quality-assures or reads: the centre's for
    those who see all; for an IQA, those they quality-assure, never more because of other roles
    they hold (an IQA who also assesses or learns is no IQA of their own learners or portfolio)."""
    if sees_all(membership):
        return Enrolment.objects.filter(centre_id=membership.centre_id)
    if is_iqa(membership):
        return Enrolment.objects.filter(quality_assured(membership)).distinct()
    if eqa_reads(membership):
        return external_enrolments(membership)
    return Enrolment.objects.none()


def _eqa_assessors(membership: Membership) -> QuerySet[Membership]:
    """The centre's active assessors of the enrolments an EQA's grants cover."""
    named = Enrolment.assessors.through.objects.filter(enrolment__in=external_enrolments(membership))
    return Membership.objects.filter(centre_id=membership.centre_id, is_active=True, is_assessor=True,
                                     user_id__in=named.values("user_id"))


# --- sampling ----------------------------------------------------------------------------------


def sampling_refusal(
    membership: Membership | None, enrolment: Enrolment, *, assessor_ids: set[int], decision_signer_ids: set[int]
) -> str | None:
    """Why this member may not sample this learner's unit, in words; None when they may.

    `assessor_ids` are the enrolment's assessors, `decision_signer_ids` everyone who signed or
    countersigned a decision in the unit."""
    if not is_iqa(membership) or membership.centre_id != enrolment.centre_id:
        return NOT_IQA
    if is_learner_of(membership.user_id, enrolment):
        return OWN_WORK
    if membership.user_id in assessor_ids or membership.user_id in decision_signer_ids:
        return OWN_WORK
    return None


def samples_visible(membership: Membership | None) -> QuerySet[Sample]:
    if membership is None:
        return Sample.objects.none()
    centre = Q(centre_id=membership.centre_id)
    if sees_all(membership):
        return Sample.objects.filter(centre)
    scope = Q(pk__in=[])
    if is_iqa(membership):
        scope |= Q(iqa_id=membership.user_id) | Q(enrolment__in=enrolments_in_scope(membership))
    if may_read_own_quality(membership):
        scope |= Q(assessor_id=membership.user_id, signed_at__isnull=False)
    if eqa_reads(membership):  # signed records only: a sample being taken is the IQA's working
        scope |= Q(signed_at__isnull=False, enrolment__in=external_enrolments(membership))
    return Sample.objects.filter(centre & scope)


def sample_get(*, membership: Membership | None, pk: int) -> Sample:
    return get_object_or_404(samples_visible(membership).select_related("enrolment__learner", "unit"), pk=pk)


def may_work_on_sample(membership: Membership | None, sample: Sample) -> bool:
    """Only the IQA who started a sample fills it in and signs it, and only until it is signed."""
    return is_iqa(membership) and sample.iqa_id == membership.user_id and sample.signed_at is None


def require_sample_worker(actor: Any, sample: Sample) -> None:
    if not may_work_on_sample(membership_for(actor, sample.centre_id), sample):
        raise PermissionDenied("Only the IQA who started this sample changes it, and only before it is signed.")


def may_add_addendum(membership: Membership | None, sample: Sample) -> bool:
    return is_iqa(membership) and sample.iqa_id == membership.user_id and sample.signed_at is not None


def may_start_sample(membership: Membership | None) -> bool:
    """IQAs start samples (of learners in their scope, never of their own work: sampling_refusal)."""
    return is_iqa(membership)


def may_list_samples(membership: Membership | None) -> bool:
    return may_read_quality(membership) or may_read_own_quality(membership)


def may_start_plan_item(membership: Membership | None, item: PlanItem) -> bool:
    """The plan's IQA (or the lead IQA) samples an item of an active plan."""
    plan = item.plan
    if not is_iqa(membership) or plan.status != SamplingPlan.Status.ACTIVE:
        return False
    return plan.iqa_id == membership.user_id or is_lead(membership)


def plan_item_get_for_sampling(*, membership: Membership | None, pk: int) -> PlanItem:
    item = get_object_or_404(plan_items_visible(membership).select_related("plan", "enrolment", "unit"), pk=pk)
    if not may_start_plan_item(membership, item):
        raise PermissionDenied("Only the plan's IQA, or the lead IQA, samples the items of an active plan.")
    return item


def require_plan_item_sampler(actor: Any, item: PlanItem) -> Membership:
    membership = membership_for(actor, item.centre_id)
    if not may_start_plan_item(membership, item):
        raise PermissionDenied("Only the plan's IQA, or the lead IQA, samples the items of an active plan.")
    return membership


def sample_get_for_working(*, membership: Membership | None, pk: int) -> Sample:
    sample = sample_get(membership=membership, pk=pk)
    if not may_work_on_sample(membership, sample):
        raise PermissionDenied("Only the IQA who started this sample changes it, and only before it is signed.")
    return sample


def sample_get_for_addendum(*, membership: Membership | None, pk: int) -> Sample:
    sample = sample_get(membership=membership, pk=pk)
    if not may_add_addendum(membership, sample):
        raise PermissionDenied("Only the IQA who signed this sample adds to it.")
    return sample


def require_addendum_writer(actor: Any, sample: Sample) -> None:
    if not may_add_addendum(membership_for(actor, sample.centre_id), sample):
        raise PermissionDenied("Only the IQA who signed this sample adds to it.")


def require_sampler(actor: Any, centre_id: int) -> Membership:
    membership = membership_for(actor, centre_id)
    if not may_start_sample(membership):
        raise PermissionDenied(NOT_IQA)
    return membership


# --- actions -----------------------------------------------------------------------------------


def actions_visible(membership: Membership | None) -> QuerySet[Action]:
    if membership is None:
        return Action.objects.none()
    centre = Q(centre_id=membership.centre_id)
    if sees_all(membership):
        return Action.objects.filter(centre)
    scope = Q(pk__in=[])
    if is_iqa(membership):
        scope |= Q(raised_by_id=membership.user_id) | Q(owner_id__in=allocated_assessor_ids(membership))
    # Whoever an action is for sees it: an assessor, or an IQA given one at standardisation.
    scope |= Q(owner_id=membership.user_id)
    if eqa_reads(membership):
        # About a covered learner; or about no learner, from an observation or meeting they read.
        scope |= Q(enrolment__in=external_enrolments(membership)) | Q(
            Q(observation__in=observations_visible(membership)) | Q(meeting__in=meetings_visible(membership)),
            enrolment__isnull=True,
        )
    return Action.objects.filter(centre & scope)


def action_get(*, membership: Membership | None, pk: int) -> Action:
    return get_object_or_404(actions_visible(membership), pk=pk)


def may_respond(membership: Membership | None, action: Action) -> bool:
    """The person the action is for (an assessor, or an IQA given one at standardisation), while it is open."""
    return (
        membership is not None and action.owner_id == membership.user_id and action.status == Action.Status.OPEN
    )


def require_responder(actor: Any, action: Action) -> None:
    if not may_respond(membership_for(actor, action.centre_id), action):
        raise PermissionDenied("Only the assessor this action is for answers it, while it is open.")


def may_close(membership: Membership | None, action: Action) -> bool:
    """The IQA who raised it, or the lead IQA; never the assessor it is for."""
    if membership is None or action.owner_id == membership.user_id:
        return False
    return (is_iqa(membership) and action.raised_by_id == membership.user_id) or is_lead(membership)


def require_closer(actor: Any, action: Action) -> None:
    if not may_close(membership_for(actor, action.centre_id), action):
        raise PermissionDenied("Only the IQA who set this action, or the lead IQA, closes or reopens it.")


def may_list_actions(membership: Membership | None) -> bool:
    return may_read_quality(membership) or may_read_own_quality(membership)


def may_follow_up(membership: Membership | None, action: Action) -> bool:
    """The IQA who may close an action re-samples the work that answers it."""
    return is_iqa(membership) and may_close(membership, action)


def action_get_for_responding(*, membership: Membership | None, pk: int) -> Action:
    action = action_get(membership=membership, pk=pk)
    if not (membership is not None and action.owner_id == membership.user_id):
        raise PermissionDenied("Only the assessor this action is for answers it.")
    return action


def action_get_for_closing(*, membership: Membership | None, pk: int) -> Action:
    action = action_get(membership=membership, pk=pk)
    if not may_close(membership, action):
        raise PermissionDenied("Only the IQA who set this action, or the lead IQA, closes or reopens it.")
    return action


def action_get_for_follow_up(*, membership: Membership | None, pk: int) -> Action:
    action = action_get(membership=membership, pk=pk)
    if not may_follow_up(membership, action):
        raise PermissionDenied("Only the IQA who set this action, or the lead IQA, re-samples the work.")
    return action


# --- plans -------------------------------------------------------------------------------------


def plans_visible(membership: Membership | None) -> QuerySet[SamplingPlan]:
    if membership is None:
        return SamplingPlan.objects.none()
    if sees_all(membership):
        return SamplingPlan.objects.filter(centre_id=membership.centre_id)
    if is_iqa(membership):
        return SamplingPlan.objects.filter(centre_id=membership.centre_id, iqa_id=membership.user_id)
    if eqa_reads(membership):
        # The plans that hold a sample of a covered learner. The plan page lists only those
        # learners' items (`plan_items_visible`); the plan's CSV and report, which list every item,
        # are not an EQA's (`may_request_reports`).
        covered = PlanItem.objects.filter(plan=OuterRef("pk"), enrolment__in=external_enrolments(membership))
        return SamplingPlan.objects.filter(Exists(covered), centre_id=membership.centre_id)
    return SamplingPlan.objects.none()


def plan_items_visible(membership: Membership | None) -> QuerySet[PlanItem]:
    """The items of the plans the member sees; for an EQA only those of the learners they cover
    (a plan also holds other learners')."""
    items = PlanItem.objects.filter(plan__in=plans_visible(membership))
    if membership is not None and eqa_reads(membership) and not is_iqa(membership):
        return items.filter(enrolment__in=external_enrolments(membership))
    return items


def plan_get(*, membership: Membership | None, pk: int) -> SamplingPlan:
    return get_object_or_404(plans_visible(membership), pk=pk)


def may_edit_plan(membership: Membership | None, plan: SamplingPlan) -> bool:
    """The plan's IQA (or the lead IQA) generates, adds to and drops from an active plan."""
    if plan.status != SamplingPlan.Status.ACTIVE or membership is None:
        return False
    return (is_iqa(membership) and plan.iqa_id == membership.user_id) or is_lead(membership)


def require_plan_editor(actor: Any, plan: SamplingPlan) -> None:
    if not may_edit_plan(membership_for(actor, plan.centre_id), plan):
        raise PermissionDenied("Only the plan's IQA, or the lead IQA, changes an active plan.")


def may_make_plan(membership: Membership | None) -> bool:
    return is_iqa(membership)


def plan_item_get(*, membership: Membership | None, pk: int) -> PlanItem:
    """An item of a plan the member may see (404 otherwise)."""
    return get_object_or_404(
        plan_items_visible(membership).select_related(
            "plan", "unit", "enrolment__learner", "enrolment__qualification", "assessor"),
        pk=pk,
    )


def require_plan_maker(actor: Any, centre_id: int) -> Membership:
    membership = membership_for(actor, centre_id)
    if not may_make_plan(membership):
        raise PermissionDenied(NOT_IQA)
    return membership


# --- strategy, people and allocations ---------------------------------------------------------


def strategies_visible(membership: Membership | None) -> QuerySet[SamplingStrategy]:
    if not may_read_quality(membership):
        return SamplingStrategy.objects.none()
    strategies = SamplingStrategy.objects.filter(centre_id=membership.centre_id)
    if is_iqa(membership) or sees_all(membership):
        return strategies
    # An EQA: the strategies approved (in force or since superseded) for the granted
    # qualifications, and the centre's default that covers the others; drafts are the IQAs' work.
    return strategies.exclude(status=SamplingStrategy.Status.DRAFT).filter(
        Q(qualification__isnull=True) | Q(qualification__in=_granted_qualifications(membership))
    )


def _granted_qualifications(membership: Membership) -> QuerySet:
    """The qualifications an EQA's open grants name, as a subquery."""
    return open_grants(membership).values("qualifications")


def strategy_get(*, membership: Membership | None, pk: int) -> SamplingStrategy:
    return get_object_or_404(strategies_visible(membership), pk=pk)


def may_draft_strategy(membership: Membership | None) -> bool:
    """IQAs draft and edit a strategy; only the lead IQA approves it."""
    return is_iqa(membership)


def may_approve_strategy(membership: Membership | None) -> bool:
    return is_lead(membership)


def require_strategy_drafter(actor: Any, centre_id: int) -> Membership:
    membership = membership_for(actor, centre_id)
    if not may_draft_strategy(membership):
        raise PermissionDenied(NOT_IQA)
    return membership


def require_strategy_approver(actor: Any, centre_id: int) -> Membership:
    membership = membership_for(actor, centre_id)
    if not may_approve_strategy(membership):
        raise PermissionDenied(NOT_LEAD)
    return membership


def may_allocate(membership: Membership | None) -> bool:
    return is_lead(membership)


def require_allocator(actor: Any, centre_id: int) -> Membership:
    membership = membership_for(actor, centre_id)
    if not may_allocate(membership):
        raise PermissionDenied(NOT_LEAD)
    return membership


def profiles_visible(membership: Membership | None) -> QuerySet[AssessorProfile]:
    if not may_read_quality(membership):
        return AssessorProfile.objects.none()
    profiles = AssessorProfile.objects.filter(centre_id=membership.centre_id)
    if sees_all(membership):
        return profiles
    if not is_iqa(membership):  # an EQA: the assessors of the learners they cover
        return profiles.filter(assessor_id__in=_eqa_assessors(membership).values("user_id"))
    return profiles.filter(assessor_id__in=allocated_assessor_ids(membership))


def profile_get(*, membership: Membership | None, pk: int) -> AssessorProfile:
    return get_object_or_404(profiles_visible(membership).select_related("assessor"), pk=pk)


def may_edit_profile(membership: Membership | None, profile: AssessorProfile) -> bool:
    """The lead IQA, or the IQA the assessor is allocated to; never the assessor themself."""
    if membership is None or profile.assessor_id == membership.user_id:
        return False
    return is_lead(membership) or (is_iqa(membership) and profile.assessor_id in allocated_assessor_ids(membership))


def require_profile_editor(actor: Any, profile: AssessorProfile) -> None:
    if not may_edit_profile(membership_for(actor, profile.centre_id), profile):
        raise PermissionDenied("Only the lead IQA, or the IQA allocated to this assessor, changes their profile.")


def needs_countersigning(membership: Membership | None) -> bool:
    """An assessor whose decisions wait for a countersignature (they may not sign units off)."""
    return has(membership, Cap.ASSESS) and not has(membership, Cap.SIGN_OFF)


def may_read_allocations(membership: Membership | None) -> bool:
    """Who samples whom across the centre: the lead IQA sets it; admins read it. (An EQA reads the
    IQA of each assessor they cover on the people page.)"""
    return sees_all(membership)


def assessor_members(centre_id: int) -> QuerySet[Membership]:
    """The centre's active assessors (trainees included): everyone who may have a profile."""
    return Membership.objects.filter(centre_id=centre_id, is_active=True, is_assessor=True)


def iqa_members(centre_id: int) -> QuerySet[Membership]:
    """The centre's active internal quality assurers: whom an assessor may be allocated to."""
    return Membership.objects.filter(centre_id=centre_id, is_active=True, is_iqa=True)


# --- observations of practice, standardisation, reports ----------------------------------------


def observations_visible(membership: Membership | None) -> QuerySet[PracticeObservation]:
    if membership is None:
        return PracticeObservation.objects.none()
    centre = Q(centre_id=membership.centre_id)
    if sees_all(membership):
        return PracticeObservation.objects.filter(centre)
    scope = Q(pk__in=[])
    if is_iqa(membership):
        scope |= Q(iqa_id=membership.user_id) | Q(assessor_id__in=allocated_assessor_ids(membership))
    if may_read_own_quality(membership):
        scope |= Q(assessor_id=membership.user_id)
    if eqa_reads(membership):
        # The practice of the assessors of covered learners, unless it was watched with a learner
        # outside the grants.
        scope |= Q(assessor_id__in=_eqa_assessors(membership).values("user_id")) & (
            Q(enrolment__isnull=True) | Q(enrolment__in=external_enrolments(membership))
        )
    return PracticeObservation.objects.filter(centre & scope)


def meetings_visible(membership: Membership | None) -> QuerySet[StandardisationMeeting]:
    """Standardisation is the whole centre's: every IQA, assessor and admin reads it; an EQA the
    meetings about the granted qualifications (or one of their units) and those about none."""
    if not (may_read_quality(membership) or may_read_own_quality(membership)):
        return StandardisationMeeting.objects.none()
    meetings = StandardisationMeeting.objects.filter(centre_id=membership.centre_id)
    if not eqa_reads(membership) or is_iqa(membership) or may_read_own_quality(membership):
        return meetings
    granted = _granted_qualifications(membership)
    return meetings.filter(
        Q(qualification__in=granted) | Q(unit__qualification__in=granted) | Q(qualification__isnull=True, unit__isnull=True)
    )


def may_record_quality(membership: Membership | None) -> bool:
    """IQAs record observations of practice and standardisation meetings."""
    return is_iqa(membership)


def require_quality_recorder(actor: Any, centre_id: int) -> Membership:
    membership = membership_for(actor, centre_id)
    if not may_record_quality(membership):
        raise PermissionDenied(NOT_IQA)
    return membership


# --- coverage, observations and standardisation (apps/iqa/coverage.py, quality.py) -------------


def assessors_in_quality_scope(membership: Membership | None) -> set[int]:
    """The assessors whose coverage this member reads and whose practice an IQA observes: those
    allocated to them (all of the centre's for those who see all) and the active assessors of the
    enrolments in their scope; an IQA's own work is never theirs to quality-assure."""
    if not may_read_quality(membership):
        return set()
    named = Enrolment.assessors.through.objects.filter(enrolment__in=enrolments_in_scope(membership).values("pk"))
    active = Membership.objects.filter(
        centre_id=membership.centre_id, is_active=True, is_assessor=True, user_id__in=named.values("user_id")
    ).values_list("user_id", flat=True)
    ids = allocated_assessor_ids(membership) | set(active)
    if not sees_all(membership):
        ids.discard(membership.user_id)
    return ids


def centre_assessor_ids(centre_id: int) -> set[int]:
    """The centre's active assessors."""
    return set(
        Membership.objects.filter(centre_id=centre_id, is_assessor=True, is_active=True).values_list("user_id", flat=True)
    )


def standardisation_people(centre_id: int) -> list[Any]:
    """Who may attend standardisation, facilitate it or own its actions: the centre's active
    assessors and IQAs, by name."""
    return [
        m.user for m in Membership.objects.filter(Q(is_assessor=True) | Q(is_iqa=True), centre_id=centre_id,
                                                  is_active=True).select_related("user").order_by("user__full_name", "pk")
    ]


def observation_get(*, membership: Membership | None, pk: int) -> PracticeObservation:
    return get_object_or_404(observations_visible(membership).select_related("assessor", "iqa", "enrolment__learner"),
                             pk=pk)


def meeting_get(*, membership: Membership | None, pk: int) -> StandardisationMeeting:
    return get_object_or_404(meetings_visible(membership).select_related("facilitator", "qualification", "unit"), pk=pk)


def may_read_quality_records(membership: Membership | None) -> bool:
    """Lists of observations and standardisation meetings: IQAs, those who see all, and assessors
    (who find the ones about them)."""
    return may_read_quality(membership) or may_read_own_quality(membership)


def may_observe(membership: Membership | None, assessor_id: int) -> bool:
    """An IQA observes the practice of an assessor they quality-assure, never their own."""
    return may_record_quality(membership) and assessor_id != membership.user_id and (
        assessor_id in assessors_in_quality_scope(membership)
    )


def reports_visible(membership: Membership | None) -> QuerySet[Report]:
    """A member's own reports (each was checked against their scope when asked for)."""
    if not may_request_reports(membership):
        return Report.objects.none()
    return Report.objects.filter(centre_id=membership.centre_id, requested_by_id=membership.user_id)


def report_get(*, membership: Membership | None, pk: int) -> Report:
    """Only the member who asked for a report sees it (and downloads it): 404 for anyone else."""
    return get_object_or_404(reports_visible(membership), pk=pk)


def may_request_reports(membership: Membership | None) -> bool:
    """IQAs, the lead IQA and centre admins ask for the quality reports of what they read. Not an
    EQA: a plan's report lists every learner of the plan, and the EQA pack is their report."""
    return is_iqa(membership) or sees_all(membership)


def report_refusal(membership: Membership | None, kind: str, params: dict[str, Any]) -> str | None:
    """Why this member may not have this report, in words; None when they may. The report
    covers only what they may read: the sample, the plan, the actions they see; a summary
    counts only the learners in their scope."""
    if not may_request_reports(membership):
        return "Only internal quality assurers and centre admins ask for these reports."
    if kind == Report.Kind.SAMPLE and not samples_visible(membership).filter(pk=params.get("sample")).exists():
        return "There is no such sample among those you can see."
    if kind == Report.Kind.PLAN and not plans_visible(membership).filter(pk=params.get("plan")).exists():
        return "There is no such sampling plan among those you can see."
    return None


def require_report_reader(actor: Any, centre_id: int, kind: str, params: dict[str, Any]) -> Membership:
    membership = membership_for(actor, centre_id)
    refusal = report_refusal(membership, kind, params)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return membership
