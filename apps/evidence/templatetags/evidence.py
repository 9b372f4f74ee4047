"""Template helpers for portfolios: {% load evidence %}.

- {{ file.content_type|file_type }}: the type as people name it ("Word document", "PDF"),
  from the one mapping in `apps.evidence.filetypes`.
"""

from __future__ import annotations

from django import template

from ..filetypes import type_name

register = template.Library()


@register.filter
def file_type(content_type: str) -> str:
    return type_name(content_type)
