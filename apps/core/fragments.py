"""Rendered fragments kept in the cache, keyed by what they show.

A long table (a caseload of a hundred learners) costs most of its page in template
rendering, yet between two visits few of its rows change. A fragment here is rendered
from plain values only, and its key is a digest of the template's source and of those
values: a changed value or an edited template is simply a different key, so nothing ever
needs invalidating and a stale fragment cannot be shown. A cache that is down only means
rendering again (apps.core.cache swallows its errors).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
from functools import lru_cache

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

FRAGMENT_TIMEOUT = 60 * 60
_PLAIN = (str, int, float, bool, type(None), datetime.date, datetime.datetime, decimal.Decimal, enum.Enum)


def ensure_plain(value: object, *, path: str = "context") -> None:
    """Refuse anything whose repr would not show all it renders (a model instance, say):
    the key would then miss a change and serve an out-of-date fragment."""
    if isinstance(value, _PLAIN):
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            ensure_plain(getattr(value, f.name), path=f"{path}.{f.name}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            ensure_plain(item, path=f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            ensure_plain(item, path=f"{path}[{key!r}]")
        return
    raise TypeError(f"{path} is a {type(value).__name__}; a cached fragment renders plain values only")


@lru_cache(maxsize=64)
def _source_digest(template_name: str) -> str:
    # Per process: a deploy that edits the template starts new processes.
    return hashlib.sha256(get_template(template_name).template.source.encode()).hexdigest()[:16]


def fragment_key(template_name: str, context: dict[str, object]) -> str:
    ensure_plain(context)
    values = hashlib.sha256(repr(sorted(context.items())).encode()).hexdigest()
    return f"fragment:{template_name}:{_source_digest(template_name)}:{values}"


def render_fragment(template_name: str, context: dict[str, object]) -> SafeString:
    """The template rendered with `context`, from the cache when these values were rendered before."""
    key = fragment_key(template_name, context)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, context)
        cache.set(key, html, FRAGMENT_TIMEOUT)
    return mark_safe(html)  # noqa: S308 - the template's own (escaped) output
