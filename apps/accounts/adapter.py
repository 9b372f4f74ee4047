from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Attest has no open sign-up: accounts are created by accepting a centre's invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
