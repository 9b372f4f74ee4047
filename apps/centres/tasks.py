"""Background work of centres: invitation emails."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=8)
def email_invitation(invitation_id: int, sealed_token: str, base_url: str) -> bool:
    """Email an invitation's one-time link; idempotent (see `invitation_email`)."""
    from apps.core.sealing import unseal

    from .services import invitation_email

    return invitation_email(invitation_id=invitation_id, token=unseal(sealed_token), base_url=base_url)
