"""Writes for centres, memberships and invitations. Each runs in a transaction with its audit event."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import user_create
from apps.audit.services import audit_record
from apps.core import outbox
from apps.core.sealing import seal

from .access import require_manager_of
from .models import Centre, Invitation, Membership
from .roles import RoleSet

User = get_user_model()
INVITATION_LIFETIME = timedelta(days=14)


def _check_roles(roles: RoleSet) -> None:
    problems = roles.errors()
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def centre_create(*, name: str, slug: str, actor=None, ao_centre_number: str = "") -> Centre:
    centre = Centre.objects.create(name=name, slug=slug, ao_centre_number=ao_centre_number)
    audit_record(action="centre.created", actor=actor, centre=centre, obj=centre, payload={"name": name})
    return centre


@transaction.atomic
def centre_update_settings(*, centre: Centre, actor, require_mfa_for_staff: bool) -> Centre:
    require_manager_of(actor, centre.pk)
    if centre.require_mfa_for_staff != require_mfa_for_staff:
        centre.require_mfa_for_staff = require_mfa_for_staff
        centre.save(update_fields=["require_mfa_for_staff"])
        audit_record(
            action="centre.mfa_requirement_changed",
            actor=actor,
            centre=centre,
            obj=centre,
            payload={"require_mfa_for_staff": require_mfa_for_staff},
        )
    return centre


def invitation_email(*, invitation_id: int, token: str, base_url: str) -> bool:
    """Email an invitation's link (Celery). It is marked as emailed before it goes (and unmarked
    if sending fails), so a task delivered twice emails it once; nothing is sent for an
    invitation withdrawn, accepted or replaced meanwhile."""
    invitation = Invitation.objects.select_related("centre").filter(pk=invitation_id, emailed_at=None).first()
    if invitation is None or invitation.status != Invitation.Status.PENDING or Invitation.lookup(token) != invitation:
        return False
    claimed_at = timezone.now()
    if not Invitation.objects.filter(pk=invitation.pk, emailed_at=None).update(emailed_at=claimed_at):
        return False
    link = base_url.rstrip("/") + reverse("invitation_accept", args=[token])
    context = {"invitation": invitation, "link": link, "roles": invitation.roleset.labels()}
    try:
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You are invited to {invitation.centre.name}",
            message=render_to_string("centres/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except Exception:
        Invitation.objects.filter(pk=invitation.pk, emailed_at=claimed_at).update(emailed_at=None)
        raise
    return True


@transaction.atomic
def invitation_create(
    *, centre: Centre, actor, email: str, full_name: str, roles: RoleSet, base_url: str
) -> Invitation:
    """Invite someone to the centre. The email goes out once the invitation is saved."""
    _check_roles(roles)
    email = email.strip().lower()
    if Membership.objects.filter(centre=centre, user__email__iexact=email).exists():
        raise ValidationError(f"{email} already belongs to {centre.name}; change their roles instead.")
    # A new invitation replaces any pending one for the same person.
    Invitation.objects.filter(centre=centre, email__iexact=email, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    token, token_hash = Invitation.new_token()
    invitation = Invitation(
        centre=centre,
        email=email,
        full_name=full_name.strip(),
        token_hash=token_hash,
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.set_roles(roles)
    invitation.save()
    invitation.raw_token = token  # never stored; lets `manage.py centre_create` print the link
    audit_record(
        action="invitation.sent",
        actor=actor,
        centre=centre,
        obj=invitation,
        payload={"email": email, "roles": roles.labels()},
    )
    from .tasks import email_invitation

    outbox.enqueue(email_invitation, invitation.pk, seal(token), base_url)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    require_manager_of(actor, invitation.centre_id)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError("Only a pending invitation can be withdrawn.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(action="invitation.revoked", actor=actor, centre=invitation.centre, obj=invitation)
    return invitation


def _join(invitation: Invitation, user) -> Membership:
    membership, created = Membership.objects.get_or_create(
        centre=invitation.centre, user=user, defaults={"is_active": True}
    )
    membership.set_roles(membership.roleset.joined_with(invitation.roleset))
    membership.is_active = True
    membership.save()
    return membership


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user=None, full_name: str = "", password: str = "") -> Membership:
    """Accept an invitation: as the signed-in user it was sent to, or by creating the account."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(f"This invitation has been {invitation.status}.")
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError("An account with this email already exists: sign in to accept.")
        # The invitee proved the address by following the emailed link.
        user = user_create(email=invitation.email, full_name=full_name, password=password, email_verified=True)
        audit_record(action="user.created", actor=user, centre=invitation.centre, obj=user)
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(f"This invitation was sent to {invitation.email}; you are signed in as {user.email}.")
    membership = _join(invitation, user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="invitation.accepted",
        actor=user,
        centre=invitation.centre,
        obj=invitation,
        payload={"roles": membership.roleset.labels()},
    )
    return membership


def _admins_left(centre: Centre, excluding: Membership) -> int:
    return (
        Membership.objects.filter(centre=centre, is_admin=True, is_active=True).exclude(pk=excluding.pk).count()
    )


@transaction.atomic
def membership_change_roles(*, membership: Membership, actor, roles: RoleSet) -> Membership:
    require_manager_of(actor, membership.centre_id)
    _check_roles(roles)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.roleset.admin and not roles.admin and _admins_left(membership.centre, membership) == 0:
        raise ValidationError("A centre needs at least one active admin: make someone else an admin first.")
    return _roles_set(membership, roles, actor=actor)


def _roles_set(membership: Membership, roles: RoleSet, *, actor) -> Membership:
    """Give the (locked) membership these roles, audited with what they were before."""
    before = membership.roleset.labels()
    membership.set_roles(roles)
    membership.save()
    audit_record(
        action="membership.roles_changed",
        actor=actor,
        centre=membership.centre,
        obj=membership,
        payload={"before": before, "after": roles.labels()},
    )
    return membership


@transaction.atomic
def membership_set_active(*, membership: Membership, actor, active: bool) -> Membership:
    require_manager_of(actor, membership.centre_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_active == active:
        return membership
    if not active:
        if membership.user_id == actor.pk:
            raise ValidationError("You cannot deactivate yourself.")
        if membership.roleset.admin and _admins_left(membership.centre, membership) == 0:
            raise ValidationError("A centre needs at least one active admin.")
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    audit_record(
        action="membership.reactivated" if active else "membership.deactivated",
        actor=actor,
        centre=membership.centre,
        obj=membership,
    )
    return membership


@transaction.atomic
def membership_clear_trainee(*, centre_id: int, user_id: int, actor) -> Membership | None:
    """A trainee assessor has qualified: their decisions stop needing a countersignature.

    Called by the IQA's "record that they qualified" (apps/iqa/profiles.py), which has checked
    the actor may change that assessor's profile; the roles change is audited here as any other.
    Returns the membership, or None when there is no trainee to change."""
    membership = Membership.objects.select_for_update().filter(centre_id=centre_id, user_id=user_id).first()
    if membership is None or not membership.roleset.trainee_assessor:
        return None
    return _roles_set(membership, replace(membership.roleset, trainee_assessor=False), actor=actor)
