"""The words of the specifications, in plain language: each term once, here.

The hints beside a word on the catalogue pages, the unit plan and the enrolment form
(`{% load words %}`: `define`, `term`, `hint`) and the glossary page read the same entries,
so a hint and the glossary never disagree. Plain data: no Django.

`short` is one or two sentences, shown beside the word the first time a page uses it and as
the glossary's first lines; `more` (optional) follows it on the glossary page only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    key: str  # the anchor on the glossary page: /catalogue/glossary/#<key>
    name: str  # as a heading: "Guided learning hours"
    short: str
    more: str = ""
    abbreviation: str = ""  # "GLH", as the specifications print it


TERMS: tuple[Term, ...] = (
    Term(
        key="level",
        name="Level",
        short="How demanding a qualification or unit is, from Entry level and level 1 up to level 8. "
        "Level 2 is about as demanding as a GCSE at grades 9 to 4, level 3 as an A level.",
        more="A qualification at one level can include units at other levels; some rules of combination ask for "
        "a number of credits at a level or above it.",
    ),
    Term(
        key="credits",
        name="Credits",
        short="How big a unit is: one credit stands for about ten hours of learning. "
        "A qualification asks for at least a number of credits from its units.",
        more="A unit's credits count towards the qualification once the unit is achieved. Credit from a unit "
        "achieved elsewhere can count too (see units achieved elsewhere).",
    ),
    Term(
        key="glh",
        name="Guided learning hours",
        abbreviation="GLH",
        short="The hours a learner spends learning with a tutor, trainer or assessor guiding or supervising them, "
        "being assessed included.",
        more="Time spent studying alone is not counted here: it is part of the total qualification time.",
    ),
    Term(
        key="tqt",
        name="Total qualification time",
        abbreviation="TQT",
        short="All the time a learner is expected to need to achieve the qualification: the guided learning hours "
        "plus the time spent studying, practising and preparing on their own.",
    ),
    Term(
        key="rules-of-combination",
        name="Rules of combination",
        short="The rules that say which units a learner must achieve to get the qualification: "
        "the mandatory units, how many credits or units from each optional group, and the total.",
        more="Attest checks a learner's unit plan against these rules and says what is still needed. Where a "
        "specification leaves a rule unclear, the qualification's page says how Attest reads it.",
    ),
    Term(
        key="mandatory",
        name="Mandatory units",
        short="Units every learner must achieve to get the qualification. A mandatory group is a group of them.",
        more="Attest puts the mandatory units in every learner's unit plan; they cannot be taken out.",
    ),
    Term(
        key="optional",
        name="Optional units",
        short="Units a learner chooses from. An optional group may ask for at least, or allow at most, "
        "a number of credits or units from it.",
        more="Learners and centre admins choose the optional units in the unit plan.",
    ),
    Term(
        key="barred",
        name="Barred units",
        short="Units that cover so much of the same ground that only one of them counts towards the qualification, "
        "even if the learner achieves both.",
        more="Where a learner has achieved both, Attest counts the one that helps them more.",
    ),
    Term(
        key="urn",
        name="Unit reference number",
        abbreviation="URN",
        short="The number a unit is registered under, such as T/503/0342. "
        "The same unit can be part of several qualifications under the same number.",
        more="A unit achieved in one qualification counts in another with the same reference number, "
        "through credit transfer.",
    ),
    Term(
        key="unit-plan",
        name="Unit plan",
        short="The units a learner means to achieve: the mandatory units and the optional units they choose.",
        more="Attest checks the plan against the rules of combination and says whether it can achieve the "
        "qualification.",
    ),
    Term(
        key="achieved-elsewhere",
        name="Units achieved elsewhere",
        short="Units that count without being assessed here: by credit transfer (achieved before, in another "
        "qualification or at another centre), recognition of prior learning (RPL) or an exemption.",
        more="Recognition of prior learning means the learner shows they already have the knowledge and skills, "
        "from work or life, instead of being taught and assessed again. Centre admins record these units.",
    ),
    Term(
        key="learning-outcome",
        name="Learning outcome",
        short="What a learner will know or be able to do after a unit, such as “1. Be able to handle calls”.",
        more="Each learning outcome is shown by its assessment criteria.",
    ),
    Term(
        key="assessment-criterion",
        name="Assessment criterion",
        short="One thing the learner must show they can do, numbered under its learning outcome, such as 1.1. "
        "A unit is achieved when every criterion is met and the assessor signs it off.",
    ),
    Term(
        key="evidence-requirements",
        name="Evidence requirements",
        short="What the evidence for a unit must show beyond its criteria, such as work seen in a real workplace.",
    ),
)

BY_KEY: dict[str, Term] = {term.key: term for term in TERMS}


def term(key: str) -> Term:
    """The entry for this key; a key that is not here is a mistake in a template (KeyError)."""
    return BY_KEY[key]


def alphabetical() -> list[Term]:
    return sorted(TERMS, key=lambda t: t.name.casefold())
