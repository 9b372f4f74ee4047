"""Per-AO keying sheets: a claim laid out in the order the awarding organisation's screens ask
for it (§3.3 of the domain notes), for the person who keys it in. Pure: no Django.

Each sheet is made from the generic claim file's rows (apps/certification/exports.py), so it says
what the claim file says, and from nothing else but, for SFJ, the criteria and evidence mapped:

- NCFE Portal: by NCFE learner number; units by NCFE unit number with the credit-transfer
  marker; the Portal status (full or partial) and the document to expect.
- City & Guilds Walled Garden: funded and non-funded learners as separate orders, then by complex
  number, candidate enrolment number and C&G unit number; "exception order required" without DCS.
- Pearson Edexcel Online: by Award Code and registration number; grades P/T; names checked against
  the 20/30 characters EOL takes, with a warning; dates as dd/mm/yyyy.
- SFJ Odyssey Online: the achievement-record mapping, per unit each criterion and the evidence
  mapped to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from .aos import AwardingOrganisation, ao_for

Row = Mapping[str, str]
# (criterion number, what the learner can do, the evidence mapped to it) per claimed unit.
Criterion = tuple[str, str, str]
CriteriaMap = Mapping[tuple[str, str], Sequence[Criterion]]  # (app_claim_line_id, ao_unit_code) -> criteria


@dataclass(frozen=True)
class Entry:
    """One learner as keyed: the learner's facts (label, value; the labels are Sheet.fact_labels)
    and unit rows (in Sheet.unit_columns order)."""

    heading: str
    facts: tuple[tuple[str, str], ...]
    units: tuple[tuple[str, ...], ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """One order, award code or qualification: keyed together."""

    heading: str
    notes: tuple[str, ...]
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Sheet:
    ao: AwardingOrganisation
    title: str
    reference: str
    centre_number: str
    intro: tuple[str, ...]
    fact_labels: tuple[str, ...]
    unit_columns: tuple[str, ...]
    groups: tuple[Group, ...]
    part: int = 1
    parts: int = 1

    @property
    def slug(self) -> str:
        return self.ao.code.lower()

    @property
    def warnings(self) -> int:
        return sum(len(entry.warnings) for group in self.groups for entry in group.entries)


def split(sheet: Sheet, size: int) -> list[Sheet]:
    """The sheet in parts of at most `size` learners each, in its order (a group that runs on is
    headed again, "continued"): a PDF of a whole college's batch takes minutes to lay out, a part
    a few seconds."""
    chunks: list[list[Group]] = [[]]
    room = size
    for group in sheet.groups:
        entries, heading, notes = list(group.entries), group.heading, group.notes
        while entries:
            if room == 0:
                chunks.append([])
                room = size
            taken, entries = entries[:room], entries[room:]
            chunks[-1].append(Group(heading=heading, notes=notes, entries=tuple(taken)))
            room -= len(taken)
            heading, notes = f"{group.heading} (continued)", ()
    return [replace(sheet, groups=tuple(groups), part=number, parts=len(chunks))
            for number, groups in enumerate(chunks, start=1)]


def learners(rows: Sequence[Row]) -> list[tuple[Row, list[Row]]]:
    """Each learner's summary row with its unit rows, in the file's order."""
    out: dict[str, tuple[Row, list[Row]]] = {}
    for row in rows:
        if row.get("row_type") == "learner":
            out[row["app_claim_line_id"]] = (row, [])
    for row in rows:
        if row.get("row_type") == "unit" and row["app_claim_line_id"] in out:
            out[row["app_claim_line_id"]][1].append(row)
    return list(out.values())


def natural(text: str) -> tuple:
    """"9" before "10", "L4-IO-2" before "L4-IO-10"."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def ao_date(iso: str, ao: AwardingOrganisation) -> str:
    """An ISO date of the claim file as the AO's screens write it (Pearson: dd/mm/yyyy)."""
    return date.fromisoformat(iso).strftime(ao.date_format) if iso else ""


def _name(row: Row) -> str:
    return " ".join(part for part in (row["learner_forenames"], row["learner_surname"]) if part)


def _claim(row: Row) -> str:
    return "Full qualification" if row["claim_type"] == "FULL" else "Units (credit)"


def _units(units: list[Row]) -> list[Row]:
    return sorted(units, key=lambda u: natural(u["ao_unit_code"]))


def _qualification(row: Row) -> str:
    code = f" ({row['ao_qualification_code']})" if row["ao_qualification_code"] else ""
    return f"{row['qualification_number']}{code} {row['qualification_title']}"


def _dcs_note(rows: list[Row], ao: AwardingOrganisation, without: str) -> tuple[str, ...]:
    return (without,) if any(r["dcs_at_claim"] != "Y" for r in rows) else (
        f"The centre holds Direct Claims Status: the claim goes to {ao.name} without EQA authorisation.",)


def _sheet(ao: AwardingOrganisation, rows: Sequence[Row], intro: tuple[str, ...], fact_labels: tuple[str, ...],
           unit_columns: tuple[str, ...], groups: list[Group]) -> Sheet:
    first = next(iter(rows), {})
    reference, number = first.get("claim_batch_ref", ""), first.get("centre_number", "")
    return Sheet(
        ao=ao, title=f"{ao.claim_channel} keying sheet for claim {reference}", reference=reference,
        centre_number=number,
        intro=(f"Key these claims on {ao.claim_channel} in this order. {ao.centre_number_label}: {number or 'not set'}.",
               *intro),
        fact_labels=fact_labels, unit_columns=unit_columns, groups=tuple(groups),
    )


# --- each AO's screens --------------------------------------------------------------------------


NCFE_FACTS = ("NCFE learner number", "Learner as registered", "Date of birth", "Learner start date",
              "Qualification (product code)", "Expected Portal status", "Expected document")
CG_FACTS = ("Candidate enrolment number", "Candidate as registered", "Date of birth", "Claim")
PEARSON_FACTS = ("Registration number", "Forenames", "Surname", "Date of birth", "Claim type", "Award date")
SFJ_FACTS = ("Registration number", "Learner as registered", "Date of birth", "Claim")


def _facts(labels: tuple[str, ...], *values: str) -> tuple[tuple[str, str], ...]:
    return tuple(zip(labels, values, strict=True))


def ncfe(rows: Sequence[Row]) -> Sheet:
    ao = ao_for("NCFE")
    entries = []
    for learner, units in sorted(learners(rows), key=lambda pair: natural(pair[0]["ao_registration_number"])):
        full = learner["claim_type"] == "FULL"
        entries.append(Entry(
            heading=f"{learner['ao_registration_number']} · {_name(learner)}",
            facts=_facts(NCFE_FACTS, learner["ao_registration_number"], _name(learner), learner["date_of_birth"],
                         learner["learner_start_date"], _qualification(learner), "Full" if full else "Partial",
                         ao.full_claim_document if full else ao.unit_claim_document),
            units=tuple((u["ao_unit_code"], u["unit_urn"], u["unit_title"], u["unit_credit"],
                         "Yes: declare it" if u["achievement_route"] == "CREDIT_TRANSFER" else "")
                        for u in _units(units)),
        ))
    summaries = [learner for learner, _ in learners(rows)]
    group = Group(heading="Portal › Certification", notes=_dcs_note(
        summaries, ao, "Without Direct Claims Status for a qualification, the claim waits for your EQA's "
                       "authorisation in the Portal."), entries=tuple(entries))
    return _sheet(ao, rows, ("The learner start date was locked at registration: check it matches the Portal.",
                             "Declare credit transfer in the Portal or on the Certificate Claim Form."),
                  NCFE_FACTS, ("NCFE unit number", "URN", "Unit title", "Credit", "Credit transfer"), [group])


FUNDING_ORDER = {"FUNDED": (0, "funded learners"), "NON_FUNDED": (1, "non-funded learners")}


def city_and_guilds(rows: Sequence[Row]) -> Sheet:
    ao = ao_for("City & Guilds")
    grouped: dict[tuple, list[tuple[Row, list[Row]]]] = {}
    for learner, units in learners(rows):
        order, words = FUNDING_ORDER.get(learner["funding_status"], (2, "learners with no funding status"))
        key = (order, words, natural(learner["ao_qualification_code"] or learner["qualification_number"]),
               learner["ao_qualification_code"], learner["qualification_number"], learner["qualification_title"])
        grouped.setdefault(key, []).append((learner, units))
    groups = []
    for number, (key, members) in enumerate(sorted(grouped.items(), key=lambda item: item[0][:3]), start=1):
        _, words, _, complex_number, qn, title = key
        summaries = [learner for learner, _ in members]
        notes = _dcs_note(summaries, ao, "Exception order required: the centre holds no Direct Claims Status for "
                                         "this qualification.")
        entries = []
        for learner, units in sorted(members, key=lambda pair: natural(pair[0]["ao_registration_number"])):
            warnings = () if learner["funding_status"] else (
                "No funding status recorded: set it on the learner's registration before placing the order.",)
            entries.append(Entry(
                heading=f"{learner['ao_registration_number']} · {_name(learner)}",
                facts=_facts(CG_FACTS, learner["ao_registration_number"], _name(learner), learner["date_of_birth"],
                             _claim(learner)),
                units=tuple((u["ao_unit_code"], u["unit_urn"], u["unit_title"],
                             "Credit transfer" if u["achievement_route"] == "CREDIT_TRANSFER" else "Achieved")
                            for u in _units(units)),
                warnings=warnings,
            ))
        groups.append(Group(heading=f"Order {number}: {words}, complex {complex_number or 'not set'} ({qn} {title})",
                            notes=notes, entries=tuple(entries)))
    return _sheet(ao, rows, ("Funded and non-funded learners go in separate results orders: choose the funding "
                             "status after the candidate list and before the units.",),
                  CG_FACTS, ("C&G unit number", "URN", "Unit title", "Result"), groups)


def pearson(rows: Sequence[Row]) -> Sheet:
    ao = ao_for("Pearson")
    grouped: dict[str, list[tuple[Row, list[Row]]]] = {}
    for learner, units in learners(rows):
        grouped.setdefault(learner["ao_qualification_code"], []).append((learner, units))
    groups = []
    for award_code in sorted(grouped, key=natural):
        members = grouped[award_code]
        first = members[0][0]
        entries = []
        for learner, units in sorted(members, key=lambda pair: natural(pair[0]["ao_registration_number"])):
            warnings = []
            for label, value, limit in (("Forenames are", learner["learner_forenames"], ao.forenames_max),
                                        ("Surname is", learner["learner_surname"], ao.surname_max)):
                if limit is not None and len(value) > limit:
                    warnings.append(f"{label} {len(value)} characters long: Edexcel Online takes {limit}. Agree the "
                                    "shortened name with Pearson before keying; never shorten it silently.")
            if not award_code:
                warnings.append("No Award Code recorded for this qualification: set it in the claim settings.")
            entries.append(Entry(
                heading=f"{learner['ao_registration_number']} · {_name(learner)}",
                facts=_facts(PEARSON_FACTS, learner["ao_registration_number"], learner["learner_forenames"],
                             learner["learner_surname"], ao_date(learner["date_of_birth"], ao),
                             "Full award" if learner["claim_type"] == "FULL" else "Interim (unit credit)",
                             ao_date(learner["award_date"], ao)),
                units=tuple((u["ao_unit_code"], u["unit_urn"], u["unit_title"], u["unit_grade"]) for u in _units(units)),
                warnings=tuple(warnings),
            ))
        groups.append(Group(heading=f"Award Code {award_code or 'not set'}: {first['qualification_number']} "
                                    f"{first['qualification_title']}",
                            notes=("Grades: P achieved, T transferred credit.",), entries=tuple(entries)))
    return _sheet(ao, rows, (f"Dates are written dd/mm/yyyy. Edexcel Online takes forenames of up to "
                             f"{ao.forenames_max} characters and surnames of up to {ao.surname_max}.",),
                  PEARSON_FACTS, ("Unit number", "URN", "Unit title", "Grade"), groups)


def sfj(rows: Sequence[Row], criteria: CriteriaMap) -> Sheet:
    ao = ao_for("SFJ Awards")
    grouped: dict[tuple[str, str], list[tuple[Row, list[Row]]]] = {}
    for learner, units in learners(rows):
        grouped.setdefault((learner["qualification_number"], learner["qualification_title"]), []).append((learner, units))
    groups = []
    for (qn, title), members in sorted(grouped.items()):
        entries = []
        for learner, units in sorted(members, key=lambda pair: natural(pair[0]["ao_registration_number"])):
            lines = []
            for unit in _units(units):
                mapped = criteria.get((learner["app_claim_line_id"], unit["ao_unit_code"])) or ()
                head = (unit["ao_unit_code"], unit["unit_urn"], unit["unit_title"])
                if unit["achievement_route"] != "ASSESSED":
                    route = unit["achievement_route"].replace("_", " ").capitalize()
                    lines.append((*head, "All", route, unit["prior_certificate_number"] or "As recorded by the centre"))
                elif not mapped:
                    lines.append((*head, "All", "", "No criteria recorded for this unit"))
                for number, text, evidence in mapped:
                    lines.append((*head, number, text, evidence or "None mapped"))
            entries.append(Entry(
                heading=f"{learner['ao_registration_number']} · {_name(learner)}",
                facts=_facts(SFJ_FACTS, learner["ao_registration_number"], _name(learner), learner["date_of_birth"],
                             _claim(learner)),
                units=tuple(lines),
            ))
        groups.append(Group(heading=f"{qn} {title}", notes=(), entries=tuple(entries)))
    return _sheet(ao, rows, ("Achievement Record mapping: every assessment criterion of each unit claimed, with the "
                             "evidence mapped to it.",),
                  SFJ_FACTS, ("Unit number", "URN", "Unit title", "Criterion", "The learner can", "Evidence"), groups)


def general(ao: AwardingOrganisation, rows: Sequence[Row]) -> Sheet:
    """An AO with no screens of its own here: learners by registration number, units by number."""
    labels = (ao.registration_label, "Learner as registered", "Date of birth", "Qualification", "Claim")
    entries = tuple(
        Entry(heading=f"{learner['ao_registration_number']} · {_name(learner)}",
              facts=_facts(labels, learner["ao_registration_number"], _name(learner), learner["date_of_birth"],
                           _qualification(learner), _claim(learner)),
              units=tuple((u["ao_unit_code"], u["unit_urn"], u["unit_title"], u["unit_grade"]) for u in _units(units)))
        for learner, units in sorted(learners(rows), key=lambda pair: natural(pair[0]["ao_registration_number"]))
    )
    return _sheet(ao, rows, (), labels, ("Unit number", "URN", "Unit title", "Grade"), [Group(heading="Claims", notes=(), entries=entries)])


def sheet(awarding_organisation: str, rows: Sequence[Row], criteria: CriteriaMap | None = None) -> Sheet:
    """The keying sheet of a claim to this AO (by the catalogue's name for it)."""
    ao = ao_for(awarding_organisation)
    if ao.code == "NCFE":
        return ncfe(rows)
    if ao.code == "CG":
        return city_and_guilds(rows)
    if ao.code == "PEARSON":
        return pearson(rows)
    if ao.code == "SFJ":
        return sfj(rows, criteria or {})
    return general(ao, rows)
