"""Assessors as the IQAs see them: profiles, risk bands (derived, or set by hand with a reason and
a review date), the history of every band change, and which IQA samples whom.

Every write runs in one transaction with its audit event and re-checks the actor through
apps/iqa/access.py. A profile is made the first time anything needs it (`profile_for`), its
status following the membership: a trainee assessor starts as a trainee.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.models import Centre, IQAAllocation, Membership
from apps.centres.services import membership_clear_trainee

from . import access, risk, signals
from .models import Action, AssessorProfile, Band, RiskBandChange, Sample

User = get_user_model()
Status = AssessorProfile.Status
OVERRIDE_LONGEST_DAYS = 366  # a band set by hand is looked at again within a year


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _band_word(band: str) -> str:
    return Band(band).label.lower() if band else "none"


# --- the facts a band is derived from: a fixed number of queries for any number of assessors ---


def recent_outcomes(centre_id: int, assessor_ids: set[int] | list[int]) -> dict[int, list[str]]:
    """Each assessor's last risk.WINDOW signed sample outcomes, newest first (one query)."""
    ranked = (
        Sample.objects.filter(centre_id=centre_id, assessor_id__in=assessor_ids, signed_at__isnull=False)
        .annotate(rank=Window(RowNumber(), partition_by=[F("assessor_id")],
                              order_by=[F("signed_at").desc(), F("id").desc()]))
        .filter(rank__lte=risk.WINDOW)
        .order_by("assessor_id", "rank")
        .values_list("assessor_id", "outcome")
    )
    found: dict[int, list[str]] = defaultdict(list)
    for assessor_id, outcome in ranked:
        found[assessor_id].append(outcome)
    return found


def action_counts(centre_id: int, assessor_ids: set[int] | list[int], today: date) -> dict[int, tuple[int, int]]:
    """(open, overdue) actions still with each assessor (one query). An answered action waits
    for the IQA, so it no longer counts against the assessor."""
    rows = (
        Action.objects.filter(centre_id=centre_id, owner_id__in=assessor_ids, status=Action.Status.OPEN)
        .values("owner_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    )
    return {row["owner_id"]: (row["open"], row["overdue"]) for row in rows}


def verdict_for(status: str, outcomes: list[str], counts: tuple[int, int]) -> risk.Verdict:
    return risk.derive(risk.Facts(status=status, recent_outcomes=tuple(outcomes), open_actions=counts[0],
                                  overdue_actions=counts[1]))


def _verdict(centre_id: int, assessor_id: int, status: str) -> risk.Verdict:
    today = timezone.localdate()
    outcomes = recent_outcomes(centre_id, [assessor_id]).get(assessor_id, [])
    return verdict_for(status, outcomes, action_counts(centre_id, [assessor_id], today).get(assessor_id, (0, 0)))


# --- profiles ------------------------------------------------------------------------------------


def _starting_status(centre_id: int, assessor_id: int) -> str:
    membership = Membership.objects.filter(centre_id=centre_id, user_id=assessor_id).first()
    return Status.TRAINEE if access.needs_countersigning(membership) else Status.NEW_TO_CENTRE


def profile_for(centre_id: int, assessor_id: int) -> AssessorProfile:
    """The assessor's profile at the centre, made (by Attest, with its first band) when first needed."""
    profile = AssessorProfile.objects.filter(centre_id=centre_id, assessor_id=assessor_id).first()
    if profile is not None:
        return profile
    with transaction.atomic():
        status = _starting_status(centre_id, assessor_id)
        verdict = _verdict(centre_id, assessor_id, status)
        today = timezone.localdate()
        profile, created = AssessorProfile.objects.get_or_create(
            centre_id=centre_id, assessor_id=assessor_id,
            defaults={
                "status": status, "band": verdict.band, "derived_band": verdict.band,
                "qualify_by": risk.add_months(today, risk.QUALIFY_WITHIN_MONTHS) if status == Status.TRAINEE else None,
            },
        )
        if created:
            RiskBandChange.objects.create(profile=profile, from_band="", to_band=verdict.band,
                                          reason=f"Profile started: {verdict.why}")
            audit_record(action="iqa.profile_created", actor=None, centre=profile.centre, obj=profile,
                         payload={"assessor": profile.assessor.full_name, "status": status, "band": verdict.band})
    return profile


def profiles_ensure(centre_id: int, assessor_ids: set[int]) -> None:
    """Make the profiles still missing (each once; afterwards this is one query)."""
    have = set(AssessorProfile.objects.filter(centre_id=centre_id, assessor_id__in=assessor_ids)
               .values_list("assessor_id", flat=True))
    for assessor_id in sorted(assessor_ids - have):
        profile_for(centre_id, assessor_id)


def _lock(profile: AssessorProfile) -> AssessorProfile:
    return AssessorProfile.objects.select_for_update().select_related("assessor", "centre").get(pk=profile.pk)


def _record_change(profile: AssessorProfile, before: str, after: str, reason: str, actor: Any) -> None:
    RiskBandChange.objects.create(profile=profile, from_band=before, to_band=after, reason=reason[:2000],
                                  changed_by=actor)


def _changed(profile: AssessorProfile, before: str) -> None:
    if profile.band != before:
        signals.band_changed.send(sender=AssessorProfile, profile=profile, from_band=before, to_band=profile.band)


@transaction.atomic
def band_refresh(*, centre_id: int, assessor_id: int, reason: str, actor: Any = None) -> AssessorProfile:
    """Derive the band again from the facts. The band in force is a hand-set band until its review
    date passes, else the derived one; every change of it is a RiskBandChange (by `actor`, None
    for Attest itself) and sends signals.band_changed."""
    profile = _lock(profile_for(centre_id, assessor_id))
    verdict = _verdict(centre_id, assessor_id, profile.status)
    today = timezone.localdate()
    before = profile.band
    recorded = False
    if profile.override_band and not risk.override_in_force(profile.override_band, profile.override_review_on, today):
        ended, review_on = profile.override_band, profile.override_review_on
        profile.override_band, profile.override_reason, profile.override_review_on = "", "", None
        profile.override_by = None
        _record_change(profile, before, verdict.band,
                       f"The band set by hand ({_band_word(ended)}) reached its review date, {_day(review_on)}: "
                       f"back to the derived band. {verdict.why}", None)
        audit_record(action="iqa.band_override_ended", actor=None, centre=profile.centre, obj=profile,
                     payload={"assessor": profile.assessor.full_name, "band": ended, "review_on": review_on.isoformat(), "to": verdict.band,
                              "reason": "review date passed"})
        recorded = True
    band = profile.override_band or verdict.band
    if band == before and profile.derived_band == verdict.band and not recorded:
        return profile
    profile.derived_band = verdict.band
    if band != before:
        if not recorded:
            _record_change(profile, before, band, f"{reason}. {verdict.why}", actor)
        audit_record(action="iqa.band_changed", actor=actor, centre=profile.centre, obj=profile,
                     payload={"assessor": profile.assessor.full_name, "from": before, "to": band, "reason": reason,
                              "why": verdict.why})
        profile.band = band
    profile.updated_at = timezone.now()
    profile.save()
    _changed(profile, before)
    return profile


PROFILE_FIELDS = ("status", "assessor_qualification", "qualified_on", "qualify_by", "occupational_competence",
                  "cpd_notes")


@dataclass(frozen=True)
class ProfileDetails:
    status: str
    assessor_qualification: str = ""
    qualified_on: date | None = None
    qualify_by: date | None = None
    occupational_competence: str = ""
    cpd_notes: str = ""


def _details_problems(profile: AssessorProfile, details: ProfileDetails, today: date) -> list[str]:
    problems = []
    if details.status not in Status.values:
        problems.append("Choose the assessor's status from the list.")
    elif details.status != profile.status and Status.TRAINEE in (details.status, profile.status):
        if profile.status == Status.TRAINEE:
            problems.append("To record that a trainee has qualified, use “Record that they qualified”: "
                            "it also stops their decisions needing a countersignature.")
        else:
            problems.append("A centre admin marks someone as a trainee assessor, on their roles.")
    if details.qualified_on is not None:
        if details.qualified_on > today:
            problems.append("The date they qualified cannot be in the future.")
        if not details.assessor_qualification.strip():
            problems.append("Name the assessor qualification they hold, for the date they qualified.")
    if details.status == Status.TRAINEE and details.qualify_by is None:
        problems.append("Give the date this trainee must qualify by.")
    return problems


@transaction.atomic
def profile_update(*, actor: Any, profile: AssessorProfile, details: ProfileDetails) -> AssessorProfile:
    """Change an assessor's details. A change of status moves the band (a trainee qualifies through
    `profile_record_qualified`, never here)."""
    profile = _lock(profile)
    access.require_profile_editor(actor, profile)
    problems = _details_problems(profile, details, timezone.localdate())
    if problems:
        raise ValidationError(problems)
    values = {
        "status": details.status, "assessor_qualification": details.assessor_qualification.strip(),
        "qualified_on": details.qualified_on, "qualify_by": details.qualify_by,
        "occupational_competence": details.occupational_competence.strip(), "cpd_notes": details.cpd_notes.strip(),
    }
    changes = {field: [_plain(getattr(profile, field)), _plain(value)]
               for field, value in values.items() if getattr(profile, field) != value}
    if not changes:
        return profile
    before_status = profile.status
    for field, value in values.items():
        setattr(profile, field, value)
    profile.updated_at = timezone.now()
    profile.save()
    audit_record(action="iqa.profile_updated", actor=actor, centre=profile.centre, obj=profile,
                 payload={"assessor": profile.assessor.full_name, "changes": changes})
    if profile.status != before_status:
        return band_refresh(centre_id=profile.centre_id, assessor_id=profile.assessor_id, actor=actor,
                            reason=f"Status changed to {profile.get_status_display().lower()}")
    return profile


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def profile_record_qualified(*, actor: Any, profile: AssessorProfile, qualification: str,
                             qualified_on: date | None) -> AssessorProfile:
    """A trainee has qualified: newly qualified from now, their decisions no longer provisional
    (the trainee flag on their membership is cleared), and their band follows by itself."""
    profile = _lock(profile)
    access.require_profile_editor(actor, profile)
    problems = []
    if profile.status != Status.TRAINEE:
        problems.append(f"{profile.assessor.full_name} is not a trainee: their status is "
                        f"{profile.get_status_display().lower()}.")
    if not qualification.strip():
        problems.append("Name the assessor qualification they achieved.")
    if qualified_on is None:
        problems.append("Give the date they qualified.")
    elif qualified_on > timezone.localdate():
        problems.append("The date they qualified cannot be in the future.")
    if problems:
        raise ValidationError(problems)
    changes = {"status": [profile.status, Status.NEWLY_QUALIFIED],
               "assessor_qualification": [profile.assessor_qualification, qualification.strip()],
               "qualified_on": [_plain(profile.qualified_on), qualified_on.isoformat()]}
    profile.status = Status.NEWLY_QUALIFIED
    profile.assessor_qualification = qualification.strip()
    profile.qualified_on = qualified_on
    profile.updated_at = timezone.now()
    profile.save()
    audit_record(action="iqa.profile_updated", actor=actor, centre=profile.centre, obj=profile,
                 payload={"assessor": profile.assessor.full_name, "qualified": True, "changes": changes})
    # The band first, with the IQA's words; then the membership (whose receiver then finds the
    # profile already agreeing, and changes nothing).
    profile = band_refresh(centre_id=profile.centre_id, assessor_id=profile.assessor_id, actor=actor,
                           reason=f"Qualified as an assessor on {_day(qualified_on)} ({profile.assessor_qualification})")
    membership_clear_trainee(centre_id=profile.centre_id, user_id=profile.assessor_id, actor=actor)
    # The plans follow now that they are no longer a trainee, whether or not the band moved.
    signals.assessor_changed.send(sender=AssessorProfile, profile=profile,
                                  why=f"{profile.assessor.full_name} qualified as an assessor")
    return profile


@transaction.atomic
def band_override(*, actor: Any, profile: AssessorProfile, band: str, reason: str,
                  review_on: date | None) -> AssessorProfile:
    """Set the band by hand: it stands, whatever the facts say, until the review date passes."""
    profile = _lock(profile)
    access.require_profile_editor(actor, profile)
    today = timezone.localdate()
    problems = []
    if band not in Band.values:
        problems.append("Choose the band: high, medium or low risk.")
    if not reason.strip():
        problems.append("Say why you are setting the band by hand.")
    if review_on is None:
        problems.append("Give the date to review this band by.")
    elif review_on <= today:
        problems.append("The review date must be after today.")
    elif (review_on - today).days > OVERRIDE_LONGEST_DAYS:
        problems.append("Review a band set by hand within a year.")
    if problems:
        raise ValidationError(problems)
    before = profile.band
    profile.override_band, profile.override_reason = band, reason.strip()
    profile.override_review_on, profile.override_by = review_on, actor
    profile.band = band
    profile.updated_at = timezone.now()
    profile.save()
    _record_change(profile, before, band, f"Set by hand until {_day(review_on)}: {reason.strip()}", actor)
    audit_record(action="iqa.band_overridden", actor=actor, centre=profile.centre, obj=profile,
                 payload={"assessor": profile.assessor.full_name, "from": before, "to": band, "reason": reason.strip(),
                          "review_on": review_on.isoformat()})
    _changed(profile, before)
    return profile


@transaction.atomic
def band_override_end(*, actor: Any, profile: AssessorProfile, reason: str = "") -> AssessorProfile:
    """End a band set by hand before its review date: the derived band is in force again."""
    profile = _lock(profile)
    access.require_profile_editor(actor, profile)
    if not profile.override_band:
        raise ValidationError("There is no band set by hand to end.")
    verdict = _verdict(profile.centre_id, profile.assessor_id, profile.status)
    before, ended = profile.band, profile.override_band
    profile.override_band, profile.override_reason, profile.override_review_on = "", "", None
    profile.override_by = None
    profile.derived_band = profile.band = verdict.band
    profile.updated_at = timezone.now()
    profile.save()
    said = reason.strip() or "ended by hand"
    _record_change(profile, before, verdict.band, f"Band set by hand ended ({said}). {verdict.why}", actor)
    audit_record(action="iqa.band_override_ended", actor=actor, centre=profile.centre, obj=profile,
                 payload={"assessor": profile.assessor.full_name, "band": ended, "to": verdict.band, "reason": said})
    _changed(profile, before)
    return profile


def bands_review_due() -> int:
    """Run daily (Celery beat): bands set by hand whose review date has passed return to the
    derived band, and assessors with an action gone overdue move up. Returns how many changed."""
    today = timezone.localdate()
    due = set(AssessorProfile.objects.filter(override_review_on__lt=today).values_list("centre_id", "assessor_id"))
    due |= {
        (centre_id, owner_id) for centre_id, owner_id in Action.objects.filter(
            status=Action.Status.OPEN, due_on__lt=today).values_list("centre_id", "owner_id").distinct()
    }
    changed = 0
    for centre_id, assessor_id in sorted(due):
        before = profile_for(centre_id, assessor_id).band
        if band_refresh(centre_id=centre_id, assessor_id=assessor_id, reason="Daily review").band != before:
            changed += 1
    return changed


def profile_follow_membership(membership: Membership) -> AssessorProfile | None:
    """Keep a profile's status agreeing with the membership's trainee flag, after an admin changed
    their roles: marked trainee → trainee; no longer trainee → newly qualified. The band follows."""
    if not membership.is_active:
        return None  # a deactivated member has no capabilities to read the flag from; nothing to follow
    profile = AssessorProfile.objects.filter(centre_id=membership.centre_id, assessor_id=membership.user_id).first()
    if profile is None:
        return None  # made with the right status when first needed
    trainee = access.needs_countersigning(membership)
    if trainee == (profile.status == Status.TRAINEE):
        return profile
    with transaction.atomic():
        profile = _lock(profile)
        before = profile.status
        if trainee:
            profile.status = Status.TRAINEE
            profile.qualify_by = profile.qualify_by or risk.add_months(timezone.localdate(), risk.QUALIFY_WITHIN_MONTHS)
            reason = "Marked as a trainee assessor on their roles"
        else:
            profile.status = Status.NEWLY_QUALIFIED
            reason = "No longer marked as a trainee assessor on their roles"
        profile.updated_at = timezone.now()
        profile.save()
        audit_record(action="iqa.profile_updated", actor=None, centre=profile.centre, obj=profile,
                     payload={"assessor": profile.assessor.full_name, "changes": {"status": [before, profile.status]},
                              "reason": reason})
        return band_refresh(centre_id=profile.centre_id, assessor_id=profile.assessor_id, reason=reason)


# --- allocations ------------------------------------------------------------------------------


@transaction.atomic
def allocations_set(*, actor: Any, centre_id: int, choices: dict[int, int | None]) -> int:
    """The lead IQA allocates each assessor to one IQA (None: to nobody). Every problem is listed
    and nothing changes unless all are sound; returns how many allocations changed."""
    access.require_allocator(actor, centre_id)
    Centre.objects.select_for_update().filter(pk=centre_id).first()  # one allocation change at a time
    assessors = {m.user_id: m.user for m in access.assessor_members(centre_id).select_related("user")}
    iqas = {m.user_id: m.user for m in access.iqa_members(centre_id).select_related("user")}
    problems = []
    for assessor_id, iqa_id in choices.items():
        if assessor_id not in assessors:
            problems.append("Some of the people chosen are not assessors of this centre.")
        elif iqa_id is not None and iqa_id not in iqas:
            problems.append(f"{assessors[assessor_id].full_name}: choose one of the centre's IQAs.")
        elif iqa_id == assessor_id:
            problems.append(f"{assessors[assessor_id].full_name} cannot quality-assure their own decisions: "
                            "choose another IQA.")
    if problems:
        raise ValidationError(sorted(set(problems)))
    current = {a.assessor_id: a for a in IQAAllocation.objects.select_for_update().filter(
        centre_id=centre_id, assessor_id__in=list(choices))}
    changed = 0
    for assessor_id, iqa_id in sorted(choices.items()):
        existing = current.get(assessor_id)
        if (existing.iqa_id if existing else None) == iqa_id:
            continue
        changed += 1
        assessor = assessors[assessor_id]
        before = existing.iqa.full_name if existing else ""
        if iqa_id is None:
            existing.delete()
            audit_record(action="iqa.allocation_removed", actor=actor, centre=existing.centre, obj=existing,
                         payload={"assessor": assessor.full_name, "iqa": before})
            continue
        if existing:
            existing.iqa_id, existing.allocated_by, existing.allocated_at = iqa_id, actor, timezone.now()
            existing.save()
            allocation = existing
        else:
            allocation = IQAAllocation.objects.create(centre_id=centre_id, assessor_id=assessor_id, iqa_id=iqa_id,
                                                      allocated_by=actor)
        audit_record(action="iqa.allocation_set", actor=actor, centre=allocation.centre, obj=allocation,
                     payload={"assessor": assessor.full_name, "iqa": iqas[iqa_id].full_name, "before": before})
    return changed


# --- reads for the pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    profile: AssessorProfile
    verdict: risk.Verdict
    open_actions: int
    overdue_actions: int
    iqa_name: str
    set_by: str
    set_why: str
    set_at: Any
    qualify_warning: str | None

    @property
    def rate_words(self) -> str:
        if not self.verdict.counted:
            return "Too few samples"
        return f"{self.verdict.disagreed} of {self.verdict.counted}"


def register(membership: Membership) -> list[RegisterRow]:
    """The assessor register for what this member may see: a fixed number of queries however many
    assessors, samples or actions there are (once their profiles exist)."""
    ids = access.allocated_assessor_ids(membership)
    profiles_ensure(membership.centre_id, ids)
    latest = RiskBandChange.objects.filter(profile=OuterRef("pk")).order_by("-changed_at", "-id")
    profiles = list(
        access.profiles_visible(membership).filter(assessor_id__in=ids).select_related("assessor")
        .annotate(set_why=Subquery(latest.values("reason")[:1]), set_at=Subquery(latest.values("changed_at")[:1]),
                  set_by=Subquery(latest.values("changed_by__full_name")[:1]))
        .order_by("assessor__full_name", "pk")
    )
    today = timezone.localdate()
    outcomes = recent_outcomes(membership.centre_id, ids)
    counts = action_counts(membership.centre_id, ids, today)
    iqa_names = dict(IQAAllocation.objects.filter(centre_id=membership.centre_id, assessor_id__in=ids)
                     .values_list("assessor_id", "iqa__full_name"))
    rows = []
    for profile in profiles:
        opened, overdue = counts.get(profile.assessor_id, (0, 0))
        rows.append(RegisterRow(
            profile=profile, verdict=verdict_for(profile.status, outcomes.get(profile.assessor_id, []), (opened, overdue)),
            open_actions=opened, overdue_actions=overdue, iqa_name=iqa_names.get(profile.assessor_id, ""),
            set_by=profile.set_by or "Attest", set_why=profile.set_why or "", set_at=profile.set_at,
            qualify_warning=risk.qualify_by_warning(profile.status, profile.qualify_by, today),
        ))
    return rows


def profile_page(profile: AssessorProfile) -> dict[str, Any]:
    """What the profile page shows beyond the profile: the derived band's reasons, actions, the
    allocated IQA and the band history (a fixed number of queries)."""
    today = timezone.localdate()
    opened, overdue = action_counts(profile.centre_id, [profile.assessor_id], today).get(profile.assessor_id, (0, 0))
    outcomes = recent_outcomes(profile.centre_id, [profile.assessor_id]).get(profile.assessor_id, [])
    allocation = IQAAllocation.objects.filter(centre_id=profile.centre_id, assessor_id=profile.assessor_id) \
        .select_related("iqa").first()
    return {
        "verdict": verdict_for(profile.status, outcomes, (opened, overdue)),
        "open_actions": opened, "overdue_actions": overdue,
        "iqa": allocation.iqa if allocation else None,
        "history": list(profile.band_changes.select_related("changed_by")),
        "override_in_force": risk.override_in_force(profile.override_band, profile.override_review_on, today),
        "qualify_warning": risk.qualify_by_warning(profile.status, profile.qualify_by, today),
    }


@dataclass(frozen=True)
class AllocationRow:
    assessor: Any
    iqa_id: int | None
    iqa_name: str


def allocation_rows(centre_id: int) -> tuple[list[AllocationRow], list[Any]]:
    """Every active assessor with their IQA, and the IQAs to choose from (three queries)."""
    allocated = dict(IQAAllocation.objects.filter(centre_id=centre_id).values_list("assessor_id", "iqa_id"))
    iqas = [m.user for m in access.iqa_members(centre_id).select_related("user").order_by("user__full_name")]
    names = {user.pk: user.full_name for user in iqas}
    rows = [
        AllocationRow(assessor=m.user, iqa_id=allocated.get(m.user_id), iqa_name=names.get(allocated.get(m.user_id), ""))
        for m in access.assessor_members(centre_id).select_related("user").order_by("user__full_name", "pk")
    ]
    return rows, iqas
