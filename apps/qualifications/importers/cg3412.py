"""City & Guilds 3412 NVQ in Contact Centre Operations: the imported unit pack.

The pack prints the units imported into the five 3412 qualifications and a
table whose tick columns say which qualification each unit is available to.
It does not print the rules of combination (they are in the qualification
handbook), so every qualification is written with rules_in_source false and
no groups, rules or barred sets.

Layout, as extracted from the PDF:

* "Qualification at a glance" lists the five qualifications (title, 3412-NN,
  accreditation number); the Introduction repeats the list.
* The unit table: UAN, unit number, title, level, GLH, credit, then one tick
  column per qualification ("L1 Award" ... "L4 Dip"). Every row keeps its
  trailing tabs, so the cells line up with the header by position: column 7 is
  L1 Award, 8 L1 Cert, 9 L2 Cert, 10 L3 Dip, 11 L4 Dip. Columns are matched to
  qualifications by level and kind (Award/Cert/Dip), never by position.
* Each unit: an opening heading ("## Unit 208" then "# <title>"), which some
  units lack; a Level / Credit value / UAN block, which every unit has; then
  aim, outcome list, GLH, assessment; then "Unit 208 <title>" headings over the
  learning outcomes and criteria, the evidence requirements (Institute of
  Customer Service units) or the teaching guidance (IT user units). Teaching
  guidance repeats "Outcome N" headings; they are not outcomes.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from .base import FORMAT, ImportError_, Layout, Report, clean

AWARDING_ORGANISATION = "City & Guilds"

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HEADING = re.compile(r"^\s*#{1,6}\s*")
_URN = re.compile(r"^[A-Z]/\d{3}/\d{4}$")
_QUAL_NUMBER = re.compile(r"^\d{3}/\d{4}/[\dX]$")
_UNIT_HEADING = re.compile(r"^Unit\s+(\d{3})\b\s*(.*)$")
_OUTCOME = re.compile(r"^Outcome\s+(\d+)\s*:?\s+(.+)$")
_CRITERION = re.compile(r"^-\s+(\d+\.\d+)(\.?)\s+(.+)$")
_LISTED_OUTCOME = re.compile(r"^(\d+)\.\s+(.+)$")
_OUTCOME_COUNT = re.compile(r"^There are (\w+) learning outcomes to this unit")
_GLH = re.compile(r"It is recommended that (\d+) hours")
_ATTRIBUTE = re.compile(r"^(Level|Credit value|UAN):\s*(\S+)$")
_EVIDENCE_ITEM = re.compile(r"^-\s+(\d+)\s+(.+)$")
_EVIDENCE_SUBITEM = re.compile(r"^\s+-\s+([a-z])\s+(.+)$")
_EDITION = re.compile(
    r"^(January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{4} Version [\d.]+$"
)
_COLUMN = re.compile(r"^L(\d)\s+(Award|Cert|Dip)$")
_QUAL_TITLE = re.compile(r"^Level (\d) (Award|Certificate|Diploma)\b")
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}

# Section headings inside a unit, by their cleaned text (lower case).
_SECTIONS = {
    "unit aim": "aim",
    "unit aims": "aim",
    "learning outcomes": "outcome-list",
    "guided learning hours": "glh",
    "assessment": "assessment",
    "learning outcomes and assessment criteria": "criteria",
    "evidence requirements": "evidence",
    "teaching guidance": "teaching",
}
_IGNORED_SECTIONS = ("details of the relationship", "support of the unit", "endorsement of the unit")


# --- lines -----------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the source, for warnings
    raw: str
    text: str  # cleaned, without markdown heading marks
    heading: bool  # printed as a markdown heading


def _lines(text: str) -> list[Line]:
    out = []
    for i, raw in enumerate(text.splitlines(), start=1):
        heading = bool(_HEADING.match(raw))
        out.append(Line(i, raw, _clean(_HEADING.sub("", raw)), heading))
    return out


def _clean(text: str) -> str:
    # Markdown links keep their label: "[www.e-skills.com](http://...)".
    return clean(_LINK.sub(r"\1", text))


def _cells(raw: str) -> list[str]:
    return [_clean(cell) for cell in raw.split("\t")]


# --- detection -------------------------------------------------------------------


def detect(text: str) -> bool:
    head = text[:3000]
    return bool(
        re.search(r"NVQ in Contact Centre Operations \(3412\)", head)
        and re.search(r"imported unit pack", head, re.IGNORECASE)
    )


# --- qualifications --------------------------------------------------------------


@dataclass(frozen=True)
class Qualification:
    title: str
    ao_reference: str
    number: str
    level: int
    kind: str  # Award | Certificate | Diploma


def _qualification_rows(lines: list[Line], start: int) -> list[Qualification]:
    """Rows of a 'Title and level / City & Guilds number / Accreditation number' table."""
    out = []
    for line in lines[start + 1:]:
        cells = _cells(line.raw)
        if len(cells) != 3 or not _QUAL_NUMBER.match(cells[2]):
            break
        match = _QUAL_TITLE.match(cells[0])
        if not match:
            raise ImportError_(f"line {line.number}: cannot read the level of {cells[0]!r}")
        out.append(Qualification(cells[0], cells[1], cells[2], int(match[1]), match[2]))
    return out


def _qualifications(lines: list[Line], report: Report) -> list[Qualification]:
    tables = [i for i, line in enumerate(lines)
              if line.text.startswith("Title and level") and line.text.endswith("Accreditation number")]
    if not tables:
        raise ImportError_("no 'Title and level' table of qualifications found")
    glance = _qualification_rows(lines, tables[0])
    if not glance:
        raise ImportError_(f"line {lines[tables[0]].number}: the table of qualifications is empty")
    # The Introduction repeats the list; say where the two disagree.
    for i in tables[1:]:
        again = {q.number for q in _qualification_rows(lines, i)}
        for q in glance:
            if q.number not in again:
                report.warn(
                    f"qualification {q.number} ({q.title}): named in 'Qualification at a glance' but missing "
                    f"from the list of qualifications at line {lines[i].number}; imported from the former"
                )
    return glance


# --- the unit table ----------------------------------------------------------------


@dataclass
class TableRow:
    line: int
    urn: str
    number: str
    title: str
    level: int
    glh: int
    credits: int
    ticks: dict[str, bool]  # tick column header -> ticked


def _unit_table(lines: list[Line], report: Report) -> tuple[list[str], list[TableRow]]:
    header: list[str] | None = None
    rows: list[TableRow] = []
    for line in lines:
        cells = _cells(line.raw)
        if cells[:2] == ["UAN", "City & Guilds unit"]:
            if header is not None:
                report.warn(f"unit table line {line.number}: header repeated after a page break; skipped")
            header = cells
            continue
        if header is None or not _URN.match(cells[0]) or len(cells) < 6:
            continue
        rows.append(_table_row(line, cells, header, report))
    if header is None:
        raise ImportError_("no unit table (UAN / City & Guilds unit / ...) found")
    return header[6:], rows


def _table_row(line: Line, cells: list[str], header: list[str], report: Report) -> TableRow:
    if len(cells) != len(header):
        # Without all cells the tick columns cannot be told apart.
        raise ImportError_(
            f"unit table line {line.number}: {len(cells)} cells for {len(header)} columns"
        )
    ticks = {}
    for column, cell in zip(header[6:], cells[6:], strict=False):  # a short row leaves its last columns empty
        if cell not in ("", "✓"):
            report.warn(f"unit table line {line.number}, column {column}: {cell!r} read as a tick")
        ticks[column] = cell != ""
    return TableRow(line.number, cells[0], cells[1], cells[2], int(cells[3]), int(cells[4]),
                    int(cells[5]), ticks)


def _column_for(qual: Qualification, columns: list[str]) -> str | None:
    """The tick column headed with this qualification's level and kind ('L3 Dip')."""
    found = []
    for column in columns:
        match = _COLUMN.match(column)
        if match and int(match[1]) == qual.level and qual.kind.startswith(match[2]):
            found.append(column)
    if len(found) > 1:
        raise ImportError_(f"qualification {qual.number}: several tick columns match: {found}")
    return found[0] if found else None


# --- units ---------------------------------------------------------------------------


@dataclass
class UnitText:
    """What one unit's pages print, before it becomes a canonical dict."""

    start: int  # index into lines
    attribute_line: int | None = None  # source line of "Level:", for warnings
    number: str | None = None
    title: str | None = None
    level: int | None = None
    credits: int | None = None
    urn: str | None = None
    glh: int | None = None
    aim: list[str] = field(default_factory=list)
    outcome_count: int | None = None
    listed_outcomes: list[tuple[str, str]] = field(default_factory=list)
    assessment: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    guidance_outcomes: int = 0


def _unit_starts(lines: list[Line]) -> list[int]:
    """Index of the first line of each unit.

    Every unit prints a Level / Credit value / UAN block; it opens the unit
    unless an opening heading ('Unit 208' then the title) stands just before it.
    """
    starts = []
    for i, line in enumerate(lines):
        if not line.text.startswith("Level:") or not _ATTRIBUTE.match(line.text):
            continue
        before = [j for j in range(max(0, i - 6), i) if lines[j].text]
        if (len(before) >= 2 and lines[before[-1]].heading and lines[before[-2]].heading
                and re.fullmatch(r"Unit \d{3}", lines[before[-2]].text)):
            starts.append(before[-2])
        else:
            starts.append(i)
    return starts


def _unit_end(lines: list[Line]) -> int:
    for i, line in enumerate(lines):
        if line.heading and line.text.startswith("Appendix"):
            return i
    return len(lines)


def _read_unit(lines: list[Line], start: int, end: int, report: Report) -> UnitText:
    unit = UnitText(start=start)
    section: str | None = "opening"
    for line in lines[start:end]:
        if not line.text:
            continue
        key = line.text.lower()
        if key in _SECTIONS:
            if not line.heading:
                report.warn(f"{_name(unit)} line {line.number}: section heading {line.text!r} "
                            f"printed as a paragraph; read as a heading")
            section = _SECTIONS[key]
            continue
        if line.heading and key.startswith(_IGNORED_SECTIONS):
            section = None
            continue
        heading = _UNIT_HEADING.match(line.text) if line.heading else None
        if heading:
            _unit_heading(unit, line, heading, section, report)
            section = "opening" if section == "opening" else None
            continue
        _read_line(unit, line, section, report)
    return unit


def _unit_heading(unit: UnitText, line: Line, match: re.Match[str], section: str | None,
                  report: Report) -> None:
    number, title = match[1], match[2].strip()
    if unit.number is None:
        unit.number = number
        if section != "opening":
            # The unit's own heading over its criteria gives its number and title.
            report.warn(
                f"unit {number}: no opening heading (number and title); its Level / Credit value / UAN "
                f"block at line {unit.attribute_line} is read as unit {number}'s and its title {title!r} "
                f"is taken from the heading 'Unit {number} {title}' at line {line.number}"
            )
    elif number != unit.number:
        report.warn(f"unit {unit.number} line {line.number}: heading names unit {number}; "
                    f"kept under {unit.number}")
    if title and unit.title is None:
        unit.title = title
    elif title and unit.title and title.lower() != unit.title.lower():
        report.warn(f"unit {unit.number} line {line.number}: heading title {title!r} "
                    f"differs from {unit.title!r}")


def _read_line(unit: UnitText, line: Line, section: str | None, report: Report) -> None:
    where = f"{_name(unit)} line {line.number}"
    if section == "opening":
        _read_opening(unit, line, where, report)
    elif section == "aim":
        unit.aim.append(_strip_bullet(line.text))
    elif section == "outcome-list":
        _read_outcome_list(unit, line, where, report)
    elif section == "glh":
        match = _GLH.search(line.text)
        if match:
            unit.glh = int(match[1])
    elif section == "assessment":
        _read_assessment(unit, line)
    elif section == "criteria":
        _read_criteria(unit, line, where, report)
    elif section == "evidence":
        _read_evidence(unit, line, where, report)
    elif section == "teaching":
        if line.heading and _OUTCOME.match(line.text):
            unit.guidance_outcomes += 1


def _name(unit: UnitText) -> str:
    # Before its 'Unit NNN' heading is reached, a unit is known by its UAN.
    return f"unit {unit.number}" if unit.number else f"unit with UAN {unit.urn}"


def _strip_bullet(text: str) -> str:
    return re.sub(r"^-\s+", "", text)


def _read_opening(unit: UnitText, line: Line, where: str, report: Report) -> None:
    match = _ATTRIBUTE.match(line.text)
    if match:
        name, value = match[1], match[2]
        if name == "UAN":
            unit.urn = value
        elif name == "Level":
            unit.level = int(value)
            unit.attribute_line = line.number
        else:
            unit.credits = int(value)
    elif line.heading and unit.title is None and unit.number is not None:
        unit.title = line.text  # the title heading under 'Unit 208'
    else:
        report.warn(f"{where}: unexpected text before the unit aim: {line.text!r}")


def _read_outcome_list(unit: UnitText, line: Line, where: str, report: Report) -> None:
    count = _OUTCOME_COUNT.match(line.text)
    listed = _LISTED_OUTCOME.match(line.text)
    if count:
        unit.outcome_count = _NUMBER_WORDS.get(count[1].lower())
    elif listed:
        unit.listed_outcomes.append((listed[1], listed[2]))
    else:
        report.warn(f"{where}: unexpected text in the list of outcomes: {line.text!r}")


def _read_assessment(unit: UnitText, line: Line) -> None:
    # A bulleted list of methods joins the sentence that introduces it.
    if line.text.startswith("- ") and unit.assessment:
        item = _strip_bullet(line.text)
        last = unit.assessment[-1]
        unit.assessment[-1] = f"{last} {item}" if last.endswith(":") else f"{last}; {item}"
    else:
        unit.assessment.append(line.text)


def _read_criteria(unit: UnitText, line: Line, where: str, report: Report) -> None:
    outcome = _OUTCOME.match(line.text) if line.heading else None
    if outcome:
        unit.outcomes.append({"number": outcome[1], "title": outcome[2].strip(), "criteria": []})
        return
    if line.text == "The learner can:":
        return
    criterion = _CRITERION.match(line.text)
    if not unit.outcomes:
        report.warn(f"{where}: text before the first outcome skipped: {line.text!r}")
        return
    criteria = unit.outcomes[-1]["criteria"]
    if criterion:
        if criterion[2]:
            report.warn(f"{where}: criterion number printed as {criterion[1]}. with a trailing "
                        f"full stop; read as {criterion[1]}")
        criteria.append({"number": criterion[1], "text": criterion[3].strip()})
    elif line.text.startswith("- "):
        report.warn(f"{where}: criterion printed without a number: {line.text!r}")
        criteria.append({"number": None, "text": _strip_bullet(line.text)})
    elif criteria and not line.heading:
        # A criterion wrapped onto the next line (or across a page break).
        criteria[-1]["text"] = f"{criteria[-1]['text']} {line.text}"
    else:
        report.warn(f"{where}: unexpected text among the criteria skipped: {line.text!r}")


def _read_evidence(unit: UnitText, line: Line, where: str, report: Report) -> None:
    item = _EVIDENCE_ITEM.match(line.text)
    sub = _EVIDENCE_SUBITEM.match(line.raw.replace("\u00a0", " "))
    if item:
        unit.evidence.append({"number": item[1], "text": item[2].strip(), "items": []})
    elif sub and unit.evidence:
        unit.evidence[-1]["items"].append((sub[1], _clean(sub[2])))
    else:
        report.warn(f"{where}: unexpected text in the evidence requirements skipped: {line.text!r}")


# --- checks and the canonical unit ------------------------------------------------------


def _check_unit(unit: UnitText, row: TableRow | None, report: Report) -> None:
    number = unit.number
    if row is None:
        report.warn(f"unit {number}: printed in the pack but not in the unit table; in no qualification")
        return
    for name, printed, listed in (("UAN", unit.urn, row.urn), ("level", unit.level, row.level),
                                  ("credit value", unit.credits, row.credits), ("GLH", unit.glh, row.glh)):
        if printed != listed:
            report.warn(
                f"unit {number}: {name} {printed} on the unit's page but {listed} in the unit table "
                f"(line {row.line}); the unit's page is kept"
            )
    if unit.title and unit.title.lower() != row.title.lower():
        report.warn(f"unit {number}: title {unit.title!r} on the unit's page but {row.title!r} "
                    f"in the unit table; the unit's page is kept")
    if unit.outcome_count is not None and unit.outcome_count != len(unit.outcomes):
        report.warn(f"unit {number}: the unit says {unit.outcome_count} outcomes; "
                    f"{len(unit.outcomes)} were read")
    listed = {n: t for n, t in unit.listed_outcomes}
    for outcome in unit.outcomes:
        printed = listed.get(outcome["number"])
        if (printed or "").rstrip(".").lower() != outcome["title"].rstrip(".").lower():
            report.warn(f"unit {number} outcome {outcome['number']}: title differs from the unit's "
                        f"list of outcomes ({printed!r})")
        _check_numbering(number, outcome, report)
    if unit.guidance_outcomes:
        report.warn(f"unit {number}: teaching guidance repeats {unit.guidance_outcomes} 'Outcome' headings; "
                    f"not read as outcomes")


def _check_numbering(unit: str | None, outcome: dict[str, Any], report: Report) -> None:
    seen: set[str] = set()
    for expected, criterion in enumerate(outcome["criteria"], start=1):
        number = criterion["number"]
        where = f"unit {unit} outcome {outcome['number']}"
        if number is None:
            continue
        if number in seen:
            report.warn(f"{where}: criterion number {number} printed twice; both kept")
        elif not number.startswith(f"{outcome['number']}."):
            report.warn(f"{where}: criterion {number} printed under another outcome")
        elif number != f"{outcome['number']}.{expected}":
            report.warn(f"{where}: criterion {number} where {outcome['number']}.{expected} was expected")
        seen.add(number)


def _kind(outcomes: list[dict[str, Any]]) -> str | None:
    # The pack belongs to an NVQ: a unit with a "Be able to" outcome is judged on
    # performance (its evidence or assessment sections say so), hence competence;
    # a unit of "Understand/Know" outcomes only would be knowledge. None is knowledge-only here.
    titles = [o["title"].lower() for o in outcomes]
    if any(t.startswith("be able to") for t in titles):
        return "competence"
    if titles and all(t.startswith(("understand", "know")) for t in titles):
        return "knowledge"
    return None


def _assessment(unit: UnitText) -> dict[str, Any]:
    notes = list(unit.assessment)
    for item in unit.evidence:
        if not _is_coverage(item):
            notes.append(_join_items(item))
    text = " ".join(notes)
    # Only the units' own sentences set these; silence leaves them null.
    simulation = False if "Simulation is not allowed" in text else None
    workplace = False if "realistic working environment or a work placement is permissible" in text else None
    return {"simulation_allowed": simulation, "workplace_evidence_required": workplace, "notes": notes}


def _is_coverage(item: dict[str, Any]) -> bool:
    # "You must provide evidence of ...: a ..., b ..." lists what the evidence must
    # cover, one requirement a line; "may be any of the following" is guidance.
    return bool(item["items"]) and " must " in f" {item['text']} "


def _join_items(item: dict[str, Any]) -> str:
    # Lettered items run on after their lead-in, separated so they stay apart.
    items = "; ".join(text for _, text in item["items"])
    return f"{item['text']} {items}" if items else item["text"]


def _evidence_requirements(unit: UnitText) -> list[dict[str, str]]:
    out = []
    for item in unit.evidence:
        if _is_coverage(item):
            out += [{"number": f"{item['number']}{letter}", "text": f"{item['text']} {text}"}
                    for letter, text in item["items"]]
    return out


def _canonical_unit(unit: UnitText) -> dict[str, Any]:
    return {
        "number": unit.number,
        "urn": unit.urn,
        "title": unit.title,
        "level": unit.level,
        "credits": unit.credits,
        "glh": unit.glh,
        "group": None,  # the pack has no groups: they are in the handbook
        "kind": _kind(unit.outcomes),
        "summary": " ".join(unit.aim) or None,
        "assessment": _assessment(unit),
        "evidence_requirements": _evidence_requirements(unit),
        "outcomes": unit.outcomes,
    }


# --- the qualification ------------------------------------------------------------------


def _edition(lines: list[Line]) -> str | None:
    for line in lines[:40]:
        if _EDITION.match(line.text):
            return line.text
    return None


def _qualification(qual: Qualification, units: list[dict[str, Any]], edition: str | None,
                   report: Report) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "number": qual.number,
        "title": qual.title,
        "awarding_organisation": AWARDING_ORGANISATION,
        "ao_reference": qual.ao_reference,
        "level": qual.level,
        "credits": None,  # the pack states no minimum; the handbook does
        "glh": None,
        "tqt": None,
        "dates": {"operational_start": None, "operational_end": None,
                  "registration_end": None, "certification_end": None},
        "source": {"file": report.source, "edition": edition},
        "rules_in_source": False,
        "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
        "rules_text": None,
        "groups": [],
        "rules": [],
        "barred": [],
        "units": [copy.deepcopy(u) for u in units],
    }


def parse(text: str, report: Report) -> list[dict[str, Any]]:
    lines = _lines(text)
    quals = _qualifications(lines, report)
    columns, rows = _unit_table(lines, report)
    by_number = {row.number: row for row in rows}
    starts = _unit_starts(lines)
    ends = starts[1:] + [_unit_end(lines)]
    units: list[dict[str, Any]] = []
    for start, end in zip(starts, ends, strict=False):
        unit = _read_unit(lines, start, end, report)
        if unit.number is None:
            raise ImportError_(f"line {lines[start].number}: a unit with no 'Unit NNN' heading")
        _check_unit(unit, by_number.get(unit.number), report)
        units.append(_canonical_unit(unit))
    _check_keys(units, report)
    printed = {u["number"] for u in units}
    for row in rows:
        if row.number not in printed:
            report.warn(f"unit {row.number}: in the unit table (line {row.line}) but its pages are "
                        f"missing; skipped")
    report.warn(
        "rules of combination: not in this pack (it refers to the qualification handbook); every "
        "qualification is written with rules_in_source false, no groups, rules or barred units, "
        "credits null and rules_text null"
    )
    return [_qualification(q, _units_for(q, columns, rows, units, report), _edition(lines), report)
            for q in quals]


def _check_keys(units: list[dict[str, Any]], report: Report) -> None:
    # A unit is keyed by its printed number; a UAN may repeat but deserves a look.
    for key in ("number", "urn"):
        values = [u[key] for u in units]
        for value in sorted({v for v in values if values.count(v) > 1}):
            report.warn(f"units: {key} {value} is printed on {values.count(value)} units")


def _units_for(qual: Qualification, columns: list[str], rows: list[TableRow],
               units: list[dict[str, Any]], report: Report) -> list[dict[str, Any]]:
    column = _column_for(qual, columns)
    if column is None:
        report.warn(f"qualification {qual.number} ({qual.title}): no tick column in the unit table; no units")
        return []
    ticked = {row.number for row in rows if row.ticks[column]}
    if not ticked:
        report.warn(
            f"qualification {qual.number} ({qual.title}): no unit is ticked in its column {column!r}; "
            f"written with an empty list of units"
        )
    return [u for u in units if u["number"] in ticked]


LAYOUT = Layout(name="cg3412", detect=detect, parse=parse)
