"""Reads for assessment that are lists rather than pages: the countersignature queue."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.centres.models import Membership
from apps.learners.access import enrolments_visible

from .access import decisions_to_countersign
from .models import Decision


def countersign_queue(*, membership: Membership) -> QuerySet[Decision]:
    """What the member may countersign, oldest first, with what the queue shows."""
    return (
        decisions_to_countersign(membership)
        .select_related("criterion__unit", "criterion__outcome", "version__evidence__enrolment__learner",
                        "enrolment__qualification", "enrolment__learner")
        .order_by("signed_at", "id")
    )


def enrolments_visible_ids(*, membership: Membership | None, ids: Iterable[int]) -> list[int]:
    return list(enrolments_visible(membership=membership).filter(pk__in=list(ids)).values_list("pk", flat=True))
