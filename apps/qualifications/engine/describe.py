"""Plain-English wording of rules, shared by verdicts and pages that show rules."""

from __future__ import annotations

from .model import (
    CreditsAtLevelRule,
    CreditsRule,
    MandatoryRule,
    QualificationRules,
    Rule,
)

NOT_DETERMINABLE = "not determinable: the rules of combination are not in the source"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def scope(rules: QualificationRules, groups: tuple[str, ...] | None) -> str:
    """Where a rule counts from: 'in total' or 'from <group titles>'."""
    if groups is None:
        return "in total"
    titles = [(rules.group(gid).title if rules.group(gid) else f"group {gid}") for gid in groups]
    return "from " + join(titles)


def level_phrase(rules: QualificationRules, level: int) -> str:
    if rules.interpretation.level_credits == "exactly":
        return f"at exactly Level {level}"
    return f"at Level {level} or above"


def unit_name(rules: QualificationRules, number: str) -> str:
    unit = rules.unit(number)
    return f"unit {number} {unit.title}" if unit else f"unit {number}"


def describe_rule(rules: QualificationRules, rule: Rule) -> str:
    if isinstance(rule, MandatoryRule):
        group = rules.group(rule.group)
        numbers = [u.number for u in rules.units if u.group == rule.group]
        title = group.title if group else f"group {rule.group}"
        return f"{title}: every unit must be achieved ({join(numbers)})"
    if isinstance(rule, CreditsAtLevelRule):
        return f"At least {plural(rule.min, 'credit')} {level_phrase(rules, rule.level)}"
    word = "credit" if isinstance(rule, CreditsRule) else "unit"
    where = scope(rules, rule.groups)
    if rule.min is not None and rule.max is not None:
        text = f"Between {rule.min} and {plural(rule.max, word)} {where}"
    elif rule.min is not None:
        text = f"At least {plural(rule.min, word)} {where}"
    else:
        text = f"No more than {plural(rule.max or 0, word)} {where}"
    if rule.max is not None:
        text += (
            f" ({word}s beyond the maximum do not count)"
            if rules.interpretation.group_maximum == "cap"
            else f" (taking more {word}s means the rule is not met)"
        )
    return text


def describe_rules(rules: QualificationRules) -> list[str]:
    """Every rule of the qualification in plain English, with the interpretation in force."""
    if not rules.rules_in_source:
        return ["The rules of combination are not in the source, so achievement cannot be determined."]
    out = [describe_rule(rules, rule) for rule in rules.effective_rules()]
    for barred in rules.barred:
        out.append(f"Only one of units {join(list(barred.units))} counts: {barred.text}")
    for urn, numbers in rules.shared_urns():
        out.append(f"Units {join(list(numbers))} are printed with the same URN {urn}, so only one of them counts")
    return out


def shortfall(rules: QualificationRules, rule: Rule, value: int, missing: list[str]) -> list[str]:
    """What a learner still needs for an unmet rule, e.g. '3 more credits from Group B'."""
    if isinstance(rule, MandatoryRule):
        return [f"{unit_name(rules, n)} (mandatory)" for n in missing]
    if isinstance(rule, CreditsAtLevelRule):
        return [f"{plural(rule.min - value, 'more credit')} {level_phrase(rules, rule.level)}"]
    word = "credit" if isinstance(rule, CreditsRule) else "unit"
    where = scope(rules, rule.groups)
    out: list[str] = []
    if rule.min is not None and value < rule.min:
        out.append(f"{plural(rule.min - value, 'more ' + word)} {where}")
    if rule.max is not None and value > rule.max:
        out.append(f"{plural(value - rule.max, word)} over the maximum of {rule.max} {where}")
    return out
