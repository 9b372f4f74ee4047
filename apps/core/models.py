"""Plumbing every app uses: the outbox of work to do once a change has committed, and the
one-time tokens of forms that must not do their work twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """A Celery task to run because a change committed, written in the same transaction as the
    change. The relay hands it to the broker (again and again until the broker takes it), so
    nothing a committed change asked for is lost when Redis is down."""

    shared_across_centres = True  # plumbing of the platform, not any centre's data

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)  # not before (back-off after a failure)
    attempts = models.PositiveIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["available_at"], condition=Q(dispatched_at__isnull=True), name="outbox_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.task} ({'sent' if self.dispatched_at else 'waiting'})"


class SubmissionToken(models.Model):
    """A form's one-time token (a hidden field), and what the first send of the form made.

    A double-clicked "Save" sends the form twice: the second send finds the token taken and is
    given what the first made instead of making it again (`apps/core/once.py`). The token is
    the primary key, so two sends at the same moment cannot both take it: PostgreSQL makes
    the second wait until the first has committed or rolled back."""

    shared_across_centres = True  # the person's, like their account, not any centre's

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)  # SHA-256 of what was sent
    result_id = models.BigIntegerField(null=True)  # the row the first send made
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.token} → {self.result_id}"
