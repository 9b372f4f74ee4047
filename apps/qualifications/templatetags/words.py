"""The specifications' words explained where they appear, from `apps/qualifications/glossary.py`.

- `{% define "credits" %}`: the first time a page uses a word, the word as a definition
  (`<dfn>`) linked to its entry on the glossary page; the text around it gives `{% hint %}`.
- `{% term "credits" %}`: a later use, linked to the glossary only.
- `{% hint "credits" %}`: the short definition, as plain text.

Each takes an optional label ("Minimum credits") in place of the term's name. A key that is
not in the glossary fails the page (and `tests/qualifications/test_glossary.py`).
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.qualifications import glossary

register = template.Library()


def _entry(key: str) -> glossary.Term:
    try:
        return glossary.term(key)
    except KeyError:
        raise template.TemplateSyntaxError(f"“{key}” is not in apps/qualifications/glossary.py") from None


def _link(entry: glossary.Term, label: str | None) -> SafeString:
    text = label or entry.name
    href = f"{reverse('glossary')}#{entry.key}"
    if entry.abbreviation and text == entry.abbreviation:
        return format_html('<a class="term" href="{}"><abbr title="{}">{}</abbr></a>', href, entry.name, text)
    return format_html('<a class="term" href="{}">{}</a>', href, text)


@register.simple_tag
def define(key: str, label: str | None = None) -> SafeString:
    entry = _entry(key)
    return format_html("<dfn>{}</dfn>", _link(entry, label))


@register.simple_tag
def term(key: str, label: str | None = None) -> SafeString:
    return _link(_entry(key), label)


@register.simple_tag
def hint(key: str) -> str:
    return _entry(key).short
