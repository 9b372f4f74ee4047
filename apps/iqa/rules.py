"""A sampling strategy's rules: their shape, the centre's starting template, and checks that say
in words what is wrong. Pure Python: no Django.

The rules as stored (SamplingStrategy.rules):

    {
      "period_months": 3,                     # a plan covers this many months (a term)
      "bands": {                              # per assessor risk band
        "high":   {"learner_share": 100, "unit_share": 50, "interim_share": 50, "observations_per_year": 4},
        "medium": {...}, "low": {...}
      },
      "trainee_first_decision_per_unit": true,   # every trainee's first decision in each unit
      "summative_per_assessor_unit_months": 12,  # ≥ 1 summative sample per assessor × unit in this many months
      "every_learner_before_claim": true,
      "methods_must_cover": ["observation", ...] # Evidence.Method values each assessor's samples must cover
    }

Shares are whole percentages: learner_share of the assessor's learners are sampled each period,
unit_share of each sampled learner's units (at least one), interim_share of the samples interim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BANDS = ("high", "medium", "low")
BAND_WORDS = {"high": "High risk", "medium": "Medium risk", "low": "Low risk"}
BAND_FIELDS = ("learner_share", "unit_share", "interim_share", "observations_per_year")
SHARE_FIELDS = ("learner_share", "unit_share", "interim_share")
METHODS = (
    "work_product", "observation", "witness_testimony", "professional_discussion", "questioning",
    "reflective_account", "rpl", "assignment",
)
TEMPLATE_LABEL = "Centre convention, not an awarding-organisation rule"

# The usual figures in UK centres (no awarding organisation sets an internal sampling rate):
# new and trainee assessors sampled heavily, reducing as they prove reliable; all assessors and
# all units covered summatively within twelve months; every learner sampled before claim.
TEMPLATE: dict[str, Any] = {
    "period_months": 3,
    "bands": {
        "high": {"learner_share": 100, "unit_share": 50, "interim_share": 50, "observations_per_year": 4},
        "medium": {"learner_share": 50, "unit_share": 25, "interim_share": 40, "observations_per_year": 2},
        "low": {"learner_share": 15, "unit_share": 15, "interim_share": 30, "observations_per_year": 1},
    },
    "trainee_first_decision_per_unit": True,
    "summative_per_assessor_unit_months": 12,
    "every_learner_before_claim": True,
    "methods_must_cover": ["observation", "questioning", "witness_testimony", "professional_discussion", "work_product"],
}


@dataclass(frozen=True)
class BandRule:
    learner_share: int
    unit_share: int
    interim_share: int
    observations_per_year: int


@dataclass(frozen=True)
class Rules:
    period_months: int
    bands: dict[str, BandRule]
    trainee_first_decision_per_unit: bool
    summative_per_assessor_unit_months: int
    every_learner_before_claim: bool
    methods_must_cover: tuple[str, ...]

    def band(self, band: str) -> BandRule:
        return self.bands[band]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def errors(rules: Any) -> list[str]:
    """Everything wrong with a set of rules, in words a lead IQA understands; empty when sound."""
    if not isinstance(rules, dict):
        return ["The rules are missing."]
    problems: list[str] = []
    period = rules.get("period_months")
    if not _whole(period) or not 1 <= period <= 12:
        problems.append("The planning period must be a whole number of months from 1 to 12.")
    bands = rules.get("bands")
    if not isinstance(bands, dict) or set(bands) != set(BANDS):
        problems.append("Give rates for each risk band: high, medium and low.")
    else:
        for band in BANDS:
            values = bands[band] if isinstance(bands[band], dict) else {}
            for field in SHARE_FIELDS:
                value = values.get(field)
                if not _whole(value) or not 0 <= value <= 100:
                    problems.append(f"{BAND_WORDS[band]}: {field.replace('_', ' ')} must be a whole percentage from 0 to 100.")
            observations = values.get("observations_per_year")
            if not _whole(observations) or not 0 <= observations <= 52:
                problems.append(f"{BAND_WORDS[band]}: observations a year must be a whole number from 0 to 52.")
        if not problems:
            rates = [bands[band]["learner_share"] for band in BANDS]
            if rates != sorted(rates, reverse=True):
                problems.append("A higher risk band must sample at least as many learners as a lower one.")
    months = rules.get("summative_per_assessor_unit_months")
    if not _whole(months) or not 1 <= months <= 36:
        problems.append("The summative coverage window must be a whole number of months from 1 to 36.")
    for flag in ("trainee_first_decision_per_unit", "every_learner_before_claim"):
        if not isinstance(rules.get(flag), bool):
            problems.append(f"Say yes or no to “{flag.replace('_', ' ')}”.")
    methods = rules.get("methods_must_cover")
    if not isinstance(methods, list) or any(method not in METHODS for method in methods):
        problems.append("Methods to cover must be chosen from the assessment methods Attest knows.")
    return problems


def parse(rules: dict[str, Any]) -> Rules:
    """Rules as typed values; raises ValueError (with the problems) on unsound rules."""
    problems = errors(rules)
    if problems:
        raise ValueError("; ".join(problems))
    return Rules(
        period_months=rules["period_months"],
        bands={band: BandRule(**{field: rules["bands"][band][field] for field in BAND_FIELDS}) for band in BANDS},
        trainee_first_decision_per_unit=rules["trainee_first_decision_per_unit"],
        summative_per_assessor_unit_months=rules["summative_per_assessor_unit_months"],
        every_learner_before_claim=rules["every_learner_before_claim"],
        methods_must_cover=tuple(rules["methods_must_cover"]),
    )
