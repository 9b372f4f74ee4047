"""Telling people what happened: an in-app notification each, and an email sent by Celery."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from apps.core import outbox

from . import access
from .models import Notification


def notify(*, recipients: Iterable, centre, subject: str, body: str = "", url: str = "", exclude=None) -> list[Notification]:
    """Notify each recipient (once, skipping `exclude`, usually the person acting, and anyone
    who is no longer an active member of the centre). Call it inside the service's
    transaction: the emails go out only if the change commits."""
    people = [user for user in recipients if user is not None]
    members = access.active_members({user.pk for user in people}, centre.pk)
    seen: set[int] = set()
    rows = []
    for user in people:
        if user.pk in seen or (exclude is not None and user.pk == exclude.pk) or user.pk not in members:
            continue
        seen.add(user.pk)
        rows.append(Notification(centre=centre, recipient=user, subject=subject[:200], body=body, url=url))
    created = Notification.objects.bulk_create(rows)
    if created:
        from .tasks import email_notifications

        outbox.enqueue(email_notifications, [n.pk for n in created])
    return created


def notifications_email(*, ids: list[int], base_url: str) -> int:
    """Send the emails of these notifications (Celery). Idempotent: each is marked as sent
    before it is sent, so a task delivered twice sends it once; a failed send is unmarked for
    the retry. Someone deactivated since the notification was made is not emailed."""
    sent = 0
    for note in Notification.objects.filter(pk__in=ids, emailed_at=None).select_related("recipient", "centre"):
        if not access.active_members([note.recipient_id], note.centre_id):
            continue
        claimed_at = timezone.now()
        if not Notification.objects.filter(pk=note.pk, emailed_at=None).update(emailed_at=claimed_at):
            continue  # another delivery of this task has it
        link = f"\n\n{base_url.rstrip('/')}{note.url}" if note.url else ""
        try:
            EmailMessage(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{note.subject}",
                body=f"{note.body}{link}\n\n{note.centre.name} on Attest".strip(),
                to=[note.recipient.email],
                headers={"X-Attest-Notification": str(note.pk)},  # one email per notification, countable
            ).send()
        except Exception:
            Notification.objects.filter(pk=note.pk, emailed_at=claimed_at).update(emailed_at=None)
            raise
        sent += 1
    return sent


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
