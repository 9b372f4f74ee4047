"""Red / amber / green against the learner's plan. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# How far behind the time elapsed a learner may be before the status turns amber, then red.
AMBER_GAP = 0.10
RED_GAP = 0.25


@dataclass(frozen=True)
class Rag:
    colour: str  # "green" | "amber" | "red"
    reason: str


def expected_fraction(start: date, planned_end: date, today: date) -> float:
    """The share of the programme's time that has passed, from 0 to 1."""
    span = (planned_end - start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (today - start).days / span))


def rag_status(*, start: date, planned_end: date, today: date, met: int, total: int) -> Rag:
    done = met / total if total else 0.0
    expected = expected_fraction(start, planned_end, today)
    if done >= 1.0:
        return Rag("green", "all criteria met")
    if today > planned_end:
        return Rag("red", f"past the planned end date ({planned_end:%d %b %Y}) with {round(100 * done)}% met")
    gap = expected - done
    where = f"{round(100 * done)}% met, {round(100 * expected)}% of the time gone"
    if gap > RED_GAP:
        return Rag("red", f"well behind plan: {where}")
    if gap > AMBER_GAP:
        return Rag("amber", f"behind plan: {where}")
    return Rag("green", f"on track: {where}")
