"""An assessor's risk band, derived from the facts, with the reasons in words. Pure Python: no Django.

The thresholds are this centre's conventions (no awarding organisation sets them), drawn from
how UK centres usually rate assessors:

- **Status.** A trainee (still working towards the assessor qualification, decisions
  countersigned) or an assessor under development is high risk; someone new to the centre or
  newly qualified is medium; an experienced assessor is low.
- **Disagreement.** The IQAs' signed samples of the assessor's decisions, the last
  `WINDOW` (8) of them, count once there are at least `MIN_SAMPLES` (4): a disagreement in
  `HIGH_RATE` (3 in 8) or more of them is high risk, any disagreement at all medium.
- **Actions.** An action overdue is high risk; an action open (not yet answered) is medium.

The band is the highest any of these gives; every factor is given as a reason, so a reader
sees both why the band is what it is and what keeps it from being lower.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

BANDS = ("high", "medium", "low")  # highest first
_RANK = {band: rank for rank, band in enumerate(reversed(BANDS))}  # low 0, medium 1, high 2

# AssessorProfile.Status values (tests/iqa/test_risk.py holds them equal to the model's).
TRAINEE = "trainee"
NEW_TO_CENTRE = "new_to_centre"
NEWLY_QUALIFIED = "newly_qualified"
EXPERIENCED = "experienced"
UNDER_DEVELOPMENT = "under_development"

# Sample outcomes (Sample.Outcome values): only a disagreement counts against the assessor.
DISAGREE = "disagree"

WINDOW = 8
MIN_SAMPLES = 4
HIGH_RATE = Fraction(3, 8)
QUALIFY_BY_WARNING_DAYS = 90
QUALIFY_WITHIN_MONTHS = 18  # a new trainee's qualify-by date, unless the IQA sets another

STATUS_BAND: dict[str, tuple[str, str]] = {
    TRAINEE: ("high", "Trainee: every first decision sampled"),
    UNDER_DEVELOPMENT: ("high", "Under development: on an action plan"),
    NEW_TO_CENTRE: ("medium", "New to the centre"),
    NEWLY_QUALIFIED: ("medium", "Newly qualified"),
    EXPERIENCED: ("low", "Experienced"),
}


@dataclass(frozen=True)
class Facts:
    status: str
    # Outcomes of the assessor's signed samples, newest first (any number: the last WINDOW count).
    recent_outcomes: tuple[str, ...] = ()
    open_actions: int = 0  # open and not yet overdue, or overdue: every action still with the assessor
    overdue_actions: int = 0  # of those, past their due date


@dataclass(frozen=True)
class Verdict:
    band: str
    reasons: tuple[str, ...]
    counted: int  # samples counted for the disagreement rate (0 when too few to count)
    disagreed: int

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.disagreed, self.counted) if self.counted else None


def higher(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def disagreements(outcomes: tuple[str, ...] | list[str]) -> tuple[int, int] | None:
    """(disagreed, counted) over the last WINDOW samples, or None when fewer than MIN_SAMPLES."""
    recent = list(outcomes)[:WINDOW]
    if len(recent) < MIN_SAMPLES:
        return None
    return sum(1 for outcome in recent if outcome == DISAGREE), len(recent)


def derive(facts: Facts) -> Verdict:
    """The band the facts give, and every reason, in words an IQA would write."""
    if facts.status not in STATUS_BAND:
        raise ValueError(f"Unknown assessor status {facts.status!r}")
    band, words = STATUS_BAND[facts.status]
    reasons = [words]

    counted = disagreed = 0
    measured = disagreements(facts.recent_outcomes)
    if measured is None:
        have = len(facts.recent_outcomes)
        reasons.append(f"{_plural(have, 'signed sample')} so far: too few to judge agreement ({MIN_SAMPLES} needed)")
    else:
        disagreed, counted = measured
        said = f"{disagreed} of the last {counted} samples disagreed"
        if disagreed and Fraction(disagreed, counted) >= HIGH_RATE:
            band = higher(band, "high")
        elif disagreed:
            band = higher(band, "medium")
        else:
            said = f"No disagreement in the last {counted} samples"
        reasons.append(said)

    if facts.overdue_actions:
        band = higher(band, "high")
        reasons.append(f"{_plural(facts.overdue_actions, 'action')} overdue")
    pending = facts.open_actions - facts.overdue_actions
    if pending > 0:
        band = higher(band, "medium")
        reasons.append(f"{_plural(pending, 'action')} open")
    return Verdict(band=band, reasons=tuple(reasons), counted=counted, disagreed=disagreed)


def override_in_force(override_band: str, review_on: date | None, today: date) -> bool:
    """A band set by hand stands until its review date has passed."""
    return bool(override_band) and review_on is not None and review_on >= today


def qualify_by_warning(status: str, qualify_by: date | None, today: date) -> str | None:
    """A trainee close to (or past) the date they must qualify by, in words; None otherwise."""
    if status != TRAINEE or qualify_by is None:
        return None
    days = (qualify_by - today).days
    if days < 0:
        return f"Qualify-by date passed {_plural(-days, 'day')} ago"
    if days <= QUALIFY_BY_WARNING_DAYS:
        return "Qualify-by date is today" if days == 0 else f"Must qualify within {_plural(days, 'day')}"
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
