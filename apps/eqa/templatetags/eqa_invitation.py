"""What an EQA's invitation email says of the access waiting for them (AO, qualifications, dates).

The invitation email (templates/centres/email/invitation.txt) loads this library; an invitation
no grant names says nothing more."""

from __future__ import annotations

from django import template

from apps.eqa.grants import scope_in_words
from apps.learners.models import ExternalAccess

register = template.Library()


@register.simple_tag
def eqa_access_in_words(invitation) -> str:
    """One sentence per grant waiting on this invitation, or "" for any other invitation."""
    if invitation is None or getattr(invitation, "pk", None) is None:
        return ""
    waiting = ExternalAccess.objects.filter(invitation_id=invitation.pk, ended_at__isnull=True).order_by("starts_on", "pk")
    return "\n".join(scope_in_words(grant) for grant in waiting)
