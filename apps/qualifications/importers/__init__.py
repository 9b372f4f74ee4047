"""Specification importers: recognise a layout, parse it, apply its corrections."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .base import (
    FORMAT,
    ImportError_,
    Layout,
    Report,
    apply_field_corrections,
    apply_text_corrections,
    count,
    dump_yaml,
    load_corrections,
    record_corrections,
)

# One module per awarding organisation layout found in the specifications.
_MODULES = ("ncfe", "cg3412", "cg3411", "sfj", "pearson")


def layouts() -> list[Layout]:
    return [import_module(f"{__name__}.{name}").LAYOUT for name in _MODULES]


def detect(text: str) -> Layout:
    found = [layout for layout in layouts() if layout.detect(text)]
    if len(found) != 1:
        names = ", ".join(layout.name for layout in found) or "none"
        raise ImportError_(f"this file is not a specification layout Attest knows (matched: {names})")
    return found[0]


def import_text(text: str, source_name: str) -> tuple[list[dict[str, Any]], Report]:
    """Parse one specification's text into canonical qualification dicts and a report."""
    report = Report(source=source_name)
    corrections = load_corrections(source_name)
    text = apply_text_corrections(text, corrections, report)
    layout = detect(text)
    report.layout = layout.name
    qualifications = layout.parse(text, report)
    apply_field_corrections(qualifications, corrections, report)
    record_corrections(qualifications, corrections)
    return qualifications, report


__all__ = ["FORMAT", "ImportError_", "Report", "count", "dump_yaml", "import_text", "detect", "layouts"]
