"""Plans follow the facts: a change of an assessor's risk band regenerates the active plans that
cover them; a disagreeing sample adds a re-check to the plan. Both run inside the transaction
of the change, so the plan never disagrees with what caused it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from . import plans, signals
from .models import Band


@receiver(signals.band_changed, dispatch_uid="iqa.plans.band_changed")
def replan_on_band_change(sender: Any, profile: Any, from_band: str, to_band: str, **kwargs: Any) -> None:
    _replan(profile, f"an assessor's risk band changed from {_band(from_band)} to {_band(to_band)}")


@receiver(signals.assessor_changed, dispatch_uid="iqa.plans.assessor_changed")
def replan_on_assessor_change(sender: Any, profile: Any, why: str, **kwargs: Any) -> None:
    _replan(profile, why)


def _replan(profile: Any, why: str) -> None:
    """Regenerate the active plans that cover the assessor."""
    for plan in plans.plans_covering(centre_id=profile.centre_id, assessor_id=profile.assessor_id):
        try:
            plans.plan_regenerate(plan=plan, why=why)
        except ValidationError:
            continue  # no approved strategy any more: the plan stays as it is until one exists


@receiver(signals.referral_raised, dispatch_uid="iqa.plans.referral_raised")
def follow_up_on_referral(sender: Any, sample: Any, **kwargs: Any) -> None:
    plans.follow_up_add(sample=sample)


def _band(value: str) -> str:
    return Band(value).label.lower() if value in Band.values else "none"
