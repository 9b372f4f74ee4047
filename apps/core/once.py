"""Forms that do their work once, however many times they are sent.

A double-clicked "Save", or a browser resending a form whose answer was slow, sends the same
form twice. The form carries a one-time token (a hidden field, new each time the page is
drawn); the first send takes the token and does the work, and a second send of the same thing
within a short time is given what the first made instead.

Only a true repeat is folded into the first: the same person, the same token and the same
fields and files (the fingerprint). A form sent again with something changed (back to the
page, an edit, save) does its work as before.

Two sends at the same moment are safe: the token is a primary key, so PostgreSQL makes the
second insert wait until the first transaction commits (then it finds the token taken) or
rolls back (then it takes the token itself).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import SubmissionToken

FIELD = "once"  # the hidden field's name
WINDOW = timedelta(minutes=5)  # a repeat within this gets what the first send made
KEPT = timedelta(days=1)  # tokens older than this are deleted as new ones are taken
NOT_FINGERPRINTED = {"csrfmiddlewaretoken", FIELD}


def new_token() -> uuid.UUID:
    return uuid.uuid4()


def token_of(request: HttpRequest) -> uuid.UUID | None:
    """The form's token as sent, or None (a page drawn before tokens, or a damaged one)."""
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def fingerprint(request: HttpRequest) -> str:
    """What was sent: every field but the tokens, and each file's field, name and size."""
    digest = hashlib.sha256()
    for name in sorted(set(request.POST) - NOT_FINGERPRINTED):
        for value in request.POST.getlist(name):
            digest.update(f"{name}\x1f{value}\x1e".encode("utf-8", "surrogatepass"))
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"file\x1f{name}\x1f{upload.name}\x1f{upload.size}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _fresh() -> datetime:
    return timezone.now() - WINDOW


def earlier_result(*, token: uuid.UUID | None, user, fingerprint: str) -> int | None:
    """What an earlier, committed send of the same form made, when this send repeats it."""
    if token is None:
        return None
    return (
        SubmissionToken.objects.filter(
            token=token, user=user, fingerprint=fingerprint, result_id__isnull=False, created_at__gte=_fresh()
        )
        .values_list("result_id", flat=True)
        .first()
    )


def do_once(*, token: uuid.UUID | None, user, fingerprint: str, work: Callable[[], int]) -> tuple[int, bool]:
    """Run `work` (which returns the id of what it made) unless this send repeats an earlier one.

    Returns (the id, whether the work was done now). One transaction: the token is taken with
    the work, so a rollback of the work frees the token again.
    """
    if token is None:
        return work(), True
    with transaction.atomic():
        now = timezone.now()
        SubmissionToken.objects.filter(user=user, created_at__lt=now - KEPT).delete()
        claim, taken_now = SubmissionToken.objects.get_or_create(
            token=token, defaults={"user": user, "fingerprint": fingerprint, "created_at": now}
        )
        if not taken_now:
            # Taken before (or by a send that has just committed): read it under a lock, so that
            # of two late sends only one renews it.
            claim = SubmissionToken.objects.select_for_update().get(pk=token)
            repeat = (
                claim.user_id == user.pk and claim.fingerprint == fingerprint and claim.result_id is not None
                and claim.created_at >= now - WINDOW
            )
            if repeat:
                return claim.result_id, False
            if claim.user_id != user.pk:
                return work(), True  # someone else's token: no use to this person, and none of theirs
            # The same form sent again later or with changes: it does its work as any send would.
            claim.fingerprint, claim.created_at = fingerprint, now
        claim.result_id = work()
        claim.save()
        return claim.result_id, True
