"""Who is acting and from where, for the request being served (set by middleware)."""

from __future__ import annotations

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("attest_request_ip", default=None)


def set_request_ip(ip: str | None):
    return _ip.set(ip)


def reset_request_ip(token) -> None:
    _ip.reset(token)


def request_ip() -> str | None:
    return _ip.get()
