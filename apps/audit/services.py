from __future__ import annotations

from typing import Any

from django.db import models, transaction

from .actions import is_declared
from .context import request_ip
from .models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: Any | None,
    centre: Any | None,
    obj: models.Model | None = None,
    payload: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction so both land or neither.

    The action must be declared in apps/audit/actions.py: every event the trail shows has a label."""
    if not is_declared(action):
        raise ValueError(f"Undeclared audit action {action!r}: declare it with a label in apps/audit/actions.py")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        centre=centre,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        payload=payload or {},
        ip_address=ip_address or request_ip(),
    )
