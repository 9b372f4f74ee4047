"""The rules-of-combination engine: does a set of achieved units achieve a qualification?

Pure Python (no Django). Build `QualificationRules.from_canonical(data)` from a catalogue
dict, then `evaluate(rules, [Achieved(unit='01'), Achieved(urn='M/503/0405',
via='credit_transfer')])` returns a `Verdict` with reasons; `describe_rules(rules)` words
every rule for pages that show them.

Fast at a college's scale: each qualification version is compiled once (`compile_rules`,
or `rules.compiled`: indexes, per-unit weights and wording; equal rules share one compiled
form, so rules rebuilt from the database on every request still reuse it), and verdicts
are cached per compiled rules and multiset of achievements (each caller gets a copy).

Semantics (the usual QCF reading, with the ambiguous parts set per qualification by its
`interpretation`):

- A mandatory group (Group.mandatory) needs every unit of the group achieved.
- `credits` and `units` rules count credits or units over the listed groups, or over all
  units of the qualification when groups is None; each has a minimum and/or a maximum.
  Units with no group count only towards all-unit rules.
- The qualification's minimum credits is a rule over all units; it is added when no
  written rule already states it.
- `credits_at_level` counts credits of units at the level or above (`at_or_above`, the
  default) or at exactly that level (`exactly`).
- A maximum under `cap` (the default) limits what counts: units beyond it are left out
  (whole units; credits are never split) and the rule stays met. Under `invalidate`
  everything achieved counts and exceeding the maximum makes the rule unmet.
- Barred sets: at most one unit of each set counts. Units the source prints with the same
  URN are treated alike (a unit counts once), so a URN never counts twice. A unit is known
  by its URN where its own is known; one whose URN is null (a reviewed correction found
  the printed one to be another unit's) is known by its number alone: it shares no URN
  and no credit transfer given by URN matches it.
- Which units count is chosen exactly over the barred choices and capped groups: the
  counting that achieves the qualification if one exists (with most credits among those),
  otherwise the one with most credits; among equals, the one using the earliest units in
  the qualification's order, so the result is deterministic and independent of input
  order. Units that no rule tells apart form one class. The choice never gives up; how it
  stays fast is in `choice.py`.
- An achievement given by unit number is that unit. One given by URN (credit transfer
  from another qualification) matches the unit(s) with that URN; where the source prints
  one URN for several units the search picks the one that helps the learner, and a note
  says so.
- Credit transfer, RPL and exemption count exactly like assessment; the route is kept
  on each counted unit.
- Ignored, each with a reason: units not in the qualification, a URN matching no unit,
  a URN that contradicts the unit number, repeated input, the losing units of barred sets
  and shared URNs, and units left out by a capped maximum.
- Where the source has no rules of combination (rules_in_source false) `achieved` is
  None and `unmet` says it is not determinable; the units are still counted.
"""

from .compiled import CompiledRules, compile_rules
from .describe import NOT_DETERMINABLE, describe_rule, describe_rules
from .evaluation import (
    Achieved,
    CountedUnit,
    RuleStatus,
    Verdict,
    evaluate,
)
from .model import (
    Barred,
    CreditsAtLevelRule,
    CreditsRule,
    Group,
    Interpretation,
    MandatoryRule,
    QualificationRules,
    Rule,
    UnitSpec,
    UnitsRule,
)
from .planning import plan_to_achieve

__all__ = [
    "NOT_DETERMINABLE",
    "Achieved",
    "Barred",
    "CompiledRules",
    "CountedUnit",
    "CreditsAtLevelRule",
    "CreditsRule",
    "Group",
    "Interpretation",
    "MandatoryRule",
    "QualificationRules",
    "Rule",
    "RuleStatus",
    "UnitSpec",
    "UnitsRule",
    "Verdict",
    "compile_rules",
    "describe_rule",
    "describe_rules",
    "evaluate",
    "plan_to_achieve",
]
