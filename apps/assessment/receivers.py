"""What the assessment app does when the apps below it report something."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from apps.evidence.signals import evidence_opened_by_learner
from apps.learners.signals import enrolment_changed

from .progress import progress_refresh
from .services import feedback_mark_read


@receiver(evidence_opened_by_learner, dispatch_uid="assessment.feedback_read")
def _feedback_read(sender: Any, *, evidence: Any, user: Any, **kwargs: Any) -> None:
    feedback_mark_read(evidence=evidence, actor=user)


@receiver(enrolment_changed, dispatch_uid="assessment.progress_on_enrolment_change")
def _plan_changed(sender: Any, *, enrolment_id: int, **kwargs: Any) -> None:
    progress_refresh([enrolment_id])
