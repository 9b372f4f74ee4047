from __future__ import annotations

import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .roles import Cap, Role, RoleSet


class Centre(models.Model):
    """A training centre or college: the tenant. Every centre-owned row points at one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    ao_centre_number = models.CharField("awarding organisation centre number", max_length=50, blank=True)
    require_mfa_for_staff = models.BooleanField(
        "require two-factor authentication for staff",
        default=False,
        help_text="Assessors, IQAs, admins and EQAs must set up an authenticator app before they can work.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoleFields(models.Model):
    """Role flags shared by memberships and the invitations that create them."""

    is_learner = models.BooleanField("learner", default=False)
    is_assessor = models.BooleanField("assessor", default=False)
    is_trainee_assessor = models.BooleanField(
        "trainee assessor", default=False, help_text="Decisions need a qualified assessor's countersignature."
    )
    is_iqa = models.BooleanField("internal quality assurer", default=False)
    is_lead_iqa = models.BooleanField(
        "lead internal quality assurer", default=False,
        help_text="Approves sampling strategies and allocates internal quality assurers to assessors.",
    )
    is_admin = models.BooleanField("centre admin", default=False)
    is_eqa = models.BooleanField("external quality assurer", default=False)
    eqa_expires_on = models.DateField("EQA access expires on", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def roleset(self) -> RoleSet:
        return RoleSet(
            learner=self.is_learner,
            assessor=self.is_assessor,
            trainee_assessor=self.is_trainee_assessor,
            iqa=self.is_iqa,
            lead_iqa=self.is_lead_iqa,
            admin=self.is_admin,
            eqa=self.is_eqa,
            eqa_expires_on=self.eqa_expires_on,
        )

    def set_roles(self, roles: RoleSet) -> None:
        self.is_learner = roles.learner
        self.is_assessor = roles.assessor
        self.is_trainee_assessor = roles.trainee_assessor
        self.is_iqa = roles.iqa
        self.is_lead_iqa = roles.lead_iqa
        self.is_admin = roles.admin
        self.is_eqa = roles.eqa
        self.eqa_expires_on = roles.eqa_expires_on


class Membership(RoleFields):
    """One person's roles in one centre."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "user"], name="membership_unique_user_per_centre"),
            models.CheckConstraint(
                condition=~Q(is_eqa=True, eqa_expires_on__isnull=True), name="membership_eqa_has_expiry"
            ),
        ]
        ordering = ["user__full_name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} at {self.centre}"

    def roles(self, today: date | None = None) -> list[Role]:
        if not self.is_active:
            return []
        return self.roleset.active_roles(today or timezone.localdate())

    def capabilities(self, today: date | None = None) -> frozenset[Cap]:
        if not self.is_active:
            return frozenset()
        return self.roleset.capabilities(today or timezone.localdate())



class IQAAllocation(models.Model):
    """Which internal quality assurer samples an assessor's decisions (one per assessor), set
    by the lead IQA. The IQA sees the learners of the assessors allocated to them."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")
    iqa = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="iqa_allocations")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "assessor"], name="iqa_allocation_one_per_assessor"),
            models.CheckConstraint(condition=~Q(iqa=models.F("assessor")), name="iqa_allocation_not_self"),
        ]

    def __str__(self) -> str:
        return f"IQA {self.iqa_id} for assessor {self.assessor_id}"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(RoleFields):
    """An emailed invitation to join a centre with given roles. Only the token's hash is kept."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # marked before the email goes

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.centre}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @classmethod
    def lookup(cls, token: str) -> Invitation | None:
        return cls.objects.select_related("centre").filter(token_hash=_hash_token(token)).first()

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be accepted"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Withdrawn"
        EXPIRED = "expired", "Expired"

    @property
    def status(self) -> Status:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at < timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING
