"""A plan that achieves a qualification: what demo learners and the benchmark's college start from."""

from __future__ import annotations

from collections.abc import Iterable

from .compiled import CompiledRules
from .evaluation import Achieved, evaluate
from .model import QualificationRules


def plan_to_achieve(
    rules: QualificationRules | CompiledRules, chosen: Iterable[str], candidates: Iterable[str]
) -> list[str]:
    """Unit numbers: those already chosen, then each candidate in turn that adds credit that
    counts, until the plan achieves the qualification or the candidates run out."""
    plan = list(chosen)
    for number in candidates:
        verdict = evaluate(rules, [Achieved(unit=u) for u in plan])
        if verdict.achieved is not False:
            break
        if number in plan:
            continue
        trial = evaluate(rules, [Achieved(unit=u) for u in [*plan, number]])
        if number in trial.counted_units and trial.credits > verdict.credits:
            plan.append(number)
    return plan
