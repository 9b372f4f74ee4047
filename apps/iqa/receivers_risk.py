"""Risk bands follow the facts.

- `quality_facts_changed` (a sample signed; an action set, answered, closed or gone overdue):
  the assessor's band is derived again, in the transaction of the change.
- A membership saved: the trainee flag is on `centres.Membership`, a lower app that cannot
  send our signals, and an admin changes it through its roles form; `post_save` is the one
  place every such change passes (the roles page, an invitation accepted, a command). It costs
  one query per membership save, which is rare, and does nothing unless the flag and the
  profile disagree.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.centres.models import Membership

from . import profiles, signals, tasks_risk  # noqa: F401  (tasks_risk: registers the daily band review)


@receiver(signals.quality_facts_changed, dispatch_uid="iqa_risk_facts_changed")
def _facts_changed(sender: Any, *, centre_id: int, assessor_id: int, reason: str, **kwargs: Any) -> None:
    profiles.band_refresh(centre_id=centre_id, assessor_id=assessor_id, reason=reason)


@receiver(post_save, sender=Membership, dispatch_uid="iqa_risk_membership_saved")
def _membership_saved(sender: Any, instance: Membership, created: bool, update_fields: Any = None,
                      **kwargs: Any) -> None:
    if created or (update_fields is not None and not {"is_trainee_assessor", "is_assessor"} & set(update_fields)):
        return
    profiles.profile_follow_membership(instance)
