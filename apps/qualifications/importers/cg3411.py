"""City & Guilds 3411 Certificates in Contact Centre Operations (Level 2 and Level 3).

One specification describes two qualifications. Its layout:

* an overview table (title, GLH, TQT, City & Guilds number, accreditation number);
* a "Structure" section per qualification: the rules of combination in prose,
  then a table of units (URN, unit number, title, credits, the unit it is
  barred against) split into "Mandatory Group A" and "Optional Group B";
* an "Assessment" section: what candidates must complete, and a table of units
  and their assessment method per qualification;
* the units: "Unit 201", the title, "UAN:/Level:/Credit value:/GLH:/Aim:" rows,
  then per learning outcome its criteria followed by "Range" and "Guidance"
  (amplification and teaching notes, which are not criteria).

Units are written once in the source and shared by both qualifications; each
qualification takes the units its structure table lists, with that table's group.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .base import FORMAT, ImportError_, Layout, Report, clean

AO = "City & Guilds"

_OVERVIEW_HEADER = ["Title and level", "GLH", "TQT", "City & Guilds number", "Accreditation number"]
_UNITS_HEADER = ["Unit accreditation number", "City & Guilds unit", "Unit title", "Credit value"]
_ASSESSMENT_HEADER = ["Unit", "Title", "Assessment method", "Where to obtain assessment materials"]

_EDITION = re.compile(r"^[A-Z][a-z]+ \d{4} Version \d+(?:\.\d+)*$")
_TO_ACHIEVE = re.compile(
    r"^To achieve the (?P<title>.+?) \(QAN (?P<number>\d{3}/\d{4}/[\dX])\), learners must achieve "
    r"(?P<credits>\d+) credits of which at least (?P<at_level>\d+) credits must be at Level (?P<level>\d)\.?$"
)
_MANDATORY = re.compile(r"^(?P<count>\d+) mandatory units from group (?P<group>\w+)\b", re.I)
_MIN_CREDITS = re.compile(r"^a minimum of (?P<credits>\d+) credits from any units in group (?P<group>\w+)$", re.I)
_BARRED_PAIR = re.compile(r"unit (\d{3}) or (\d{3}) \(but not both\)")
_GROUP_ROW = re.compile(r"^(?P<kind>Mandatory|Optional) Group (?P<id>\w+)$")
_URN = re.compile(r"^[A-Z]/\d{3}/\d{4}$")

_UNIT_HEADING = re.compile(r"^Unit (?P<number>\d{3})(?: (?P<title>.+))?$")
_OUTCOME = re.compile(r"^(?P<number>\d+)\.?\s+(?P<title>\S.*)$")
_CRITERION = re.compile(r"^(?P<number>\d+\.\d+)\.?\s+(?P<text>\S.*)$")
_FIELD = re.compile(r"^(?P<name>UAN|Level|Credit value|GLH|Aim):\s*(?P<value>.*)$")
_SECTION = re.compile(r"^(?P<name>Learning outcome|Assessment criteria|Range|Guidance)(?=$|\W|[A-Z*])")
_PARAGRAPH_TAG = re.compile(r"</?p(?:\s[^>]*)?>")
_MARKDOWN = re.compile(r"\*\*|^\s*- ")


def detect(text: str) -> bool:
    """The 3411 handbook: its at-a-glance number and its five-column unit table."""
    return bool(
        re.search(r"^City & Guilds number\t3411\s*$", text, re.M)
        and re.search(r"^Unit accreditation number\tCity & Guilds unit\tUnit title\tCredit value\t", text, re.M)
    )


# --- reading lines -------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the (corrected) source, for warnings
    raw: str
    html: bool = False  # cut out of a line of HTML paragraphs

    @property
    def text(self) -> str:
        return clean(self.raw)

    @property
    def cells(self) -> list[str]:
        return [clean(cell) for cell in self.raw.split("\t")]


def _lines(text: str) -> list[Line]:
    return [Line(no, raw) for no, raw in enumerate(text.splitlines(), start=1)]


def _segments(line: Line) -> list[Line]:
    """A line holding several HTML paragraphs is several lines of the PDF's table cell."""
    if not _PARAGRAPH_TAG.search(line.raw):
        return [line]
    parts = [part for part in _PARAGRAPH_TAG.split(line.raw) if clean(part)]
    return [Line(line.no, part, html=True) for part in parts]


def _find(lines: list[Line], predicate: Callable[[Line], bool], start: int = 0) -> int:
    for index in range(start, len(lines)):
        if predicate(lines[index]):
            return index
    return -1


def _strip_bullet(text: str) -> str:
    return re.sub(r"^[-•]\s+", "", text)


# --- the overview table ----------------------------------------------------------


@dataclass
class Overview:
    title: str
    glh: int
    tqt: int
    reference: str
    number: str


def _overview(lines: list[Line]) -> list[Overview]:
    start = _find(lines, lambda line: line.cells == _OVERVIEW_HEADER)
    if start < 0:
        raise ImportError_("cg3411: no 'Title and level / GLH / TQT' overview table")
    rows: list[Overview] = []
    for line in lines[start + 1 :]:
        cells = [cell for cell in line.cells if cell]
        if len(cells) != 5:
            break
        title, glh, tqt, reference, number = cells
        rows.append(Overview(title, int(glh), int(tqt), reference, number))
    return rows


def _edition(lines: list[Line]) -> str | None:
    for line in lines[:20]:
        if _EDITION.match(line.text):
            return line.text
    return None


# --- the structure (rules of combination) ----------------------------------------


@dataclass
class TableRow:
    urn: str
    number: str
    title: str
    credits: int
    barred_with: str | None
    group: str
    line: int


@dataclass
class Structure:
    number: str
    title: str
    credits: int
    level: int
    at_level: int
    rules_text: list[str] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    barred_sentence: str | None = None
    barred_pairs: list[tuple[str, str]] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)


def _structures(lines: list[Line], report: Report) -> list[Structure]:
    starts = [i for i, line in enumerate(lines) if _TO_ACHIEVE.match(line.text)]
    if not starts:
        raise ImportError_("cg3411: no 'To achieve the ... (QAN ...)' rules of combination")
    end = _find(lines, lambda line: line.text == "Total Qualification Time", starts[-1])
    bounds = list(zip(starts, starts[1:] + [end if end > 0 else len(lines)], strict=True))
    return [_structure(lines[a:b], report) for a, b in bounds]


def _structure(block: list[Line], report: Report) -> Structure:
    head = _TO_ACHIEVE.match(block[0].text)
    assert head is not None
    structure = Structure(
        number=head["number"],
        title=head["title"],
        credits=int(head["credits"]),
        level=int(head["level"]),
        at_level=int(head["at_level"]),
    )
    group: str | None = None
    for line in block:
        if not line.text:
            continue
        if "\t" in line.raw:
            group = _table_line(line, group, structure, report)
        else:
            _prose_line(line, structure, report)
    return structure


def _table_line(line: Line, group: str | None, structure: Structure, report: Report) -> str | None:
    """One row of the unit table; returns the group that rows below it belong to."""
    cells = line.cells
    if cells[: len(_UNITS_HEADER)] == _UNITS_HEADER:
        return group  # the header repeats after a page break; the group carries on
    label = " ".join(cell for cell in cells if cell)
    found = _GROUP_ROW.match(label)
    if found:
        structure.groups.append(
            {"id": found["id"], "title": label, "mandatory": found["kind"] == "Mandatory"}
        )
        return found["id"]
    if len(cells) >= 4 and _URN.match(cells[0]):
        if group is None:
            report.warn(f"{structure.number}: unit {cells[1]} (line {line.no}) is listed before any group heading")
        barred = cells[4] if len(cells) > 4 and cells[4] else None
        structure.rows.append(
            TableRow(cells[0], cells[1], cells[2], int(cells[3]), barred, group or "", line.no)
        )
        return group
    report.warn(f"{structure.number}: unit table line {line.no} not understood, ignored: {label!r}")
    return group


def _prose_line(line: Line, structure: Structure, report: Report) -> None:
    text = _strip_bullet(line.text)
    structure.rules_text.append(text)
    if _TO_ACHIEVE.match(text):
        structure.rules.append({"type": "credits", "groups": None, "min": structure.credits})
        structure.rules.append(
            {"type": "credits_at_level", "level": structure.level, "min": structure.at_level}
        )
    elif found := _MANDATORY.match(text):
        structure.rules.append({"type": "units", "groups": [found["group"].upper()], "min": int(found["count"])})
    elif found := _MIN_CREDITS.match(text):
        structure.rules.append({"type": "credits", "groups": [found["group"].upper()], "min": int(found["credits"])})
    elif text.startswith("Candidates may take either"):
        structure.barred_sentence = text
        structure.barred_pairs = _BARRED_PAIR.findall(text)
    elif text != "The learner must achieve:":
        report.warn(f"{structure.number}: rules sentence on line {line.no} not read as a rule: {text!r}")


# --- the assessment section --------------------------------------------------------


@dataclass
class Assessment:
    requirements: list[str]  # "Candidates must: ..." bullets, as printed
    methods: dict[str, dict[str, str]]  # qualification title -> unit number -> method


def _assessment(lines: list[Line], titles: list[str]) -> Assessment:
    requirements: list[str] = []
    start = _find(lines, lambda line: line.text == "Candidates must:")
    if start >= 0:
        for line in lines[start + 1 :]:
            if line.text.startswith("- "):
                requirements.append(_strip_bullet(line.text))
            elif line.text:
                break
    methods: dict[str, dict[str, str]] = {}
    for title in titles:
        at = _find(lines, lambda line, t=title: line.text == t)
        if at < 0 or at + 2 >= len(lines) or lines[at + 2].cells != _ASSESSMENT_HEADER:
            continue
        table: dict[str, str] = {}
        for line in lines[at + 3 :]:
            cells = line.cells
            if len(cells) < 3 or not re.fullmatch(r"\d{3}", cells[0]):
                break
            table[cells[0]] = cells[2]
        methods[title] = table
    return Assessment(requirements, methods)


# --- the units -----------------------------------------------------------------------


@dataclass
class UnitState:
    """The unit being read and where in it the reader is."""

    unit: dict[str, Any]
    section: str = "header"  # header | outcome | criteria | range | guidance
    outcome: dict[str, Any] | None = None


def _new_unit(number: str, title: str | None) -> UnitState:
    unit = {
        "number": number,
        "urn": None,
        "title": title,
        "level": None,
        "credits": None,
        "glh": None,
        "group": None,
        "kind": None,
        "summary": None,
        "assessment": {"simulation_allowed": None, "workplace_evidence_required": None, "notes": []},
        "evidence_requirements": [],
        "outcomes": [],
    }
    return UnitState(unit)


def _unit_lines(lines: list[Line]) -> list[Line]:
    """From the first 'Unit NNN' heading of the units section to Appendix 1."""
    section = _find(lines, lambda line: line.text == "5 Units")
    start = _find(lines, lambda line: bool(_UNIT_HEADING.match(line.text)), max(section, 0))
    end = _find(lines, lambda line: line.text.startswith("Appendix 1 "), max(start, 0))
    if section < 0 or start < 0:
        raise ImportError_("cg3411: no units section ('5 Units' followed by 'Unit NNN')")
    return lines[start : end if end > 0 else len(lines)]


def _units(lines: list[Line], report: Report) -> list[dict[str, Any]]:
    units: list[dict[str, Any]] = []
    state: UnitState | None = None
    for line in (segment for raw in _unit_lines(lines) for segment in _segments(raw)):
        text = line.text
        if not text:
            continue
        heading = _UNIT_HEADING.match(text)
        if heading:
            state = _new_unit(heading["number"], heading["title"])
            units.append(state.unit)
            continue
        if state is None:
            continue
        _read(state, line, report)
    for unit in units:
        _check_unit(unit, report)
    return units


def _read(state: UnitState, line: Line, report: Report) -> None:
    text = line.text
    if text.startswith("UAN:") and state.unit["urn"] is not None:
        # A second unit's header with no "Unit NNN" heading: which unit it is
        # cannot be read from here, so it needs a correction naming it.
        raise ImportError_(
            f"cg3411: line {line.no}: {text} inside unit {state.unit['number']} with no 'Unit NNN' "
            "heading before it; add a correction giving the missing heading"
        )
    section = _SECTION.match(line.raw.strip())
    if section:
        _enter(state, section["name"], line, report)
        return
    if state.section == "header":
        _header_line(state, line, report)
    elif state.section == "outcome":
        _outcome_line(state, line, report)
    elif state.section == "criteria":
        _criterion_line(state, line, report)
    elif state.section in ("range", "guidance") and _CRITERION.match(text):
        # Guidance such as "2.2 Conventions of wording ..." repeats a criterion's number.
        report.warn(
            f"unit {state.unit['number']}: {state.section} line {line.no} starts like criterion "
            f"{_CRITERION.match(text)['number']} but is {state.section} text, not a criterion: {text[:60]!r}"
        )


def _enter(state: UnitState, name: str, line: Line, report: Report) -> None:
    if name == "Learning outcome":
        state.section = "outcome"
        state.outcome = None
    elif name == "Assessment criteria":
        if state.outcome is None:
            report.warn(f"unit {state.unit['number']}: criteria on line {line.no} have no learning outcome")
        state.section = "criteria"
    else:
        state.section = name.lower()


def _header_line(state: UnitState, line: Line, report: Report) -> None:
    unit, text = state.unit, line.text
    found = _FIELD.match(text)
    if found is None:
        if unit["title"] is None and not unit["outcomes"]:
            unit["title"] = text
        return
    name, value = found["name"], found["value"]
    if name == "UAN":
        unit["urn"] = value
    elif name == "Level":
        unit["level"] = int(re.sub(r"^Level\s*", "", value))
    elif name == "Credit value":
        unit["credits"] = int(value)
    elif name == "GLH":
        unit["glh"] = int(value)
    elif name == "Aim":
        unit["summary"] = value


def _outcome_line(state: UnitState, line: Line, report: Report) -> None:
    unit, text = state.unit, line.text
    if state.outcome is not None:
        where = f"unit {unit['number']}: line {line.no} after outcome {state.outcome['number']}'s title"
        report.warn(f"{where}, ignored: {text!r}")
        return
    if text.startswith("The learner will:"):
        text = text[len("The learner will:") :].strip()
        if not text:
            return
    found = _OUTCOME.match(text)
    if found is None:
        report.warn(f"unit {unit['number']}: outcome title on line {line.no} has no number: {text!r}")
        state.outcome = {"number": str(len(unit["outcomes"]) + 1), "title": text, "criteria": []}
    else:
        state.outcome = {"number": found["number"], "title": found["title"], "criteria": []}
    _warn_markup(unit["number"], f"outcome {state.outcome['number']}", line, report)
    unit["outcomes"].append(state.outcome)


def _criterion_line(state: UnitState, line: Line, report: Report) -> None:
    unit, text = state.unit, _strip_bullet(line.text)
    if text == "The learner can:" or state.outcome is None:
        return
    criteria = state.outcome["criteria"]
    found = _CRITERION.match(text)
    if found:
        criteria.append({"number": found["number"], "text": found["text"]})
        _warn_markup(unit["number"], f"criterion {found['number']}", line, report)
    elif criteria:
        criteria[-1]["text"] += " " + text
        report.warn(f"unit {unit['number']}: line {line.no} joined to criterion {criteria[-1]['number']}: {text!r}")
    else:
        criteria.append({"number": None, "text": text})
        where = f"unit {unit['number']} outcome {state.outcome['number']}"
        report.warn(f"{where}: criterion on line {line.no} has no number")


def _warn_markup(unit: str, what: str, line: Line, report: Report) -> None:
    """HTML paragraphs or markdown list markers/bold around text we keep."""
    kinds = []
    if line.html or re.search(r"</?[a-zA-Z][^>]*>", line.raw):
        kinds.append("HTML")
    if _MARKDOWN.search(line.raw):
        kinds.append("markdown")
    if kinds:
        report.warn(f"unit {unit}: {what} on line {line.no} printed with {' and '.join(kinds)}; read as plain text")


# --- checks on what was read ---------------------------------------------------------


def _check_unit(unit: dict[str, Any], report: Report) -> None:
    number = unit["number"]
    for key in ("urn", "title", "level", "credits"):
        if unit[key] is None:
            report.warn(f"unit {number}: no {key} printed")
    outcome_numbers = [o["number"] for o in unit["outcomes"]]
    _check_sequence(f"unit {number}: outcomes", outcome_numbers, report)
    for outcome in unit["outcomes"]:
        numbers = [c["number"] for c in outcome["criteria"] if c["number"]]
        where = f"unit {number} outcome {outcome['number']}"
        if not outcome["criteria"]:
            report.warn(f"{where}: no criteria")
        stray = [n for n in numbers if n.split(".")[0] != outcome["number"]]
        if stray:
            report.warn(f"{where}: criteria {', '.join(stray)} are numbered for another outcome")
        _check_sequence(f"{where}: criteria", [n.split(".")[-1] for n in numbers], report)


def _check_sequence(where: str, numbers: list[str], report: Report) -> None:
    values = [int(n) for n in numbers if n.isdigit()]
    duplicates = sorted({n for n in values if values.count(n) > 1})
    if duplicates:
        report.warn(f"{where}: duplicated number(s) {duplicates}")
    if values and sorted(set(values)) != list(range(1, max(values) + 1)):
        report.warn(f"{where}: numbering has a gap ({values})")


def _check_urns(units: list[dict[str, Any]], report: Report) -> None:
    """A URN names one unit; the same URN on two units is a misprint we cannot settle."""
    by_urn: dict[str, list[dict[str, Any]]] = {}
    for unit in units:
        by_urn.setdefault(unit["urn"], []).append(unit)
    for urn, same in by_urn.items():
        if urn is not None and len(same) > 1:
            names = "; ".join(f"unit {u['number']} {u['title']!r}" for u in same)
            report.warn(
                f"URN {urn} is printed for {len(same)} different units ({names}); kept as printed on each: "
                "one is probably a misprint, confirm the right URN with City & Guilds"
            )


def _check_shared_urns(qualification: dict[str, Any], report: Report) -> None:
    by_urn: dict[str, list[str]] = {}
    for unit in qualification["units"]:
        by_urn.setdefault(unit["urn"], []).append(unit["number"])
    for urn, numbers in by_urn.items():
        if len(numbers) > 1:
            report.warn(
                f"{qualification['number']}: units {' and '.join(numbers)} are both in this qualification "
                f"under URN {urn}; each is kept, keyed by its own unit number"
            )


def _check_row(row: TableRow, unit: dict[str, Any], qualification: str, report: Report) -> None:
    printed = {"urn": row.urn, "title": row.title, "credits": row.credits}
    for key, value in printed.items():
        if unit[key] != value:
            report.warn(
                f"{qualification}: unit {row.number} {key} in the structure table (line {row.line}) is "
                f"{value!r} but the unit itself prints {unit[key]!r}; kept the unit's"
            )


# --- building a qualification -----------------------------------------------------------


def _kind(unit: dict[str, Any], report: Report) -> str | None:
    # Every 3411 unit is a "Principles of ..." unit with Know/Understand outcomes,
    # assessed by an assignment: knowledge units. Anything else we cannot tell.
    if (unit["title"] or "").startswith("Principles"):
        return "knowledge"
    report.warn(f"unit {unit['number']}: not a 'Principles' unit, kind left null")
    return None


def _assessment_notes(group: dict[str, Any], method: str | None, assessment: Assessment) -> list[str]:
    notes = [f"Assessment method: {method}"] if method else []
    for requirement in assessment.requirements:
        if "mandatory unit" in requirement and not group["mandatory"]:
            continue
        if "optional unit" in requirement and group["mandatory"]:
            continue
        notes.append(f"Candidates must {requirement}")
    return notes


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _barred(structure: Structure, members: set[str], report: Report) -> list[dict[str, Any]]:
    """Barred sets from the table's last column, kept where both units are in this qualification."""
    pairs: list[tuple[str, str]] = []
    for row in structure.rows:
        if row.barred_with is None:
            continue
        pair = _pair(row.number, row.barred_with)
        if pair not in pairs:
            pairs.append(pair)
    stated = {_pair(*p) for p in structure.barred_pairs}
    for pair in sorted(set(pairs) ^ stated):
        report.warn(f"{structure.number}: barred pair {pair} is in only one of the unit table and the barring sentence")
    out = []
    for pair in pairs:
        if set(pair) <= members:
            text = structure.barred_sentence or f"Excluded combination of units: {pair[0]} and {pair[1]}"
            out.append({"units": list(pair), "text": text})
    return out


def _qualification(
    structure: Structure,
    overview: Overview | None,
    units: dict[str, dict[str, Any]],
    order: list[str],
    assessment: Assessment,
    source: tuple[str, str | None],
    report: Report,
) -> dict[str, Any]:
    groups = {g["id"]: g for g in structure.groups}
    rows = {row.number: row for row in structure.rows}
    methods = assessment.methods.get(structure.title, {})
    chosen = []
    for number in [n for n in order if n in rows] + [n for n in rows if n not in units]:
        if number not in units:
            report.warn(f"{structure.number}: unit {number} is in the structure table but not printed; left out")
            continue
        row, unit = rows[number], copy.deepcopy(units[number])
        _check_row(row, unit, structure.number, report)
        if number not in methods:
            report.warn(f"{structure.number}: unit {number} has no row in the assessment table")
        unit["group"] = row.group or None
        unit["kind"] = _kind(unit, report)
        group = groups.get(row.group, {"mandatory": False})
        unit["assessment"]["notes"] = _assessment_notes(group, methods.get(number), assessment)
        chosen.append(unit)
    file, edition = source
    return {
        "format": FORMAT,
        "number": structure.number,
        "title": structure.title,
        "awarding_organisation": AO,
        "ao_reference": overview.reference if overview else None,
        "level": structure.level,
        "credits": structure.credits,
        "glh": {"min": overview.glh, "max": overview.glh} if overview else None,
        "tqt": overview.tqt if overview else None,
        "dates": {
            "operational_start": None,
            "operational_end": None,
            "registration_end": None,
            "certification_end": None,
        },
        "source": {"file": file, "edition": edition},
        "rules_in_source": True,
        "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
        "rules_text": "\n".join(structure.rules_text),
        "groups": structure.groups,
        "rules": structure.rules,
        "barred": _barred(structure, set(rows) & set(units), report),
        "units": chosen,
    }


def parse(text: str, report: Report) -> list[dict[str, Any]]:
    lines = _lines(text)
    overviews = {o.number: o for o in _overview(lines)}
    structures = _structures(lines, report)
    assessment = _assessment(lines, [s.title for s in structures])
    printed = _units(lines, report)
    _check_urns(printed, report)
    units = {u["number"]: u for u in printed}
    if len(units) != len(printed):
        # The unit number is the key: two units under one number cannot both be kept.
        twice = sorted({u["number"] for u in printed if [v["number"] for v in printed].count(u["number"]) > 1})
        raise ImportError_(f"cg3411: unit number(s) {', '.join(twice)} printed for more than one unit")
    order = [u["number"] for u in printed]
    source = (report.source, _edition(lines))
    out = []
    for structure in structures:
        overview = overviews.get(structure.number)
        if overview is None:
            report.warn(f"{structure.number}: not in the overview table; GLH, TQT and reference left null")
        elif overview.title != structure.title:
            report.warn(f"{structure.number}: overview title {overview.title!r} differs from {structure.title!r}")
        if structure.title not in assessment.methods:
            report.warn(f"{structure.number}: no assessment table for {structure.title!r}")
        out.append(_qualification(structure, overview, units, order, assessment, source, report))
        _check_shared_urns(out[-1], report)
    for number in sorted(set(units) - {r.number for s in structures for r in s.rows}):
        report.warn(f"unit {number} is printed but in no qualification's structure table")
    return out


LAYOUT = Layout(name="cg3411", detect=detect, parse=parse)

