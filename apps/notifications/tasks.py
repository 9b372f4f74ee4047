from smtplib import SMTPException

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=8)
def email_notifications(ids: list[int]) -> int:
    from .services import notifications_email

    return notifications_email(ids=ids, base_url=settings.ATTEST_BASE_URL)
