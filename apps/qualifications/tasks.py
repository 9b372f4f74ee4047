from smtplib import SMTPException

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True)
def run_spec_import(import_id: int) -> None:
    from .spec_imports import spec_import_run

    spec_import_run(import_id=import_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5)
def email_spec_import_request(import_id: int) -> int:
    """Tell platform staff a centre asks them to apply an import. Idempotent: sent once."""
    from .spec_imports import spec_import_request_email

    return spec_import_request_email(import_id=import_id, base_url=settings.ATTEST_BASE_URL)
