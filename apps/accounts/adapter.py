from __future__ import annotations

import math
import time
from datetime import datetime
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django import forms
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from apps.core.http import client_ip

APP = "allauth.account"

# Failed sign-ins are counted three ways (ACCOUNT_RATE_LIMITS holds the numbers):
#   per account from one address ("login_failed_from_address", key: address and account): a
#     person who has forgotten their password is paused, their classmates are not;
#   per account from anywhere ("login_failed", key: the account; allauth's own action, which it
#     also uses for two-factor codes): someone guessing one account from many addresses;
#   per address ("login_failed_address"): set high, because a college signs a whole class in
#     from one address (a NAT), so that only a flood of failures pauses an address.
# In that order; an attempt refused by one is taken back from those before it, so hammering a
# paused account neither lengthens its pause nor uses up its network's allowance.
CHECKS = (
    ("login_failed_from_address", "from_address"),
    ("login_failed", "account"),
    ("login_failed_address", "address"),
)


class AccountAdapter(DefaultAccountAdapter):
    """Attest has no open sign-up: accounts are created by accepting a centre's invitation."""

    error_messages = DefaultAccountAdapter.error_messages | {
        "too_many_login_attempts": "Too many failed attempts, so signing in to this account is paused for now to "
        "keep it safe. Try again in a few minutes.",
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address rate limits count: behind NUM_PROXIES trusted reverse proxies, the one
        the nearest of them saw (the rule of the audit trail's `client_ip`); else the
        connection's. Without this, everyone behind a proxy would share its one address."""
        return client_ip(request) or super().get_client_ip(request)

    def _keys(self, request: HttpRequest, **credentials: Any) -> dict[str, str | None]:
        account = self._get_login_attempts_cache_key(request, **credentials)
        return {"account": account, "from_address": f"{ratelimit.get_ip(request)}|{account}", "address": None}

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        keys = self._keys(request, **credentials)
        taken: list[ratelimit.SingleRateLimitUsage] = []
        for action, which in CHECKS:
            usage = ratelimit.consume(request, app=APP, action=action, key=keys[which])
            if usage is None:
                for earlier in taken:
                    earlier.rollback()
                raise forms.ValidationError(
                    _paused_message(which, _resume_at(request, action, keys[which])), code="too_many_login_attempts"
                )
            taken.extend(usage.usage)
        # allauth takes these back when the password turns out right (a success is no failure).
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(usage=taken)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        """After a password reset: the account's pauses end (from here, and from anywhere)."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        keys = self._keys(request, **credentials)
        ratelimit.clear(request, app=APP, action="login_failed_from_address", key=keys["from_address"])


def _resume_at(request: HttpRequest, action: str, key: str | None) -> datetime | None:
    """When the rates of `action` that refuse now will allow an attempt again."""
    now, latest = time.time(), None
    for rate in ratelimit.get_rates(app=APP, action=action):
        history = cache.get(ratelimit.get_cache_key(request, app=APP, action=action, rate=rate, key=key), [])
        recent = [at for at in history if at > now - rate.duration]  # newest first, as allauth keeps them
        if len(recent) >= rate.amount:
            at = recent[rate.amount - 1] + rate.duration  # the attempt whose expiry makes room
            latest = at if latest is None else max(latest, at)
    return datetime.fromtimestamp(latest, tz=timezone.get_current_timezone()) if latest else None


def _when(at: datetime | None) -> str:
    if at is None:
        return "in a few minutes"
    minutes = max(1, math.ceil((at - timezone.now()).total_seconds() / 60))
    return f"at {timezone.localtime(at):%H:%M} (in {minutes} minute{'s' if minutes != 1 else ''})"


def _paused_message(which: str, at: datetime | None) -> str:
    when = _when(at)
    if which == "from_address":
        return (
            "Too many failed sign-in attempts: the password was wrong several times for this account from this "
            f"network, so signing in to it from here is paused. Try again {when}. "
            "If you have forgotten your password, use “Forgot your password?” below. Other people here can still "
            "sign in."
        )
    if which == "account":
        return (
            "Too many failed sign-in attempts: someone has got this account's password wrong many times, so "
            f"signing in to it is paused for now, from anywhere, to keep it safe. Try again {when}, "
            "or reset your password with “Forgot your password?” below: that lifts the pause."
        )
    return (
        "Too many failed sign-in attempts from this network in the last few minutes, so signing in from it is "
        f"paused. Try again {when}."
    )
