"""Who is platform staff: the people who run Attest itself, above every centre.

Platform staff change what all centres share (the qualification catalogue) and read the
platform's own audit trail. It is a property of the account, not of a centre membership.
"""

from __future__ import annotations

from typing import Any


def is_platform_staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)
