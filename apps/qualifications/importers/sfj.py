"""SFJ Awards qualification specifications (e.g. Level 3 Diploma in Customer Service).

The layout: a title page with "Regulation No:", a version history, a withdrawal
notice, a "Structure" section (the rules of combination in one paragraph and a table
of units under group headings), then each unit as

    Unit N: Title URN
    Guided Learning Hours / Unit Level / Unit Credit
    a table: learning outcome | criterion number | criterion text (| indicative content)
    Unit N Guidance on Delivery and Assessment (Delivery, Assessment, Simulation, Links)

and finally appendices (assessment strategies of other bodies, ITQ, NOS) that are
read by nobody here: parsing stops at the first "Appendix" heading after the units.

The tables come out of the PDF as tab-separated rows. Damage the parser reads through
is reported with `report.warn`; damage that changes meaning is left for the
corrections file.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .base import FORMAT, Layout, Report, clean

AWARDING_ORGANISATION = "SFJ Awards"

_QUAL_NUMBER = re.compile(r"Regulation No:\s*(\d{3}/\d{4}/[\dX])")
_UNIT_HEADING = re.compile(r"^Unit (\d+):\s*(.*?)\s*([A-Z]/\d{3}/\d{4})$")
_GUIDANCE_HEADING = re.compile(r"^Unit (\d+) Guidance on Delivery and Assessment(?:\s+(Delivery))?$")
_UNIT_FIELD = re.compile(r"^(Guided Learning Hours|Unit Level|Unit Credit):\s*(\d+)$")
_TABLE_HEADER = re.compile(r"earning Outcome - The learner will")
_CRITERION_NUMBER = re.compile(r"^\d+\.\d+$")
_CRITERION_WITH_TEXT = re.compile(r"^(\d+\.\d+)\s+(\S.*)$")
_OUTCOME_NUMBER = re.compile(r"^(\d+)\.\s*(\S.*)$")
_GROUP_HEADING = re.compile(r"^(Manda\w*|Option\w*)\s*Group(?:\s+([A-Z]))?$")
_STRUCTURE_ROW = re.compile(r"^\d+$")
_DATE = r"(\d{1,2} [A-Z][a-z]+ \d{4})"
_BULLET = re.compile(r"^(?:[-•·]\s*)+")

# Paragraphs of a unit's "Assessment" section that state how it must be assessed;
# the rest of that section is amplification of single criteria (teaching guidance).
_REQUIREMENT = re.compile(
    r"^(All Assessment Criteria must|All learning outcomes in this unit must|Evidence for this unit"
    r"|This is a knowledge-based unit|This unit is subject to the requirements)"
)


def detect(text: str) -> bool:
    head = text[:4000]
    return (
        "SFJ Awards" in head
        and _QUAL_NUMBER.search(head) is not None
        and "Guidance on Delivery and Assessment" in text
    )


# --- lines -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based line number in the (corrected) source, for warnings
    raw: str  # tabs kept: they separate table cells
    text: str  # the whole line, cleaned


def _lines(text: str) -> list[_Line]:
    return [_Line(i + 1, raw, clean(raw)) for i, raw in enumerate(text.split("\n"))]


def _index(lines: list[_Line], predicate: Callable[[_Line], bool], start: int = 0) -> int:
    for i in range(start, len(lines)):
        if predicate(lines[i]):
            return i
    return -1


# --- qualification header -------------------------------------------------------------


def _title(lines: list[_Line]) -> str:
    return next(line.text for line in lines if line.text)


def _iso(printed: str) -> str:
    return datetime.datetime.strptime(printed, "%d %B %Y").date().isoformat()


def _dates(text: str, report: Report) -> dict[str, str | None]:
    registration = re.search(r"registered on this qualification after " + _DATE, text)
    certification = re.search(r"certifications must be completed by " + _DATE, text)
    report.warn("qualification: the source prints no operational start or end date; both left null")
    return {
        "operational_start": None,
        "operational_end": None,
        "registration_end": _iso(registration[1]) if registration else None,
        "certification_end": _iso(certification[1]) if certification else None,
    }


def _edition(text: str, report: Report) -> str | None:
    # The version history ("V3.0 updated August 2022: ...") dates the edition; the page
    # footers print a version with an older date, so say which one was taken.
    history = re.findall(r"\b(V\d+\.\d+ updated [A-Z][a-z]+ \d{4})", text)
    if not history:
        return None
    edition = history[-1]
    footer = re.search(r"Version (\d+\.\d+) \| (\d{2}/\d{2}/\d{4})", text)
    if footer and edition.startswith(f"V{footer[1]} "):
        report.warn(
            f"qualification: edition taken from the version history ({edition!r}); "
            f"the page footers print 'Version {footer[1]} | {footer[2]}'"
        )
    return edition


def _glh(text: str) -> dict[str, int] | None:
    match = re.search(r"Guided learning hours are (\d+)\s*-\s*(\d+)", text)
    if match:
        return {"min": int(match[1]), "max": int(match[2])}
    match = re.search(r"Guided learning hours are (\d+)\b", text)
    return {"min": int(match[1]), "max": int(match[1])} if match else None


# --- structure: rules of combination and the unit table ------------------------------


@dataclass
class _Structure:
    rules_text: str | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    # unit number -> (title, credits, glh, group id, line number)
    table: dict[str, tuple[str, int, int, str | None, int]] = field(default_factory=dict)


def _structure(lines: list[_Line], report: Report) -> _Structure:
    out = _Structure()
    start = _index(lines, lambda line: line.text == "Structure")
    if start < 0:
        report.warn("qualification: no 'Structure' section; no rules of combination read")
        return out
    end = _index(lines, lambda line: line.text == "Delivery", start)
    section = lines[start + 1 : end if end >= 0 else len(lines)]
    sentence = next((line.text for line in section if line.text.startswith("To achieve")), None)
    out.rules_text = sentence
    if sentence:
        out.groups, out.rules = _rules(sentence, report)
    out.table = _structure_table(section, out.groups, report)
    return out


def _group_id(name: str) -> str:
    letter = re.search(r"Group ([A-Z])$", name)
    return letter[1] if letter else "M"


def _rules(sentence: str, report: Report) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Groups and structured rules from the one paragraph that states them."""
    groups: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    total = re.search(r"must achieve a minimum of (\d+) credits", sentence)
    if total:
        rules.append({"type": "credits", "groups": None, "min": int(total[1])})
    clause = re.compile(
        r"(?:([Aa] minimum|[Aa] maximum) of )?(\d+) credits (?:can come )?from (?:the )?"
        r"((?:Mandatory|Optional) Group(?: [A-Z])?)"
    )
    for bound, credits, name in clause.findall(sentence):
        gid = _group_id(name)
        if gid not in [g["id"] for g in groups]:
            groups.append({"id": gid, "title": name, "mandatory": name.startswith("Mandatory")})
        key = "max" if bound.lower() == "a maximum" else "min"
        rules.append({"type": "credits", "groups": [gid], key: int(credits)})
    if not rules:
        report.warn(f"qualification: no rule could be read from the structure paragraph: {sentence!r}")
    return groups, rules


def _structure_table(
    section: list[_Line], groups: list[dict[str, Any]], report: Report
) -> dict[str, tuple[str, int, int, str | None, int]]:
    table: dict[str, tuple[str, int, int, str | None, int]] = {}
    current: str | None = None
    known = {g["id"] for g in groups}
    for line in section:
        cells = [clean(c) for c in line.raw.split("\t") if clean(c)]
        if not cells:
            continue
        heading = _GROUP_HEADING.match("".join(cells))
        if heading:
            current = heading[2] or "M"
            printed = " ".join(cells)
            if current not in known:
                report.warn(f"line {line.number}: structure table heading {printed!r} names no group of the rules")
            elif printed not in [g["title"] for g in groups]:
                report.warn(
                    f"line {line.number}: structure table heading {printed!r} is split by extraction; "
                    f"read as group {current!r}"
                )
            continue
        if _STRUCTURE_ROW.match(cells[0]) and len(cells) == 4:
            number, title, credits, glh = cells
            table[number] = (title, int(credits), int(glh), current, line.number)
    return table


# --- units ---------------------------------------------------------------------------


def _unit_spans(lines: list[_Line]) -> list[tuple[int, int]]:
    """(heading index, end index) of each unit body; the contents page is skipped."""
    starts = [
        i
        for i, line in enumerate(lines)
        if _UNIT_HEADING.match(line.text) and _next_text(lines, i).startswith("Guided Learning Hours")
    ]
    spans = []
    for k, start in enumerate(starts):
        if k + 1 < len(starts):
            end = starts[k + 1]
        else:
            end = _index(lines, lambda line: line.text.startswith("Appendix "), start)
            end = end if end >= 0 else len(lines)
        spans.append((start, end))
    return spans


def _next_text(lines: list[_Line], i: int) -> str:
    j = _index(lines, lambda line: bool(line.text), i + 1)
    return lines[j].text if j >= 0 else ""


def _unit(lines: list[_Line], start: int, end: int, report: Report) -> dict[str, Any]:
    heading = _UNIT_HEADING.match(lines[start].text)
    assert heading is not None
    number, title, urn = heading[1], heading[2] or None, heading[3]
    where = f"unit {number}"
    body = lines[start + 1 : end]
    fields = {m[1]: int(m[2]) for line in body if (m := _UNIT_FIELD.match(line.text))}
    header = _index(body, lambda line: bool(_TABLE_HEADER.search(line.text)))
    guidance = _index(body, lambda line: bool(_GUIDANCE_HEADING.match(line.text)))
    if header < 0 or guidance < 0:
        report.warn(f"line {lines[start].number}: {where}: no outcome table or no guidance section found")
    table_end = guidance if guidance >= 0 else len(body)
    indicative = header >= 0 and "Indicative Content" in body[header].text
    outcomes = _outcomes(body[header + 1 : table_end] if header >= 0 else [], indicative, where, report)
    guide = _guidance(body[table_end:])
    if guide.simulation_allowed and guide.workplace_evidence_required:
        report.warn(
            f"line {lines[start].number}: {where}: the assessment section asks for competence in the workplace "
            "while the simulation section allows simulation; both are recorded as printed"
        )
    return {
        "number": number,
        "urn": urn,
        "title": title,
        "level": fields.get("Unit Level"),
        "credits": fields.get("Unit Credit"),
        "glh": fields.get("Guided Learning Hours"),
        "group": None,  # filled from the structure table
        "kind": guide.kind,
        "summary": guide.summary,
        "assessment": {
            "simulation_allowed": guide.simulation_allowed,
            "workplace_evidence_required": guide.workplace_evidence_required,
            "notes": guide.notes,
        },
        "evidence_requirements": [],  # this layout prints no unit-level coverage items
        "outcomes": outcomes,
    }


# --- the outcome / criteria table ----------------------------------------------------


@dataclass
class _Row:
    line: int
    left: str  # the learning outcome column ('' when empty)
    number: str | None  # criterion number
    text: str  # criterion text
    extra: list[str]  # further cells: indicative content, or a criterion split by the PDF


def _row(line: _Line) -> _Row:
    cells = [clean(c) for c in line.raw.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    # A row that lost its empty outcome cell starts with the criterion number.
    left, rest = ("", cells) if cells and _CRITERION_NUMBER.match(cells[0]) else (cells[0], cells[1:])
    number: str | None = None
    tail = rest
    if rest and _CRITERION_NUMBER.match(rest[0]):
        number, tail = rest[0], rest[1:]
    elif rest and (m := _CRITERION_WITH_TEXT.match(rest[0])):
        number, tail = m[1], [m[2], *rest[1:]]
    elif rest and not rest[0]:
        tail = rest[1:]
    tail = [c for c in tail if c] or [""]
    return _Row(line.number, left, number, tail[0], tail[1:])


@dataclass
class _Outcome:
    number: str | None
    title: str
    line: int
    criteria: list[dict[str, Any]] = field(default_factory=list)
    criterion_lines: list[int] = field(default_factory=list)  # for warnings

    def effective_number(self) -> str | None:
        """The printed number, or the one its first numbered criterion implies."""
        if self.number is not None:
            return self.number
        return next((_prefix(c["number"]) for c in self.criteria if c["number"]), None)


def _prefix(criterion: str) -> str:
    return criterion.split(".")[0]


def _join(title: str, more: str) -> str:
    # A title wrapped after a hyphen ("real-" / "time") joins without a space.
    return title + more if title.endswith("-") else f"{title} {more}"


def _outcomes(rows: list[_Line], indicative: bool, where: str, report: Report) -> list[dict[str, Any]]:
    outcomes: list[_Outcome] = []
    dropped = 0
    for line in rows:
        if not line.text:
            continue
        row = _row(line)
        current = outcomes[-1] if outcomes else None
        if row.left:
            numbered = _OUTCOME_NUMBER.match(row.left)
            if numbered:
                outcomes.append(_Outcome(numbered[1], numbered[2], row.line))
            elif current is None or _starts_new_outcome(current, row):
                outcomes.append(_Outcome(None, row.left, row.line))
            else:
                current.title = _join(current.title, row.left)
            current = outcomes[-1]
        if row.number is None and not row.text:
            continue
        if current is None:
            report.warn(f"line {row.line}: {where}: criterion before any learning outcome; skipped")
            continue
        text = _criterion_text(row, indicative, where, report)
        if row.extra and indicative:
            dropped += 1
        current.criteria.append({"number": row.number, "text": text})
        current.criterion_lines.append(row.line)
    if dropped:
        report.warn(
            f"{where}: the 'Indicative Contents' column ({dropped} rows) is teaching guidance, "
            "not criteria; not imported"
        )
    return [_finish(o, i, outcomes, where, report) for i, o in enumerate(outcomes)]


def _starts_new_outcome(current: _Outcome, row: _Row) -> bool:
    """An unnumbered outcome cell opens a new outcome when its row's criterion belongs to another one."""
    expected = current.effective_number()
    return bool(row.number and expected and _prefix(row.number) != expected and current.criteria)


def _criterion_text(row: _Row, indicative: bool, where: str, report: Report) -> str:
    text = row.text
    if row.number and text.startswith(row.number + " "):
        report.warn(f"line {row.line}: {where}: criterion {row.number} prints its number twice; the repeat is dropped")
        text = text[len(row.number) + 1 :]
    if row.extra and not indicative:
        report.warn(
            f"line {row.line}: {where}: criterion {row.number} is split across table cells; "
            f"joined with a space: {text!r} + {row.extra!r}"
        )
        text = " ".join([text, *row.extra])
    if row.number is None:
        report.warn(f"line {row.line}: {where}: criterion printed without a number: {text!r}")
    return text


def _finish(outcome: _Outcome, i: int, outcomes: list[_Outcome], where: str, report: Report) -> dict[str, Any]:
    number = outcome.number
    if number is None:
        number = outcome.effective_number()
        how = "from its criteria"
        if number is None:
            previous = outcomes[i - 1].number if i else "0"
            number, how = str(int(previous or "0") + 1), "from its position"
            outcome.number = number
        report.warn(f"line {outcome.line}: {where}: learning outcome printed without a number; numbered {number} {how}")
    label = f"{where}, outcome {number}"
    if outcome.title[:1].islower():
        report.warn(
            f"line {outcome.line}: {label}: title starts in lower case, its first line may be lost: {outcome.title!r}"
        )
    if str(i + 1) != number:
        report.warn(f"line {outcome.line}: {where}: outcome {number} is printed in position {i + 1}")
    _check_criteria(outcome, number, label, report)
    return {"number": number, "title": outcome.title, "criteria": outcome.criteria}


def _check_criteria(outcome: _Outcome, number: str, label: str, report: Report) -> None:
    seen: set[str] = set()
    expected = 1
    for criterion, line in zip(outcome.criteria, outcome.criterion_lines, strict=False):
        printed = criterion["number"]
        if printed is None:
            expected += 1
            continue
        if _prefix(printed) != number:
            report.warn(
                f"line {line}: {label}: criterion {printed} is printed on outcome {number}'s row "
                f"(its number belongs to outcome {_prefix(printed)}): {criterion['text']!r}"
            )
            continue
        if printed in seen:
            report.warn(f"line {line}: {label}: criterion number {printed} is printed twice")
        seen.add(printed)
        position = int(printed.split(".")[1])
        if position != expected:
            report.warn(
                f"line {line}: {label}: criterion {printed} follows a gap in numbering (expected {number}.{expected})"
            )
        expected = position + 1


# --- guidance on delivery and assessment ----------------------------------------------


@dataclass
class _Guidance:
    summary: str | None = None
    kind: str | None = None
    simulation_allowed: bool | None = None
    workplace_evidence_required: bool | None = None
    notes: list[str] = field(default_factory=list)


def _sections(lines: list[_Line]) -> dict[str, list[list[str]]]:
    """Delivery / Assessment / Simulation / Links as blocks: a paragraph and its bullet list."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in lines:
        text = line.text
        heading = _GUIDANCE_HEADING.match(text)
        if heading:
            # "Unit 42 Guidance on Delivery and Assessment Delivery" merges two headings.
            current = sections.setdefault("Delivery", []) if heading[2] else None
            continue
        if text in ("Delivery", "Assessment", "Simulation", "Links"):
            current = sections.setdefault(text, [])
            continue
        if not text or current is None:
            continue
        if _BULLET.match(text) and current:
            current[-1].append(_BULLET.sub("", text))
        else:
            current.append([text])
    return sections


def _block_text(block: list[str]) -> str:
    """A paragraph and its bullet list as one string: 'including: a; b; c'."""
    head, items = block[0], block[1:]
    return f"{head} {'; '.join(items)}" if items else head


def _guidance(lines: list[_Line]) -> _Guidance:
    sections = _sections(lines)
    out = _Guidance()
    delivery = [_block_text(b) for b in sections.get("Delivery", [])]
    out.summary = " ".join(delivery) or None
    requirements = [_block_text(b) for b in sections.get("Assessment", []) if _REQUIREMENT.match(b[0])]
    simulation = [_block_text(b) for b in sections.get("Simulation", [])]
    out.notes = requirements + simulation
    said = " ".join(out.notes)
    # kind: the unit's own assessment paragraph says "knowledge-based unit" or asks for
    # evidence of "consistent competence"; nothing else is taken as a sign.
    if "knowledge-based unit" in said:
        out.kind = "knowledge"
    elif "consistent competence" in said:
        out.kind = "competence"
    if re.search(r"Simulation is not allowed", said):
        out.simulation_allowed = False
    elif re.search(r"may be based on either candidate performance at work or through simulation", said):
        out.simulation_allowed = True
    if "does not have to come from a traditional workplace setting" in said:
        out.workplace_evidence_required = False
    elif "consistent competence in the workplace" in said:
        out.workplace_evidence_required = True
    return out


# --- cross-checks against the structure table -------------------------------------------


def _assign_groups(units: list[dict[str, Any]], structure: _Structure, report: Report) -> None:
    by_number = {u["number"]: u for u in units}
    for number, (title, credits, glh, group, line) in structure.table.items():
        unit = by_number.get(number)
        if unit is None:
            report.warn(f"line {line}: structure table lists unit {number} ({title!r}) but no such unit heading")
            continue
        unit["group"] = group
        if unit["title"] is not None and unit["title"].casefold() != title.casefold():
            report.warn(
                f"line {line}: unit {number}: structure table title {title!r} "
                f"differs from the heading {unit['title']!r}"
            )
        if (unit["credits"], unit["glh"]) != (credits, glh):
            report.warn(
                f"line {line}: unit {number}: structure table prints {credits} credits / {glh} GLH, "
                f"the unit prints {unit['credits']} / {unit['glh']}"
            )
    for unit in units:
        listed = structure.table.get(unit["number"])
        if listed is None:
            report.warn(f"unit {unit['number']}: not in the structure table, so in no group")
        if unit["title"] is None:
            hint = f"; the structure table lists {listed[0]!r}" if listed else ""
            report.warn(f"unit {unit['number']} ({unit['urn']}): the heading prints no title{hint}")


def _check_appendix_references(units: list[dict[str, Any]], lines: list[_Line], report: Report) -> None:
    """A note that sends the reader to an appendix holding another strategy is worth a look."""
    appendices: dict[str, str] = {}
    for line in lines:
        # The last heading of each letter is the appendix itself (contents and
        # tutor requirements name them first; the contents adds a page number).
        heading = re.match(r"^Appendix ([A-Z]): (.+?)(?: \d{1,3})?$", line.text)
        if heading:
            appendices[heading[1]] = heading[2]
    for unit in units:
        for note in unit["assessment"]["notes"]:
            ref = re.search(r"in line with the (.+?) in Appendix ([A-Z])\b", note)
            if ref and ref[1] not in appendices.get(ref[2], ""):
                report.warn(
                    f"unit {unit['number']}: its assessment note names {ref[1]!r} in Appendix {ref[2]}, "
                    f"but Appendix {ref[2]} is {appendices.get(ref[2])!r}"
                )


def _check_repeats(units: list[dict[str, Any]], report: Report) -> None:
    for key in ("urn", "title"):
        seen: dict[str, str] = {}
        for unit in units:
            value = unit[key]
            if value is None:
                continue
            if value in seen:
                report.warn(f"unit {unit['number']}: {key} {value!r} is also printed for unit {seen[value]}")
            seen.setdefault(value, unit["number"])


# --- the whole document -------------------------------------------------------------------


def parse(text: str, report: Report) -> list[dict[str, Any]]:
    lines = _lines(text)
    title = _title(lines)
    number = _QUAL_NUMBER.search(text)
    level = re.search(r"\bLevel (\d)\b", title)
    structure = _structure(lines, report)
    units = [_unit(lines, start, end, report) for start, end in _unit_spans(lines)]
    _assign_groups(units, structure, report)
    _check_repeats(units, report)
    _check_appendix_references(units, lines, report)
    total = next((r["min"] for r in structure.rules if r["groups"] is None and "min" in r), None)
    qualification = {
        "format": FORMAT,
        "number": number[1] if number else None,
        "title": title,
        "awarding_organisation": AWARDING_ORGANISATION,
        "ao_reference": None,  # SFJ prints no code of its own for the qualification
        "level": int(level[1]) if level else None,
        "credits": total,
        "glh": _glh(text),
        "tqt": None,  # the source prints no total qualification time
        "dates": _dates(text, report),
        "source": {"file": report.source, "edition": _edition(text, report)},
        "rules_in_source": bool(structure.rules),
        "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
        "rules_text": structure.rules_text,
        "groups": structure.groups,
        "rules": structure.rules,
        "barred": [],  # the source bars no units against each other
        "units": units,
    }
    return [qualification]


LAYOUT = Layout(name="sfj", detect=detect, parse=parse)
