"""Capability checks for views: a missing capability is a 403, another centre's object a 404."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .roles import Cap


def capability_required(cap: Cap) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            membership = request.membership
            if membership is None or not membership.can(cap):
                raise PermissionDenied("Your role in this centre does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
