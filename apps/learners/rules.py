"""Business rules about learners and enrolments that both the forms' services and the CSV
import apply, as pure functions returning a message (None when the rule is met)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.qualifications.models import Qualification

EARLIEST_BIRTH = date(1900, 1, 1)


def long_date(day: date) -> str:
    """'30 September 2022'."""
    return f"{day.day} {day:%B %Y}"


def qualification_name(qualification: Qualification) -> str:
    return f"{qualification.number} {qualification.title.strip()}"


def qualification_closed_reason(qualification: Qualification, today: date, *, unit_count: int) -> str | None:
    """Why this qualification takes no new enrolments today, or None when it does.
    `unit_count` is how many units the catalogue holds for this version: with none there is
    nothing to plan, assess or sign off (a specification that lists no units)."""
    name = qualification_name(qualification)
    if not qualification.is_current:
        return f"{name} (version {qualification.version}) has been replaced by a newer version: enrol on the current one."
    if unit_count == 0:
        return (
            f"{name} cannot be chosen for enrolment: its specification lists no units, so there would be "
            "nothing to plan, assess or sign off. Choose another qualification, or ask platform staff to "
            "import a specification that lists its units."
        )
    if qualification.operational_start is not None and qualification.operational_start > today:
        return f"{name} opens for registrations on {long_date(qualification.operational_start)}: it takes no enrolments before then."
    ended = [
        (end, label)
        for end, label in (
            (qualification.registration_end, "its last date for registrations was"),
            (qualification.operational_end, "its operational end date was"),
        )
        if end is not None and end < today
    ]
    if ended:
        end, label = min(ended)
        return f"{name} no longer takes new enrolments: {label} {long_date(end)}."
    return None


def enrolment_dates_problem(start: date | None, planned_end: date | None) -> str | None:
    if start is not None and planned_end is not None and planned_end < start:
        return (
            f"The planned end date {planned_end:%d/%m/%Y} is before the start date {start:%d/%m/%Y}: "
            "the planned end must be on or after the start."
        )
    return None


def date_of_birth_problem(born: date | None, today: date) -> str | None:
    if born is None:
        return None
    if born > today:
        return f"The date of birth {born:%d/%m/%Y} is in the future."
    if born < EARLIEST_BIRTH:
        return f"The date of birth {born:%d/%m/%Y} is before 1900: check the year."
    return None
