"""Importer for NCFE qualification specifications.

The layout: a cover ("Qualification Specification", the title and number),
Section 1 (overview facts, rules of combination, group tables, barred units),
Section 2 (one block per unit: "Unit 01 Title (URN)", a small table of summary,
GLH, credit, level and mandatory/optional, then "The learner will:" outcomes and
"The learner can:" criteria as bullets), Section 3 (assessment).

Page breaks repeat the unit heading with "(cont'd)"; the parser treats any
heading with the current unit's number as a continuation and reports the odd
ones. Outcomes and criteria are told apart by their numbers ("2" against "2.1"),
not by the "will/can" lead-ins, which the source sometimes swaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .base import FORMAT, ImportError_, Layout, Report, clean

AO = "NCFE"
_URN = r"[A-Z]/\d{3}/\d{4}"
_HEADING = re.compile(rf"^Unit (\d{{2}}) (.+?) \(({_URN})\)( \(cont'd\))?$")
_HEADING_START = re.compile(r"^Unit \d{2} \S")
# What a wrapped unit heading leaves on its second line: "(URN) (cont'd)" or "(cont'd)".
_WRAPPED_TAIL = re.compile(rf"^(\(({_URN})\) )?\(cont'd\)$|^\(({_URN})\)$")
_OUTCOME = re.compile(r"^-\s*(\d+) (.+)$")
_CRITERION = re.compile(r"^-\s*(\d+)\.(\d+) (.+)$")
_META = re.compile(r"^(Unit summary|Guided learning hours|Credit value|Level|Mandatory/optional) (.+)$")
_TABLE_RULE = re.compile(r"^-{3,}( -{2,})*$")
_BARRED_HEAD = re.compile(rf"^Barred units for (.+?) \(({_URN})\)$")
_BARRED_ITEM = re.compile(rf"^- (?:Unit (title )?(\d{{2}}) )?(.+?) \(({_URN})\)$")
_GROUP_HEAD = re.compile(r"^Group ([A-Z]) (mandatory|optional) units( \(cont'd\))?$")
_GROUP_ROW = re.compile(r"^Unit (\d{2}) (.+?) (\d+) credits?$")
_PAIR = re.compile(
    rf"^- Unit (\d{{2}}) (.+?) \(({_URN})\) is barred against Unit (\d{{2}}) (.+?) \(({_URN})\)$"
)
# Outcomes that only ask the learner to know or understand something.
_KNOWLEDGE_OUTCOME = re.compile(r"^(Understand|Know)\b")


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the source, for warnings
    raw: str
    text: str  # clean()ed


@dataclass
class BarredNote:
    """A unit's own "Barred units for ..." block, kept only to cross-check Section 1."""

    line: int
    head_title: str
    head_urn: str
    items: list[tuple[int, str | None, str, str, bool]] = field(default_factory=list)


@dataclass
class UnitDraft:
    number: str
    urn: str
    title: str
    line: int
    meta: dict[str, str] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    barred: list[BarredNote] = field(default_factory=list)


# --- detection -------------------------------------------------------------------


def detect(text: str) -> bool:
    """An NCFE specification: its cover, its unit tables and its "Unit 01 ... (URN)" headings."""
    return (
        "NCFE" in text
        and "Qualification Specification" in text
        and "Mandatory/optional" in text
        and re.search(rf"^\**Unit 01 .+\(({_URN})\)", text, re.M) is not None
    )


# --- lines and sections -------------------------------------------------------------


def _lines(text: str) -> list[Line]:
    return [Line(i, raw, clean(raw)) for i, raw in enumerate(text.splitlines(), 1)]


def _index(lines: list[Line], heading: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if lines[i].text == heading:
            return i
    raise ImportError_(f"NCFE layout: no {heading!r} heading found")


def _between(lines: list[Line], first: str, last: str) -> list[Line]:
    # The contents page prints "Section 2 16"; only the bare heading starts a section.
    start = _index(lines, first)
    return lines[start + 1 : _index(lines, last, start + 1)]


def _block(lines: list[Line], heading: str, stop: re.Pattern[str]) -> list[Line]:
    """The lines after `heading` up to the first line matching `stop`."""
    start = _index(lines, heading) + 1
    end = next((i for i in range(start, len(lines)) if stop.match(lines[i].text)), len(lines))
    return lines[start:end]


def _first(lines: list[Line], pattern: str) -> re.Match[str] | None:
    compiled = re.compile(pattern)
    return next((m for line in lines if (m := compiled.match(line.text))), None)


# --- Section 1: the qualification -------------------------------------------------------


def _number(section1: list[Line]) -> str:
    found = _first(section1, r"^Qualification number \(QN\) (\d{3}/\d{4}/[\dX])$")
    if not found:
        raise ImportError_("NCFE layout: no qualification number (QN) in Section 1")
    return found.group(1)


def _title(lines: list[Line], number: str) -> str:
    """The cover title, which the PDF wraps over two lines ending "(number)"."""
    start = _index(lines, "Qualification Specification") + 1
    parts: list[str] = []
    for line in lines[start : start + 6]:
        if line.text:
            parts.append(line.text)
        if line.text.endswith(f"({number})"):
            return " ".join(parts)[: -len(f"({number})")].strip()
    raise ImportError_(f"NCFE layout: no cover title ending ({number})")


def _int(section: list[Line], pattern: str) -> int | None:
    found = _first(section, pattern)
    return int(found.group(1)) if found else None


def _glh(section1: list[Line]) -> dict[str, int] | None:
    found = _first(section1, r"^Guided learning hours \(GLH\):? (\d+)(?: ?[–-] ?(\d+))?$")
    if not found:
        return None
    low = int(found.group(1))
    return {"min": low, "max": int(found.group(2) or low)}


def _edition(lines: list[Line]) -> str | None:
    found = _first(lines, r"^(Issue \d+ [A-Z][a-z]+ \d{4})$")
    return found.group(1) if found else None


_DATE_KEYS = {
    "operational start": "operational_start",
    "operational end": "operational_end",
    "registration end": "registration_end",
    "certification end": "certification_end",
}
_DATE = re.compile(
    r"(operational start|operational end|registration end|certification end) date:? "
    r"(\d{1,2} [A-Z][a-z]+ \d{4}|\d{2}/\d{2}/\d{4})",
    re.I,
)


def _dates(lines: list[Line]) -> dict[str, str | None]:
    """Dates printed in "Qualification dates"; NCFE often prints only how dates work."""
    dates: dict[str, str | None] = {key: None for key in _DATE_KEYS.values()}
    section = _block(lines, "Qualification dates", re.compile(r"^Staffing requirements$"))
    for line in section:
        for label, value in _DATE.findall(line.text):
            dates[_DATE_KEYS[label.lower()]] = _iso(value)
    return dates


def _iso(value: str) -> str:
    fmt = "%d/%m/%Y" if "/" in value else "%d %B %Y"
    return datetime.strptime(value, fmt).date().isoformat()


# --- Section 1: rules of combination -------------------------------------------------------


def _rule_lines(section1: list[Line]) -> list[Line]:
    block = _block(section1, "Achieving this qualification", _GROUP_HEAD)
    return [line for line in block if line.text]


def _rules_text(rule_lines: list[Line]) -> str | None:
    # One line per sentence or bullet, bullet marks dropped.
    return "\n".join(line.text.removeprefix("- ") for line in rule_lines) or None


def _rules(rule_lines: list[Line], groups: list[dict[str, Any]], report: Report) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    figures: dict[str, int] = {}
    for line in rule_lines:
        rule = _rule(line.text, figures)
        if rule is not None:
            rules.append(rule)
        elif "credit" in line.text and not _is_remaining(line.text):
            report.warn(f"rules of combination (line {line.no}): sentence not understood: {line.text!r}")
    _check_remaining(rule_lines, figures, report)
    known = {g["id"] for g in groups}
    for rule in rules:
        for gid in rule.get("groups") or []:
            if gid not in known:
                report.warn(f"rules of combination: rule names group {gid}, which has no unit table")
    return rules


def _rule(sentence: str, figures: dict[str, int]) -> dict[str, Any] | None:
    """One sentence of the rules as a structured rule, or None."""
    if m := re.search(r"must achieve a minimum of (\d+) credits", sentence):
        figures["total"] = int(m.group(1))
        return {"type": "credits", "groups": None, "min": int(m.group(1))}
    if m := re.search(r"a total of (\d+) credits from the mandatory units in Group ([A-Z])", sentence):
        figures["mandatory"] = int(m.group(1))
        return {"type": "credits", "groups": [m.group(2)], "min": int(m.group(1))}
    if m := re.search(r"a minimum of (\d+) credits from the optional units in Group ([A-Z])", sentence):
        figures["optional"] = figures.get("optional", 0) + int(m.group(1))
        return {"type": "credits", "groups": [m.group(2)], "min": int(m.group(1))}
    if m := re.search(r"At least (\d+) credits must be at Level (\d)", sentence):
        return {"type": "credits_at_level", "level": int(m.group(2)), "min": int(m.group(1))}
    return None


def _is_remaining(sentence: str) -> bool:
    return re.search(r"the remaining \d+ credits can come from", sentence) is not None


def _check_remaining(rule_lines: list[Line], figures: dict[str, int], report: Report) -> None:
    """ "The remaining N credits" adds no constraint of its own (the minimum total and the
    mandatory group already imply it), so it is kept in rules_text and checked, not made a rule."""
    for line in rule_lines:
        m = re.search(r"the remaining (\d+) credits can come from", line.text)
        if not m:
            continue
        total = figures.get("mandatory", 0) + figures.get("optional", 0) + int(m.group(1))
        if total != figures.get("total"):
            report.warn(
                f"rules of combination (line {line.no}): the parts add up to {total} credits, "
                f"not the minimum of {figures.get('total')}"
            )


# --- Section 1: group tables and barred pairs -------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A row of a group table: which group a unit is in, and its title and credit there."""

    group: str
    title: str
    credits: int
    line: int


def _structure(section1: list[Line], report: Report) -> tuple[list[dict[str, Any]], dict[str, Listed]]:
    groups: list[dict[str, Any]] = []
    listed: dict[str, Listed] = {}
    current: str | None = None
    for line in section1:
        if head := _GROUP_HEAD.match(line.text):
            current = head.group(1)
            if all(g["id"] != current for g in groups):  # "(cont'd)" repeats a group's heading
                groups.append(_group(head))
        elif (row := _GROUP_ROW.match(line.text)) and current is not None:
            number = row.group(1)
            if number in listed:
                report.warn(f"group tables (line {line.no}): unit {number} listed twice; first listing kept")
                continue
            listed[number] = Listed(current, row.group(2), int(row.group(3)), line.no)
        elif line.text.startswith("The learning outcomes and assessment criteria"):
            current = None  # end of the group tables
    return groups, listed


def _group(head: re.Match[str]) -> dict[str, Any]:
    return {
        "id": head.group(1),
        "title": f"Group {head.group(1)} {head.group(2)} units",
        "mandatory": head.group(2) == "mandatory",
    }


def _barred(section1: list[Line], units: dict[str, UnitDraft], report: Report) -> list[dict[str, Any]]:
    block = _block(section1, "Barred units", re.compile(r"^Qualifications and awards with simulation"))
    barred: list[dict[str, Any]] = []
    for line in block:
        if not (m := _PAIR.match(line.text)):
            if line.text.startswith("- "):
                report.warn(f"barred units (line {line.no}): item not understood: {line.text!r}")
            continue
        for number, title, urn in (m.group(1, 2, 3), m.group(4, 5, 6)):
            _check_named(f"barred units (line {line.no})", number, title, urn, units, report)
        barred.append({"units": [m.group(1), m.group(4)], "text": line.text.removeprefix("- ")})
    return barred


def _check_named(
    where: str, number: str, title: str, urn: str, units: dict[str, UnitDraft], report: Report
) -> None:
    unit = units.get(number)
    if unit is None:
        report.warn(f"{where}: names unit {number}, which has no unit content")
        return
    if urn != unit.urn:
        report.warn(f"{where}: unit {number} printed with URN {urn}, but its heading gives {unit.urn}")
    if title != unit.title:
        report.warn(f"{where}: unit {number} printed as {title!r}, but its heading gives {unit.title!r}")


# --- Section 2: units -----------------------------------------------------------------------


def _join_headings(section2: list[Line]) -> list[Line]:
    """Rejoin unit headings the PDF wrapped before "(URN) (cont'd)"."""
    out: list[Line] = []
    for line in section2:
        prev = out[-1] if out else None
        if prev is not None and _HEADING_START.match(prev.text) and _WRAPPED_TAIL.match(line.text):
            out[-1] = Line(prev.no, f"{prev.raw}\n{line.raw}", f"{prev.text} {line.text}")
            continue
        out.append(line)
    return out


class _UnitReader:
    """Walks Section 2 line by line and collects one UnitDraft per unit number."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.units: list[UnitDraft] = []
        self.lead_in: str | None = None  # "will" or "can": the last lead-in seen
        self.lead_in_line = 0
        self.barred: BarredNote | None = None  # set while inside a "Barred units for" block
        self.table_rules: list[int] = []

    @property
    def unit(self) -> UnitDraft | None:
        return self.units[-1] if self.units else None

    def where(self, line: Line, outcome: str | None = None) -> str:
        unit = f"unit {self.unit.number}" if self.unit else "before unit 01"
        return f"{unit}{f' outcome {outcome}' if outcome else ''} (line {line.no})"

    def read(self, lines: list[Line]) -> list[UnitDraft]:
        for line in lines:
            self.line(line)
        self.flush_table_rules()
        return self.units

    def line(self, line: Line) -> None:
        text = line.text
        if not text or text == "-":
            return  # blank lines and the PDF's empty list items
        if head := _HEADING.match(text):
            self.heading(line, head)
        elif self.unit is None:
            return  # Section 2's introduction, before the first unit
        elif _TABLE_RULE.match(text):
            self.table_rules.append(line.no)
        elif text in ("The learner will:", "The learner can:"):
            self.lead_in = text.split()[-1].rstrip(":")
            self.lead_in_line = line.no
            self.barred = None
        elif meta := _META.match(text):
            self.meta(line, meta)
        elif crit := _CRITERION.match(text):
            self.criterion(line, crit)
        elif outcome := _OUTCOME.match(text):
            self.outcome(line, outcome)
        elif not self.barred_line(line):
            self.report.warn(f"{self.where(line)}: unrecognised line skipped: {text!r}")

    # headings ------------------------------------------------------------------------

    def heading(self, line: Line, head: re.Match[str]) -> None:
        number, title, urn, contd = head.groups()
        self.barred = None
        self.flush_table_rules()
        if "**" in line.raw:
            self.report.warn(f"unit {number} (line {line.no}): markdown bold markers around the heading removed")
        if self.unit is not None and self.unit.number == number:
            self.continuation(line, title, urn, contd)
            return
        if contd:
            self.report.warn(f"unit {number} (line {line.no}): first heading of the unit is marked (cont'd)")
        self.check_sequence(line, number)
        self.units.append(UnitDraft(number, urn, title, line.no))
        self.lead_in = None

    def continuation(self, line: Line, title: str, urn: str, contd: str | None) -> None:
        unit = self.unit
        assert unit is not None
        if not contd:
            self.report.warn(f"unit {unit.number} (line {line.no}): page heading repeated without (cont'd)")
        if title != unit.title:
            self.report.warn(
                f"unit {unit.number} (line {line.no}): page heading prints the title as {title!r}; "
                f"the unit heading's {unit.title!r} is kept"
            )
        if urn != unit.urn:
            self.report.warn(f"unit {unit.number} (line {line.no}): page heading prints URN {urn}, not {unit.urn}")

    def check_sequence(self, line: Line, number: str) -> None:
        expected = int(self.unit.number) + 1 if self.unit else 1
        if int(number) != expected:
            self.report.warn(f"unit {number} (line {line.no}): expected unit {expected:02d} next")

    def flush_table_rules(self) -> None:
        if self.table_rules and self.unit is not None:
            lines = ", ".join(str(n) for n in self.table_rules)
            self.report.warn(
                f"unit {self.unit.number}: unit table printed with markdown row rules (lines {lines}); rules ignored"
            )
        self.table_rules = []

    # unit facts -------------------------------------------------------------------------

    def meta(self, line: Line, meta: re.Match[str]) -> None:
        unit = self.unit
        assert unit is not None
        label, value = meta.groups()
        if label in unit.meta:
            self.report.warn(f"{self.where(line)}: {label!r} printed twice; first value kept")
            return
        if label == "Unit summary" and not line.raw.startswith("Unit summary\t"):
            self.report.warn(f"{self.where(line)}: unit summary not set in its table cell; read as the summary")
        unit.meta[label] = value

    # outcomes and criteria --------------------------------------------------------------

    def outcome(self, line: Line, m: re.Match[str]) -> None:
        unit = self.unit
        assert unit is not None
        number, title = m.groups()
        if self.lead_in != "will":
            self.report.warn(
                f"{self.where(line, number)}: outcome printed after {self.lead_in_text()} "
                "instead of 'The learner will:'; read as an outcome by its number"
            )
        if any(o["number"] == number for o in unit.outcomes):
            self.report.warn(f"{self.where(line, number)}: outcome number printed twice; kept as printed")
        elif unit.outcomes and int(number) != int(unit.outcomes[-1]["number"]) + 1:
            self.report.warn(f"{self.where(line, number)}: outcome numbers jump from {unit.outcomes[-1]['number']}")
        unit.outcomes.append({"number": number, "title": title, "criteria": []})

    def criterion(self, line: Line, m: re.Match[str]) -> None:
        unit = self.unit
        assert unit is not None
        if not unit.outcomes:
            raise ImportError_(f"{self.where(line)}: criterion {m.group(0)!r} before any outcome")
        outcome = unit.outcomes[-1]
        number = f"{m.group(1)}.{m.group(2)}"
        if self.lead_in != "can" and self.lead_in_line:
            self.report.warn(
                f"{self.where(line, outcome['number'])}: criteria printed after {self.lead_in_text()} "
                f"(line {self.lead_in_line}) instead of 'The learner can:'; read as criteria by their numbers"
            )
            self.lead_in_line = 0  # once per list of criteria
        self.check_criterion_number(line, outcome, m)
        outcome["criteria"].append({"number": number, "text": m.group(3)})

    def lead_in_text(self) -> str:
        return f"'The learner {self.lead_in}:'" if self.lead_in else "no lead-in"

    def check_criterion_number(self, line: Line, outcome: dict[str, Any], m: re.Match[str]) -> None:
        where = self.where(line, outcome["number"])
        number = f"{m.group(1)}.{m.group(2)}"
        if m.group(1) != outcome["number"]:
            self.report.warn(f"{where}: criterion {number} printed under outcome {outcome['number']}")
        numbers = [c["number"] for c in outcome["criteria"]]
        if number in numbers:
            self.report.warn(f"{where}: criterion number {number} printed twice; kept as printed")
        elif numbers and numbers[-1] and int(m.group(2)) != int(numbers[-1].split(".")[-1]) + 1:
            self.report.warn(f"{where}: criterion numbers jump from {numbers[-1]} to {number}")

    # a unit's own barred-units block ----------------------------------------------------

    def barred_line(self, line: Line) -> bool:
        unit = self.unit
        assert unit is not None
        if head := _BARRED_HEAD.match(line.text):
            self.barred = BarredNote(line.no, head.group(1), head.group(2))
            unit.barred.append(self.barred)
            return True
        if self.barred is None:
            return False
        if line.text.startswith("This unit is barred against"):
            return True
        if item := _BARRED_ITEM.match(line.text):
            titled, number, title, urn = item.groups()
            self.barred.items.append((line.no, number, title, urn, bool(titled)))
            return True
        return False


# --- cross-checks between the sections ---------------------------------------------------------


def _check_unit_barred(drafts: dict[str, UnitDraft], barred: list[dict[str, Any]], report: Report) -> None:
    """Each unit's own barred block should agree with Section 1's list; say where it does not."""
    pairs = {frozenset(b["units"]) for b in barred}
    by_urn = {u.urn: u for u in drafts.values()}
    for unit in drafts.values():
        for note in unit.barred:
            where = f"unit {unit.number} barred units (line {note.line})"
            if note.head_urn != unit.urn or note.head_title != unit.title:
                report.warn(
                    f"{where}: heading names {note.head_title} ({note.head_urn}), not this unit ({unit.urn})"
                )
            for item in note.items:
                _check_barred_item(where, unit, item, drafts, by_urn, pairs, report)


def _check_barred_item(
    where: str,
    unit: UnitDraft,
    item: tuple[int, str | None, str, str, bool],
    drafts: dict[str, UnitDraft],
    by_urn: dict[str, UnitDraft],
    pairs: set[frozenset[str]],
    report: Report,
) -> None:
    line, number, title, urn, titled = item
    if titled:
        report.warn(f"{where}: item printed as 'Unit title {number}' (line {line}); read as unit {number}")
    # The printed unit number wins over the URN: a unit is keyed by its number.
    partner = drafts.get(number) if number else by_urn.get(urn)
    if partner is None:
        report.warn(f"{where}: barred unit {title} ({urn}) (line {line}) matches no unit")
        return
    if urn != partner.urn:
        report.warn(f"{where}: unit {partner.number} printed with URN {urn} (line {line}), its own is {partner.urn}")
    if title != partner.title:
        report.warn(
            f"{where}: unit {partner.number} printed as {title!r} (line {line}), its own title is {partner.title!r}"
        )
    if frozenset((unit.number, partner.number)) not in pairs:
        report.warn(f"{where}: units {unit.number} and {partner.number} are not a barred pair in Section 1")


def _check_listing(
    draft: UnitDraft, listed: Listed | None, groups: dict[str, dict[str, Any]], report: Report
) -> None:
    where = f"unit {draft.number} (line {draft.line})"
    if listed is None:
        report.warn(f"{where}: not in any group table; group left null")
        return
    if listed.title != draft.title:
        report.warn(f"{where}: group table (line {listed.line}) prints the title as {listed.title!r}")
    credits = _meta_int(draft, "Credit value")
    if listed.credits != credits:
        report.warn(f"{where}: group table (line {listed.line}) gives {listed.credits} credits, the unit {credits}")
    printed = draft.meta.get("Mandatory/optional", "").lower()
    expected = "mandatory" if groups[listed.group]["mandatory"] else "optional"
    if printed != expected:
        report.warn(f"{where}: unit says {printed or 'nothing'!r} but sits in group {listed.group} ({expected})")


def _check_mandatory_credits(qual: dict[str, Any], report: Report) -> None:
    """A mandatory group's credit figure should be what its units add up to; only then is
    the "remaining credits" sentence implied by the other rules."""
    mandatory = {g["id"] for g in qual["groups"] if g["mandatory"]}
    for rule in qual["rules"]:
        if rule["type"] != "credits" or rule["groups"] is None or len(rule["groups"]) != 1:
            continue
        (gid,) = rule["groups"]
        total = sum(u["credits"] or 0 for u in qual["units"] if u["group"] == gid)
        if gid in mandatory and total != rule["min"]:
            report.warn(f"rules of combination: group {gid}'s units add up to {total} credits, not {rule['min']}")


def _meta_int(draft: UnitDraft, label: str) -> int | None:
    value = draft.meta.get(label)
    return int(value) if value and value.isdigit() else None


# --- assessment and kind --------------------------------------------------------------------------

# Sentences that state how every unit of the qualification is assessed.
_ASSESSMENT_SENTENCES = (
    "A competence-based qualification must be assessed",
    "This qualification must be assessed in line with",
    "Evidence may be drawn from actual or simulated situations",
)


def _assessment_notes(lines: list[Line], report: Report) -> list[str]:
    notes: list[str] = []
    for start in _ASSESSMENT_SENTENCES:
        pattern = re.compile(re.escape(start) + r"[^.]*\.")
        found = next((m.group(0) for line in lines if (m := pattern.search(line.text))), None)
        if found is None:
            report.warn(f"assessment: no sentence starting {start!r}; not added to unit notes")
        else:
            notes.append(found)
    return notes


def _kind(outcomes: list[dict[str, Any]], competence_based: bool) -> str | None:
    """The source calls the whole qualification competence-based (an NVQ assessed in the
    workplace), so its units are competence units; a unit made only of know/understand
    outcomes would be knowledge. Without that statement the kind is not stated: null."""
    if not competence_based:
        return None
    if outcomes and all(_KNOWLEDGE_OUTCOME.match(o["title"]) for o in outcomes):
        return "knowledge"
    return "competence"


# --- assembly ---------------------------------------------------------------------------------


def _unit(
    draft: UnitDraft, listed: Listed | None, competence_based: bool, notes: list[str], report: Report
) -> dict[str, Any]:
    for label in ("Unit summary", "Guided learning hours", "Credit value", "Level"):
        if label not in draft.meta:
            report.warn(f"unit {draft.number} (line {draft.line}): no {label!r} printed")
    if not draft.outcomes:
        report.warn(f"unit {draft.number} (line {draft.line}): no learning outcomes")
    return {
        "number": draft.number,
        "urn": draft.urn,
        "title": draft.title,
        "level": _meta_int(draft, "Level"),
        "credits": _meta_int(draft, "Credit value"),
        "glh": _meta_int(draft, "Guided learning hours"),
        "group": listed.group if listed else None,
        "kind": _kind(draft.outcomes, competence_based),
        "summary": draft.meta.get("Unit summary"),
        # Simulation and workplace evidence are left null: the source allows simulated
        # evidence only "where appropriate" under an assessment strategy it does not include.
        "assessment": {"simulation_allowed": None, "workplace_evidence_required": None, "notes": list(notes)},
        "evidence_requirements": [],
        "outcomes": draft.outcomes,
    }


def _check_urns(drafts: list[UnitDraft], report: Report) -> None:
    seen: dict[str, str] = {}
    for draft in drafts:
        if draft.urn in seen:
            report.warn(
                f"unit {draft.number} (line {draft.line}): URN {draft.urn} also printed for unit {seen[draft.urn]}"
            )
        seen.setdefault(draft.urn, draft.number)


def _check_sections(
    drafts: list[UnitDraft], listed: dict[str, Listed], groups: list[dict[str, Any]], report: Report
) -> None:
    """Section 1's group tables and Section 2's units should describe the same units."""
    _check_urns(drafts, report)
    group_by_id = {g["id"]: g for g in groups}
    for draft in drafts:
        _check_listing(draft, listed.get(draft.number), group_by_id, report)
    for extra in sorted(set(listed) - {d.number for d in drafts}):
        report.warn(f"group tables (line {listed[extra].line}): unit {extra} has no unit content")


def parse(text: str, report: Report) -> list[dict[str, Any]]:
    lines = _lines(text)
    section1 = _between(lines, "Section 1", "Section 2")
    number = _number(section1)
    groups, listed = _structure(section1, report)
    drafts = _UnitReader(report).read(_join_headings(_between(lines, "Section 2", "Section 3")))
    if not drafts:
        raise ImportError_("NCFE layout: no units found in Section 2")
    _check_sections(drafts, listed, groups, report)
    by_number = {d.number: d for d in drafts}
    barred = _barred(section1, by_number, report)
    _check_unit_barred(by_number, barred, report)
    rule_lines = _rule_lines(section1)
    competence_based = any("is a competence-based qualification" in line.text for line in section1)
    notes = _assessment_notes(lines, report)
    qual = {
        "format": FORMAT,
        "number": number,
        "title": _title(lines, number),
        "awarding_organisation": AO,
        # NCFE prints an "Aim reference" (the funding learning aim, the QN without
        # slashes), not a code of its own, so there is no AO reference.
        "ao_reference": None,
        "level": _int(section1, r"^QCF level (\d)$"),
        "credits": _int(section1, r"^Credit value (\d+)$"),
        "glh": _glh(section1),
        "tqt": _int(section1, r"^Total qualification time(?: \(TQT\))?:? (\d+)$"),
        "dates": _dates(section1),
        "source": {"file": report.source, "edition": _edition(lines)},
        "rules_in_source": bool(rule_lines),
        "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
        "rules_text": _rules_text(rule_lines),
        "groups": groups,
        "rules": _rules(rule_lines, groups, report),
        "barred": barred,
        "units": [_unit(d, listed.get(d.number), competence_based, notes, report) for d in drafts],
    }
    _check_mandatory_credits(qual, report)
    return [qual]


LAYOUT = Layout(name="ncfe", detect=detect, parse=parse)
