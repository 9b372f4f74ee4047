"""Who may open and change a unit plan. Views still resolve the enrolment through the
selectors, so an enrolment the member may not see is a 404 whatever their role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from apps.centres.models import Membership
from apps.centres.roles import Cap

from .models import Enrolment

# Anyone with a working role reads a plan they can see (assessors and IQAs their own
# learners', EQAs and admins the centre's); an expired EQA has none of these.
PLAN_READERS = (Cap.OWN_PORTFOLIO, Cap.ASSESS, Cap.QUALITY_ASSURE, Cap.MANAGE_CENTRE, Cap.READ_RECORDS)


def any_capability_required(*caps: Cap) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            membership = request.membership
            if membership is None or not (membership.capabilities() & set(caps)):
                raise PermissionDenied("Your role in this centre does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def can_change_plan(membership: Membership, enrolment: Enrolment) -> bool:
    """Centre admins, and the learner whose plan it is."""
    if membership.can(Cap.MANAGE_CENTRE):
        return True
    return membership.can(Cap.OWN_PORTFOLIO) and enrolment.learner.user_id == membership.user_id
