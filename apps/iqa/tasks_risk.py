"""Background work on risk bands (Celery beat, daily). Registered by apps/iqa/receivers_risk.py
importing this module when the app is ready."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def bands_review() -> int:
    """Bands set by hand past their review date return to the derived band; assessors whose
    actions went overdue move up. Idempotent: a second run changes nothing."""
    from .profiles import bands_review_due

    return bands_review_due()
