"""The awarding organisation's (AO's) rule for the learners an EQA samples, Attest's proposal of a
sample by it, and how a due date reads. Pure Python: no Django.

Only NCFE publishes a minimum (iqa-sampling.md §1.4): for Direct Claims Status (DCS) after one
review, at least three learners sampled, at least two of them "final" (complete). For the other
AOs in the catalogue no published minimum was found: Attest proposes its own default (at least
three learners, at least one complete) and says so, never passing it off as the AO's.

The proposal is deterministic (a test asserts it): the complete quota first, from complete
learners; then the rest up to the minimum; then one learner for each assessor not yet in the
sample. At each pick the learner who brings the most assessors not yet in the sample wins, then
the one furthest on, then by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

NUMBER_WORDS = {0: "none", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
                8: "eight", 9: "nine", 10: "ten"}
REASON_MAX = 300  # RequestedLearner.reason


def words(n: int) -> str:
    return NUMBER_WORDS.get(n, str(n))


def plural(n: int, one: str, many: str | None = None) -> str:
    return one if n == 1 else (many or one + "s")


# --- the rule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRule:
    awarding_organisation: str
    min_learners: int
    min_complete: int
    published: bool  # the AO's own rule; False for Attest's default
    words: str  # the rule as the EQA reads it

    @property
    def source(self) -> str:
        return self.awarding_organisation if self.published else "Attest"


NCFE = "NCFE"


def rule_for(awarding_organisation: str) -> SampleRule:
    """The sampling rule Attest proposes by for this AO."""
    if awarding_organisation == NCFE:
        return SampleRule(
            awarding_organisation=NCFE, min_learners=3, min_complete=2, published=True,
            words=("NCFE's rule for Direct Claims Status: at least three learners sampled, at least two of them "
                   "complete (\u201cfinal\u201d)."),
        )
    return SampleRule(
        awarding_organisation=awarding_organisation, min_learners=3, min_complete=1, published=False,
        words=(f"Attest's default, not {awarding_organisation}'s rule (no published minimum from "
               f"{awarding_organisation} was found): at least three learners sampled, at least one of them complete."),
    )


# --- the learners in scope and the proposal ----------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A learner the EQA may sample, as plain values."""

    id: int  # the enrolment's id
    name: str
    assessor_ids: tuple[int, ...]
    units_done: int
    units_total: int
    complete: bool
    criteria_share: float = 0.0  # of the criteria met: "further on" between learners level on units

    @property
    def share(self) -> float:
        """How far on: the whole way when complete, else the units signed off of those planned."""
        if self.complete:
            return 1.0
        return self.units_done / self.units_total if self.units_total else 0.0


def progress_words(c: Candidate) -> str:
    """'complete: all units signed off', or 'in progress: 4 of 9 units' (signed off)."""
    if c.complete:
        return "complete: all units signed off"
    return f"in progress: {c.units_done} of {c.units_total} {plural(c.units_total, 'unit')}"


@dataclass(frozen=True)
class Pick:
    id: int
    name: str
    reason: str


@dataclass(frozen=True)
class Proposal:
    rule: SampleRule
    picks: tuple[Pick, ...]
    met: bool
    shortfall: str  # why the rule cannot be met in this scope; "" when it is

    @property
    def ids(self) -> list[int]:
        return [p.id for p in self.picks]


def _best(pool: list[Candidate], covered: set[int]) -> Candidate:
    """Most assessors not yet in the sample, then furthest on, then by name (then id: stable)."""
    return min(pool, key=lambda c: (-len(set(c.assessor_ids) - covered), -c.share, -c.criteria_share,
                                    c.name.casefold(), c.id))


def _reason(c: Candidate, new_assessors: Sequence[int], names: Mapping[int, str], quota: str) -> str:
    parts = [progress_words(c)]
    if quota:
        parts.append(quota)
    named = [names.get(a, "") for a in new_assessors]
    named = sorted(n for n in named if n)
    if named:
        parts.append(f"{plural(len(named), 'assessor')} {' and '.join(named)} not yet in the sample")
    return "; ".join(parts)[:REASON_MAX]


def shortfall(rule: SampleRule, learners: int, complete: int) -> str:
    """Why a sample (or a scope) of this many learners, so many complete, falls short; "" when not."""
    who = rule.awarding_organisation if rule.published else "Attest's default"
    if learners < rule.min_learners:
        return (f"only {learners} {plural(learners, 'learner')} in scope; {who} asks for at least "
                f"{words(rule.min_learners)}")
    if complete < rule.min_complete:
        return (f"only {complete} complete {plural(complete, 'learner')} in scope; {who} asks for at least "
                f"{words(rule.min_complete)} of the sample to be complete")
    return ""


def propose(candidates: Iterable[Candidate], rule: SampleRule,
            assessor_names: Mapping[int, str] | None = None) -> Proposal:
    """Attest's proposal of a sample by the rule, each learner with why it was chosen."""
    names = assessor_names or {}
    everyone = sorted(candidates, key=lambda c: c.id)
    pool = list(everyone)
    covered: set[int] = set()
    picks: list[Pick] = []
    quota_words = (f"counts towards the {words(rule.min_complete)} complete "
                   f"{plural(rule.min_complete, 'learner')} {rule.source} asks for")

    def take(c: Candidate, quota: str) -> None:
        new = sorted(set(c.assessor_ids) - covered)
        covered.update(c.assessor_ids)
        picks.append(Pick(id=c.id, name=c.name, reason=_reason(c, new, names, quota)))
        pool.remove(c)

    for _ in range(rule.min_complete):
        complete = [c for c in pool if c.complete]
        if not complete:
            break
        take(_best(complete, covered), quota_words)
    while len(picks) < rule.min_learners and pool:
        take(_best(pool, covered), "")
    # Every assessor's decisions in the sample: one more learner for each assessor still missing.
    while pool:
        bringing = [c for c in pool if set(c.assessor_ids) - covered]
        if not bringing:
            break
        take(_best(bringing, covered), "")
    # Measured against the whole scope: a proposal short of the rule is short because the scope is.
    why = shortfall(rule, len(everyone), sum(1 for c in everyone if c.complete))
    return Proposal(rule=rule, picks=tuple(picks), met=not why, shortfall=why)


def check(chosen: Sequence[Candidate], rule: SampleRule) -> str:
    """Whether a sample the EQA picked by hand meets the rule: "" when it does, else why not."""
    return shortfall(rule, len(chosen), sum(1 for c in chosen if c.complete)).replace(" in scope", " in the sample")


# --- dates in words ------------------------------------------------------------------------------


def due_words(due_on: date, today: date, *, done: bool = False) -> str:
    """'due today', 'due in 5 days', 'overdue by 2 days' (or '' once done)."""
    if done:
        return ""
    days = (due_on - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 1:
        return f"due in {days} days"
    return f"overdue by {-days} {plural(-days, 'day')}"
