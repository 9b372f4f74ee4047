"""Background work of assessment records."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def email_witness_request(request_id: int, sealed_token: str, base_url: str) -> bool:
    """Email a witness their one-time link. Idempotent: a link is emailed once, and never
    after it has been replaced, cancelled or answered."""
    from apps.core.sealing import unseal

    from .services import witness_request_email

    return witness_request_email(request_id=request_id, token=unseal(sealed_token), base_url=base_url)
