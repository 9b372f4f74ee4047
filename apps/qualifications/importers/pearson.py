"""Pearson BTEC Specialist specifications (QCF): one qualification per file.

The layout: a "Qualification summary and key information" two-column table, a
"Qualification structure" table (mandatory units, then optional units, the
optional table repeated over page breaks), then one section per unit. A unit
heading is "Unit N:" followed by its title (on the same line or the next ones),
then "Unit reference number:", "QCF level:", "Credit value:", "Guided learning
hours:". Outcomes and criteria are a tab-separated table whose last column,
"Unit amplification", is teaching content: it is read past, never kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .base import FORMAT, Layout, Report, clean

AO = "Pearson"

_TITLE = re.compile(r"^Pearson BTEC Level (\d+) .+\(QCF\)$")
_UNIT_HEADING = re.compile(r"^Unit (\d+):(.*)$")
_FIELD = re.compile(r"^(Unit reference number|QCF level|Credit value|Guided learning hours):\s*(.*)$")
_URN = re.compile(r"^[A-Z]/\d{3}/\d{4}$")
_OUTCOME_NO = re.compile(r"^(\d+)$")
_OUTCOME_NO_TEXT = re.compile(r"^(\d+)\s+([^\d\s].*)$")
_CRITERION_NO = re.compile(r"^(\d+\.\d+)$")
_CRITERION_NO_TEXT = re.compile(r"^(\d+\.\d+)\s+(.+)$")
_CHECKBOX = '<input type="checkbox"'
_MONTH_YEAR = re.compile(
    r"^(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}$"
)
_UNITS_END = "13 Further information and useful publications"
_TABLE_HEADING = "Learning outcomes, assessment criteria and unit amplification"
# Sub-headings that end a block of paragraphs inside a unit section.
_UNIT_SUBHEADINGS = {
    "Unit aim",
    "Essential resources",
    _TABLE_HEADING,
    "Information for tutors",
    "Delivery",
    "Assessment",
    "Assessment requirements",
    "Suggested resource",
    "Suggested resources",
    "Indicative resource materials",
}


def detect(text: str) -> bool:
    """A Pearson BTEC specification: its title line and the QN row of its summary table."""
    has_title = any(_TITLE.match(clean(line)) for line in text.splitlines()[:40])
    return has_title and "QCF Qualification Number (QN)\t" in text


# --- small text helpers ----------------------------------------------------------


def _value(raw: str) -> str:
    return clean(raw.replace("**", ""))


def _int(raw: str) -> int | None:
    value = _value(raw)
    return int(value) if value.isdigit() else None


def _uk_date(raw: str) -> str | None:
    """dd/mm/yyyy as printed by Pearson, as an ISO date."""
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", _value(raw))
    return f"{match[3]}-{match[2]}-{match[1]}" if match else None


def _paragraphs(lines: list[str], start: int, end: int) -> list[str]:
    """Non-empty lines from start until a unit sub-heading or end, each cleaned."""
    out: list[str] = []
    for line in lines[start:end]:
        text = clean(line)
        if text in _UNIT_SUBHEADINGS:
            break
        if text:
            out.append(text)
    return out


def _find(lines: list[str], wanted: str, start: int = 0, end: int | None = None) -> int | None:
    for i in range(start, len(lines) if end is None else end):
        if clean(lines[i]) == wanted:
            return i
    return None


# --- qualification summary and structure -----------------------------------------


def _key_information(lines: list[str], report: Report) -> dict[str, str]:
    """The two-column "key information" table: label -> raw value."""
    start = _find(lines, "2 Qualification summary and key information")
    end = _find(lines, "QCF qualification number and qualification title", start or 0)
    if start is None or end is None:
        report.warn("qualification summary table not found")
        return {}
    info: dict[str, str] = {}
    for line in lines[start + 1 : end]:
        if "\t" in line:
            label, _, value = line.partition("\t")
            info[clean(label)] = value
    return info


@dataclass
class TableRow:
    number: str
    urn: str
    title: str
    level: int | None
    credits: int | None
    glh: int | None
    group: str
    line: int


@dataclass
class Structure:
    title: str | None = None
    rules_text: list[str] = field(default_factory=list)
    min_credits: int | None = None
    rows: list[TableRow] = field(default_factory=list)


_GROUP_HEADINGS = {"Mandatory units": "A", "Optional units": "B"}


def _structure(lines: list[str], report: Report) -> Structure:
    """Section 3: the rules sentence, the minimum credits and the unit table."""
    out = Structure()
    start = _find(lines, "3 Qualification structure")
    end = _find(lines, "4 Assessment", start or 0)
    if start is None or end is None:
        report.warn("qualification structure section not found")
        return out
    group: str | None = None
    headings_seen: dict[str, int] = {}
    for i in range(start + 1, end):
        raw, text = lines[i], clean(lines[i])
        cells = [clean(c) for c in raw.split("\t")]
        if not text:
            continue
        if out.title is None and _TITLE.match(text):
            out.title = text
        elif text.startswith("The learner will need to meet the requirements"):
            out.rules_text.append(text)
        elif cells[0] == "Minimum number of credits that must be achieved":
            out.min_credits = _int(cells[1]) if len(cells) > 1 else None
            out.rules_text.append(text)
        elif set(text) <= set("- \t"):
            report.warn(f"structure table, line {i + 1}: markdown table rule {text!r} ignored")
        elif cells[0] == "Unit" and len(cells) > 2:
            group = _GROUP_HEADINGS.get(cells[2])
            if group is None:
                report.warn(f"structure table, line {i + 1}: unknown unit group heading {cells[2]!r}")
            elif cells[2] in headings_seen:
                report.warn(
                    f"structure table, line {i + 1}: heading {cells[2]!r} repeated after a page break;"
                    f" rows continue group {group}"
                )
            headings_seen.setdefault(cells[2], i)
        elif len(cells) == 6 and cells[0].isdigit() and group is not None:
            out.rows.append(_table_row(cells, group, i + 1, report))
        elif text.startswith("Centres should be aware"):
            continue  # advice on units above the qualification's level, not a rule
        else:
            report.warn(f"structure section, line {i + 1}: unread line {text[:80]!r}")
    return out


def _table_row(cells: list[str], group: str, line: int, report: Report) -> TableRow:
    number, urn, title, level, credits, glh = cells
    if not _URN.match(urn):
        report.warn(f"structure table, line {line}: unit {number} has an unusual reference number {urn!r}")
    return TableRow(number, urn, title, _int(level), _int(credits), _int(glh), group, line)


# --- units -----------------------------------------------------------------------


@dataclass
class Outcome:
    number: str
    title: str
    where: str  # unit and source line, for messages
    criteria: list[dict[str, Any]] = field(default_factory=list)


def _unit_starts(lines: list[str]) -> list[int]:
    """Unit headings: "Unit N:" lines followed (within a few lines) by a reference number.

    The contents list also prints "Unit N: title<TAB>page", but never a reference number.
    """
    starts = []
    for i, line in enumerate(lines):
        if _UNIT_HEADING.match(line) and any(
            _FIELD.match(clean(nxt)) for nxt in lines[i + 1 : i + 9]
        ):
            starts.append(i)
    return starts


def _heading(lines: list[str], start: int, number: str, report: Report) -> tuple[str | None, int]:
    """The unit's title as printed in its heading, and the index of the line after it."""
    match = _UNIT_HEADING.match(lines[start])
    assert match is not None
    parts = [match[2]]
    i = start + 1
    while i < len(lines) and not _FIELD.match(clean(lines[i])):
        parts.append(lines[i])
        i += 1
    pieces = [clean(p) for p in parts if clean(p)]
    title = " ".join(pieces) or None
    if title is None:
        report.warn(f"unit {number}, line {start + 1}: the heading prints no title")
    elif len(pieces) > 1:
        report.warn(f"unit {number}, line {start + 1}: title printed over {len(pieces)} lines; joined")
    if "**" in "".join(parts):
        report.warn(f"unit {number}, line {start + 1}: markdown bold markers around the title removed")
    if "\t" in lines[start]:
        report.warn(f"unit {number}, line {start + 1}: heading printed as a two-column table")
    return title, i


def _fields(lines: list[str], start: int, end: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines[start:end]:
        match = _FIELD.match(clean(line))
        if match:
            out.setdefault(match[1], match[2])
        elif clean(line) == "Unit aim":
            break
    return out


def _criterion_text(raw: str, where: str, report: Report) -> str:
    """A criterion cell as plain text: amplification cut off, HTML lists read as '; ' lists."""
    if _CHECKBOX in raw:
        report.warn(f"{where}: criterion and unit amplification share one cell; amplification dropped")
        raw = raw[: raw.index(_CHECKBOX)]
    if "<" in raw:
        report.warn(f"{where}: HTML markup in the criterion removed")
    text = clean(raw)
    if "•" in text:
        head, *items = (part.strip() for part in text.split("•"))
        text = f"{head} {'; '.join(item for item in items if item)}"
        report.warn(f"{where}: bulleted list in the criterion joined with '; '")
    return text


def _is_amplification(cell: str) -> bool:
    return _CHECKBOX in cell or cell.lstrip().startswith("<ul")


class _TableReader:
    """Reads one unit's outcome/criteria rows; cells may merge or split in the extraction.

    A row is "outcome no, outcome title, criterion no, criterion text, amplification",
    with empty leading cells where the outcome spans several rows. The extraction
    sometimes puts a number and its text in one cell, or a criterion and its
    amplification in one cell; both are read through and reported.
    """

    def __init__(self, unit: str, report: Report) -> None:
        self.unit = unit
        self.report = report
        self.outcomes: list[Outcome] = []

    def row(self, raw: str, line: int) -> None:
        cells = [c.strip() for c in raw.split("\t") if clean(c)]
        if not cells or clean(cells[0]) == "Learning outcomes":
            return  # the table's column headings, repeated on every page
        where = f"unit {self.unit}, line {line}"
        i = 0
        while i < len(cells):
            i = self._cell(cells, i, where, first=i == 0)

    def _cell(self, cells: list[str], i: int, where: str, first: bool) -> int:
        """Read the cell at i (and its partner, for a lone number); return the next index."""
        raw, cell = cells[i], clean(cells[i])
        has_next = i + 1 < len(cells)
        if _OUTCOME_NO.match(cell) and has_next:
            self._outcome(cell, clean(cells[i + 1]), where)
            return i + 2
        if first and (match := _OUTCOME_NO_TEXT.match(cell)):
            self.report.warn(f"{where}: outcome {match[1]}'s number and title share one cell")
            self._outcome(match[1], match[2], where)
            return i + 1
        if _CRITERION_NO.match(cell) and has_next:
            self._criterion(cell, cells[i + 1], where)
            return i + 2
        if not _is_amplification(raw) and (match := _CRITERION_NO_TEXT.match(raw)):
            self.report.warn(f"{where}: criterion {match[1]}'s number and text share one cell")
            self._criterion(match[1], match[2], where)
            return i + 1
        if _is_amplification(raw):
            if first:
                self.report.warn(f"{where}: a row holding only unit amplification (teaching content) ignored")
            return i + 1
        self.report.warn(f"{where}: unnumbered text kept as a criterion with no number: {cell[:60]!r}")
        self._criterion(None, raw, where)
        return i + 1

    def _outcome(self, number: str, title: str, where: str) -> None:
        self.outcomes.append(Outcome(number, title, where))

    def _criterion(self, number: str | None, raw: str, where: str) -> None:
        if not self.outcomes:
            self.report.warn(f"{where}: criterion {number} before any outcome; dropped")
            return
        label = f"{where}, criterion {number}" if number else where
        text = _criterion_text(raw, label, self.report)
        self.outcomes[-1].criteria.append({"number": number, "text": text})


def _outcome_rows(lines: list[str], start: int, end: int, unit: str, report: Report) -> list[Outcome]:
    heading = _find(lines, _TABLE_HEADING, start, end)
    if heading is None:
        report.warn(f"unit {unit}: no learning outcomes table")
        return []
    reader = _TableReader(unit, report)
    for i in range(heading + 1, end):
        raw, text = lines[i], clean(lines[i])
        if text in {"Information for tutors", "Assessment requirements"}:
            break
        if not text or text.startswith("To pass this unit"):
            continue
        if "\t" in raw:
            reader.row(raw, i + 1)
        else:
            report.warn(f"unit {unit}, line {i + 1}: line inside the outcomes table not read: {text[:60]!r}")
    return reader.outcomes


def _check_numbering(unit: str, outcomes: list[Outcome], report: Report) -> None:
    """Report criteria whose numbers do not follow their outcome: read as printed, never renumbered."""
    for outcome in outcomes:
        seen: set[str] = set()
        expected = 1
        for criterion in outcome.criteria:
            number = criterion["number"]
            where = f"unit {unit}, outcome {outcome.number}"
            if number is None:
                continue
            major, minor = (int(p) for p in number.split("."))
            if str(major) != outcome.number:
                report.warn(f"{where}: criterion {number} is printed on this outcome's row")
                continue
            if number in seen:
                report.warn(f"{where}: criterion number {number} is printed twice; both kept as printed")
            elif minor != expected:
                report.warn(f"{where}: criterion numbering jumps to {number} (expected {major}.{expected})")
            seen.add(number)
            expected = minor + 1
    numbers = [o.number for o in outcomes]
    if numbers != [str(n) for n in range(1, len(numbers) + 1)]:
        report.warn(f"unit {unit}: outcomes are numbered {numbers}")


# --- assessment and kind -------------------------------------------------------------


def _assessment(lines: list[str], start: int, end: int) -> dict[str, Any]:
    """The unit's "Assessment requirements", or the "Assessment" part of "Information for tutors"."""
    notes: list[str] = []
    tutors = _find(lines, "Information for tutors", start, end)
    if tutors is not None:
        heading = _find(lines, "Assessment", tutors, end)
        if heading is not None:
            notes += _paragraphs(lines, heading + 1, end)
    required = _find(lines, "Assessment requirements", start, end)
    if required is not None:
        notes += _paragraphs(lines, required + 1, end)
    joined = " ".join(notes)
    no_simulation = re.search(r"Simulations?, projects or assignments are not allowed", joined)
    at_work = re.search(r"must come from performance in (?:the|a) work environment", joined)
    return {
        "simulation_allowed": False if no_simulation else None,
        "workplace_evidence_required": True if at_work else None,
        "notes": notes,
    }


_KNOWLEDGE_VERBS = ("Understand", "Know ")
_COMPETENCE_PHRASES = ("assesses occupational competence", "All learning outcomes are performance based")


def _kind(body: str, outcomes: list[Outcome], unit: str, report: Report) -> str | None:
    """competence or knowledge, from what the unit says of itself, else from its outcomes.

    Where the unit says "assesses occupational competence", "All learning outcomes are
    performance based" or "... knowledge based", that decides. Otherwise the QCF
    convention for outcome verbs: a unit whose every outcome is "Understand ..." or
    "Know ..." is a knowledge unit; one with any performance outcome ("Be able to ...",
    or an imperative such as "Communicate effectively with customers") needs evidence
    of performance, so it is a competence unit.
    """
    stated = None
    if any(phrase in body for phrase in _COMPETENCE_PHRASES):
        stated = "competence"
    elif "All learning outcomes are knowledge based" in body:
        stated = "knowledge"
    if not outcomes:
        return stated
    from_outcomes = (
        "knowledge" if all(o.title.startswith(_KNOWLEDGE_VERBS) for o in outcomes) else "competence"
    )
    if stated and stated != from_outcomes:
        report.warn(
            f"unit {unit}: says it is a {stated} unit, its outcomes read as {from_outcomes}; kept {stated}"
        )
    return stated or from_outcomes


# --- assembling the unit ---------------------------------------------------------------


def _unit(
    lines: list[str], start: int, end: int, table: dict[str, TableRow], report: Report
) -> dict[str, Any]:
    match = _UNIT_HEADING.match(lines[start])
    assert match is not None
    number = match[1]
    title, after = _heading(lines, start, number, report)
    values = _fields(lines, after, end)
    urn = _value(values.get("Unit reference number", "")) or None
    level = _int(values.get("QCF level", ""))
    credits = _int(values.get("Credit value", ""))
    glh = _int(values.get("Guided learning hours", ""))
    aim = _find(lines, "Unit aim", after, end)
    summary = " ".join(_paragraphs(lines, aim + 1, end)) if aim is not None else None
    outcomes = _outcome_rows(lines, after, end, number, report)
    _check_numbering(number, outcomes, report)
    row = table.get(number)
    if row is None:
        report.warn(f"unit {number}, line {start + 1}: not listed in the qualification structure table")
    else:
        printed = {"urn": urn, "title": title, "level": level, "credits": credits, "glh": glh}
        _compare(number, row, printed, report)
    return {
        "number": number,
        "urn": urn,
        "title": title,
        "level": level,
        "credits": credits,
        "glh": glh,
        "group": row.group if row else None,
        "kind": _kind(" ".join(clean(line) for line in lines[after:end]), outcomes, number, report),
        "summary": summary or None,
        "assessment": _assessment(lines, after, end),
        "evidence_requirements": [],
        "outcomes": [
            {"number": o.number, "title": o.title, "criteria": o.criteria} for o in outcomes
        ],
    }


def _compare(number: str, row: TableRow, printed: dict[str, Any], report: Report) -> None:
    """The structure table and the unit's own page should agree; the unit's page is kept."""
    for key, value in printed.items():
        listed = getattr(row, key)
        if key == "title" and value is None:
            continue  # reported by _heading; a correction supplies it
        if listed != value:
            report.warn(
                f"unit {number}: {key} is {value!r} on the unit's page but {listed!r} in the structure"
                f" table (line {row.line}); the unit's page is kept"
            )


# --- the qualification -----------------------------------------------------------------


def _edition(lines: list[str]) -> str | None:
    """The publication month printed on the back cover (the last "Month YYYY" line)."""
    for line in reversed(lines):
        if _MONTH_YEAR.match(clean(line)):
            return clean(line)
    return None


def _glh_range(raw: str) -> dict[str, int] | None:
    match = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)|(\d+)", _value(raw))
    if not match:
        return None
    if match[3]:
        return {"min": int(match[3]), "max": int(match[3])}
    return {"min": int(match[1]), "max": int(match[2])}


def parse(text: str, report: Report) -> list[dict[str, Any]]:
    lines = text.splitlines()
    source_name = report.source
    info = _key_information(lines, report)
    structure = _structure(lines, report)
    title = _value(info.get("Qualification title", "")) or structure.title
    level_match = _TITLE.match(title or "")
    credits = _int(info.get("Credit value", ""))
    if structure.min_credits is not None and credits != structure.min_credits:
        report.warn(f"credit value {credits} in the summary but {structure.min_credits} in the structure")
    if "Regulation start date" in info:
        report.warn(
            f"regulation start date {_value(info['Regulation start date'])} has no field in the"
            " catalogue format; not recorded"
        )
    table = {row.number: row for row in structure.rows}
    units_end = _find(lines, _UNITS_END) or len(lines)
    starts = [s for s in _unit_starts(lines) if s < units_end]
    units = [
        _unit(lines, s, nxt, table, report) for s, nxt in zip(starts, starts[1:] + [units_end], strict=True)
    ]
    missing = sorted(set(table) - {u["number"] for u in units}, key=int)
    if missing:
        report.warn(f"units in the structure table with no unit section: {missing}")
    min_credits = structure.min_credits if structure.min_credits is not None else credits
    return [
        {
            "format": FORMAT,
            "number": _value(info.get("QCF Qualification Number (QN)", "")),
            "title": title,
            "awarding_organisation": AO,
            "ao_reference": None,
            "level": int(level_match[1]) if level_match else None,
            "credits": min_credits,
            "glh": _glh_range(info.get("Guided learning hours", "")),
            "tqt": None,
            "dates": {
                "operational_start": _uk_date(info.get("Operational start date", "")),
                "operational_end": None,
                "registration_end": None,
                "certification_end": None,
            },
            "source": {"file": source_name, "edition": _edition(lines)},
            "rules_in_source": True,
            "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
            "rules_text": " ".join(structure.rules_text) or None,
            "groups": _groups(structure),
            "rules": [{"type": "credits", "groups": None, "min": min_credits}] if min_credits else [],
            "barred": [],
            "units": units,
        }
    ]


def _groups(structure: Structure) -> list[dict[str, Any]]:
    used = {row.group for row in structure.rows}
    groups = [
        {"id": "A", "title": "Mandatory units", "mandatory": True},
        {"id": "B", "title": "Optional units", "mandatory": False},
    ]
    return [g for g in groups if g["id"] in used]


LAYOUT = Layout(name="pearson", detect=detect, parse=parse)
