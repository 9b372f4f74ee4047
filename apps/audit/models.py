from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One thing that happened. Append-only: the database refuses UPDATE and DELETE."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Empty for the platform's own events (catalogue loads, platform staff's imports), which
    # belong to no centre; centre admins see only their centre's events.
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=100, db_index=True)  # dotted code, e.g. evidence.submitted
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # A trail's pages, its filters by action and by person: each an ordered range of one
        # index at any size (apps.audit.selectors.trail_page pages by (created_at, id)).
        indexes = [
            models.Index(fields=["centre", "created_at", "id"], name="audit_trail"),
            models.Index(fields=["centre", "action", "created_at", "id"], name="audit_trail_action"),
            models.Index(fields=["centre", "actor", "created_at", "id"], name="audit_trail_actor"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
