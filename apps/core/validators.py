"""Validators the forms share: names and titles a reader can see, dates in a sensible range.

The rules for text are `core/text.py`'s (the same as for file names); these turn them into the
form errors shown beside a field.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from .text import name_problem

# The earliest date anyone types into Attest: nobody alive was born before it, and no evidence,
# record, enrolment or expiry is dated before it. An earlier year is a typing slip ("0223").
EARLIEST_DATE = date(1900, 1, 1)


def visible_name(value: str) -> None:
    """A one-line name or title: something to read, with no control or bidirectional characters."""
    problem = name_problem(value, what="This")
    if problem:
        raise ValidationError(problem, code="invisible")


def visible_text(value: str) -> None:
    """Several lines of writing: line breaks are fine, but there must be something to read."""
    problem = name_problem(value, what="This", writing=True)
    if problem:
        raise ValidationError(problem, code="invisible")


def date_from_1900(value: date | None) -> None:
    if value is not None and value < EARLIEST_DATE:
        raise ValidationError(
            f"{value.day} {value:%B} {value.year} is before 1900: check the year (it has four digits, like 2024).",
            code="too_early",
        )
