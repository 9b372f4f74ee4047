"""The centre grants an external quality assurer (EQA) access, and ends it early.

A grant names the EQA by account when they already belong to the centre, else by the invitation
that brings them in. The EQA role of their membership lasts to the latest end of their grants not
ended early, so access starts and ends by itself: `learners.access.open_grants` reads the dates,
the role's expiry follows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import audit_record
from apps.centres.models import Centre, Invitation, Membership
from apps.centres.roles import RoleSet
from apps.centres.services import invitation_create, invitation_revoke, membership_change_roles
from apps.learners.models import Enrolment, ExternalAccess, Learner
from apps.learners.rules import qualification_name
from apps.notifications.services import notify
from apps.qualifications.models import Qualification

from . import access

AO_LABELS = dict(Qualification.AwardingOrganisation.choices)


@dataclass(frozen=True)
class GrantTerms:
    """What the admin fills in: who, for which AO, which qualifications (and learners), when."""

    email: str
    full_name: str
    awarding_organisation: str
    qualifications: Sequence[Qualification]
    learners: Sequence[Learner]
    starts_on: date
    ends_on: date


# --- what may be granted ---------------------------------------------------------------------


def grantable_qualifications(centre_id: int, awarding_organisation: str | None = None) -> QuerySet[Qualification]:
    """The qualifications the centre has learners on (of one AO when given)."""
    found = Qualification.objects.filter(
        pk__in=Enrolment.objects.filter(centre_id=centre_id).values("qualification_id")
    ).order_by("awarding_organisation", "number", "-pk")
    return found.filter(awarding_organisation=awarding_organisation) if awarding_organisation else found


def grantable_learners(centre_id: int, qualifications: Iterable[Qualification] | None = None) -> QuerySet[Learner]:
    """The centre's learners enrolled on these qualifications (on any, when not given)."""
    enrolments = Enrolment.objects.filter(centre_id=centre_id)
    if qualifications is not None:
        enrolments = enrolments.filter(qualification__in=list(qualifications))
    return Learner.objects.filter(pk__in=enrolments.values("learner_id")).order_by("full_name", "pk")


def latest_end(starts_on: date) -> date:
    """Access lasts at most a year: to the day before the same date next year."""
    try:
        return starts_on.replace(year=starts_on.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return starts_on.replace(year=starts_on.year + 1, day=28)


def _when(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def terms_problems(centre_id: int, terms: GrantTerms, today: date) -> dict[str, str]:
    """Each problem with the terms, by the field it belongs to (empty when they are fine)."""
    problems: dict[str, str] = {}
    ao = terms.awarding_organisation
    if ao not in AO_LABELS:
        problems["awarding_organisation"] = "Choose the awarding organisation the EQA acts for."
    if not terms.qualifications:
        problems["qualifications"] = "Choose at least one qualification the EQA may see."
    else:
        others = [q for q in terms.qualifications if q.awarding_organisation != ao] if ao in AO_LABELS else []
        taught = set(grantable_qualifications(centre_id).filter(pk__in=[q.pk for q in terms.qualifications])
                     .values_list("pk", flat=True))
        untaught = [q for q in terms.qualifications if q.pk not in taught]
        if others:
            problems["qualifications"] = (
                f"{qualification_name(others[0])} is a {AO_LABELS.get(others[0].awarding_organisation, others[0].awarding_organisation)} "
                f"qualification; the EQA acts for {AO_LABELS.get(ao, ao)}. Choose only {AO_LABELS.get(ao, ao)} qualifications."
            )
        elif untaught:
            problems["qualifications"] = f"No learner of the centre is enrolled on {qualification_name(untaught[0])}."
    if terms.learners and terms.qualifications:
        enrolled = set(grantable_learners(centre_id, terms.qualifications).values_list("pk", flat=True))
        outside = [learner for learner in terms.learners if learner.pk not in enrolled]
        if outside:
            problems["learners"] = (
                f"{outside[0].full_name} is not enrolled on the chosen qualifications: choose learners on them, "
                "or none for every learner on them."
            )
    if terms.starts_on < today:
        problems["starts_on"] = "The access cannot start in the past: choose today or a later date."
    if terms.ends_on < terms.starts_on:
        problems["ends_on"] = "The end date is before the start date."
    elif terms.ends_on > latest_end(terms.starts_on):
        problems["ends_on"] = (
            f"EQA access lasts at most a year: choose an end date on or before {_when(latest_end(terms.starts_on))}."
        )
    return problems


def _member_problem(member: Membership | None, email: str, actor_id: int) -> str | None:
    if member is None:
        return None
    if member.user_id == actor_id:
        return "You cannot grant yourself EQA access: the EQA is someone outside the centre."
    if not member.is_active:
        return f"{email} is a deactivated member of the centre: reactivate them on the People page first."
    others = replace(member.roleset, eqa=False, eqa_expires_on=None).labels()
    if others:
        return (
            f"{email} works at the centre as {', '.join(others).lower()}; an external quality assurer must be "
            "independent of the centre."
        )
    return None


# --- reading grants ----------------------------------------------------------------------------


# --- the EQA role follows the grants ------------------------------------------------------------


def _standing(centre_id: int, *, user_id: int | None = None, invitation_id: int | None = None) -> QuerySet[ExternalAccess]:
    """The grants naming this person (account, or the invitation they have not accepted yet) that
    were not ended early."""
    named = Q(pk__in=[])
    if user_id is not None:
        named |= Q(user_id=user_id) | Q(invitation__accepted_by_id=user_id)
    if invitation_id is not None:
        named |= Q(invitation_id=invitation_id)
    return ExternalAccess.objects.filter(named, centre_id=centre_id, ended_at__isnull=True)


def _role_until(grants: QuerySet[ExternalAccess], today: date) -> date:
    """The role lasts to the latest end of the standing grants; with none, it lapsed yesterday."""
    ends = [g.ends_on for g in grants]
    return max(ends) if ends else today - timedelta(days=1)


def _sync_member(member: Membership, *, actor, today: date) -> None:
    member = Membership.objects.select_for_update().get(pk=member.pk)
    until = _role_until(_standing(member.centre_id, user_id=member.user_id), today)
    roles = replace(member.roleset, eqa=True, eqa_expires_on=until)
    if roles != member.roleset:
        membership_change_roles(membership=member, actor=actor, roles=roles)


# --- granting and ending ---------------------------------------------------------------------


def _names(grant: ExternalAccess) -> tuple[list[str], list[str]]:
    qualifications = [qualification_name(q) for q in grant.qualifications.order_by("number", "pk")]
    learners = [learner.full_name for learner in grant.learners.order_by("full_name", "pk")]
    return qualifications, learners


def scope_in_words(grant: ExternalAccess) -> str:
    """The grant as one sentence, for the EQA's notification and the invitation email."""
    qualifications, learners = _names(grant)
    who = f"the learners {', '.join(learners)}" if learners else "every learner"
    return (
        f"Read-only access for {AO_LABELS.get(grant.awarding_organisation, grant.awarding_organisation)} to "
        f"{who} on {'; '.join(qualifications)}, from {_when(grant.starts_on)} to {_when(grant.ends_on)}."
    )


@transaction.atomic
def grant_create(*, membership: Membership, terms: GrantTerms, base_url: str) -> ExternalAccess:
    """Grant an EQA access: to a member of the centre by their account (their EQA role follows the
    grant), to anyone else by an invitation with the EQA role until the grant ends."""
    access.require_granter(membership)
    actor, centre = membership.user, Centre.objects.get(pk=membership.centre_id)
    today = timezone.localdate()
    email = terms.email.strip().lower()
    problems = terms_problems(centre.pk, terms, today)
    member = (
        Membership.objects.select_for_update().filter(centre=centre, user__email__iexact=email)
        .select_related("user").first()
    )
    who = _member_problem(member, email, actor.pk)
    if who:
        problems["email"] = who
    if problems:
        raise ValidationError(problems)

    invitation = None if member else _invite(centre, email=email, full_name=terms.full_name, ends_on=terms.ends_on,
                                             actor=actor, base_url=base_url)
    grant = ExternalAccess.objects.create(
        centre=centre, email=email, user=member.user if member else None, invitation=invitation,
        awarding_organisation=terms.awarding_organisation, starts_on=terms.starts_on, ends_on=terms.ends_on,
        created_by=actor,
    )
    grant.qualifications.set(terms.qualifications)
    grant.learners.set(terms.learners)
    if member is not None:
        _sync_member(member, actor=actor, today=today)
        notify(recipients=[member.user], centre=centre, subject=f"EQA access to {centre.name}",
               body=scope_in_words(grant), url=reverse("eqa_grant", args=[grant.pk]))
    qualifications, learners = _names(grant)
    audit_record(
        action="eqa.access_granted", actor=actor, centre=centre, obj=grant,
        payload={
            "email": email, "awarding_organisation": AO_LABELS.get(grant.awarding_organisation, grant.awarding_organisation),
            "qualifications": qualifications, "learners": learners,
            "starts_on": grant.starts_on.isoformat(), "ends_on": grant.ends_on.isoformat(),
        },
    )
    return grant


def _invite(centre: Centre, *, email: str, full_name: str, ends_on: date, actor, base_url: str) -> Invitation:
    """Send the invitation (as the People page does) with the EQA role until the latest end of the
    grants waiting for this email, this one included. A new invitation replaces a pending one,
    so the grants already waiting name the new one."""
    waiting = ExternalAccess.objects.filter(
        centre=centre, email__iexact=email, user__isnull=True, ended_at__isnull=True, invitation__accepted_at__isnull=True,
    )
    until = max([ends_on, *(g.ends_on for g in waiting)])
    invitation = invitation_create(
        centre=centre, actor=actor, email=email, full_name=full_name,
        roles=RoleSet(eqa=True, eqa_expires_on=until), base_url=base_url,
    )
    waiting.update(invitation=invitation)
    return invitation


@transaction.atomic
def grant_end(*, membership: Membership, grant: ExternalAccess, reason: str) -> ExternalAccess:
    """End a grant early: the EQA loses it at once. Their EQA role lasts only as long as another
    grant still stands; an invitation no other grant waits on is withdrawn."""
    access.require_granter(membership)
    actor, today = membership.user, timezone.localdate()
    grant = ExternalAccess.objects.select_for_update(of=("self",)).select_related("invitation").get(
        pk=grant.pk, centre_id=membership.centre_id
    )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the access ends early: the centre's audit trail keeps it."})
    if grant.state(today) in (ExternalAccess.State.ENDED, ExternalAccess.State.ENDED_EARLY):
        raise ValidationError("This access has already ended.")
    grant.ended_at, grant.ended_by = timezone.now(), actor
    grant.save(update_fields=["ended_at", "ended_by"])

    user_id = grant.user_id or (grant.invitation.accepted_by_id if grant.invitation else None)
    if user_id is not None:
        member = Membership.objects.filter(centre_id=grant.centre_id, user_id=user_id).first()
        if member is not None:
            _sync_member(member, actor=actor, today=today)
    elif grant.invitation is not None and grant.invitation.status == Invitation.Status.PENDING:
        others = _standing(grant.centre_id, invitation_id=grant.invitation_id)
        if others.exists():
            invitation = grant.invitation
            invitation.set_roles(RoleSet(eqa=True, eqa_expires_on=_role_until(others, today)))
            invitation.save()
        else:
            invitation_revoke(invitation=grant.invitation, actor=actor)
    audit_record(action="eqa.access_ended", actor=actor, centre=grant.centre, obj=grant,
                 payload={"email": grant.email, "reason": reason})
    return grant
