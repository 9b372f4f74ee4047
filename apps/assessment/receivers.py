"""What the assessment app does when the apps below it report something."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from apps.evidence.signals import evidence_opened_by_learner

from .services import feedback_mark_read


@receiver(evidence_opened_by_learner, dispatch_uid="assessment.feedback_read")
def _feedback_read(sender: Any, *, evidence: Any, user: Any, **kwargs: Any) -> None:
    feedback_mark_read(evidence=evidence, actor=user)
