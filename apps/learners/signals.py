"""Keep learner records linked to the accounts that sign in.

A learner created before they have an account is linked when they join the centre. The
centres app knows nothing of learners, so the link follows the membership being saved.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from apps.centres.models import Membership

# An enrolment's plan or its units achieved elsewhere changed (sent with enrolment_id=, inside
# the change's transaction): the assessment app brings its progress summary up to date.
enrolment_changed = Signal()


@receiver(post_save, sender=Membership, dispatch_uid="learners.link_account_on_membership")
def link_learner_record(sender, instance: Membership, raw: bool = False, **kwargs) -> None:
    if raw or not instance.is_active:
        return
    from .services import learner_link_account

    learner_link_account(membership=instance)
