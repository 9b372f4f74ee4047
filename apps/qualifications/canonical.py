"""The catalogue format (docs/catalogue-format.md) <-> database rows.

Both directions go through `QualificationRows`, unsaved or saved model instances with their
children in order. The loader builds rows from a dict, and the content hash is taken from
the canonical text those rows export to; the exporter builds the same structure from the
database. So what is hashed is exactly what `export_qualification` will print, and
`dump_yaml(qualification_to_canonical(q))` reproduces the file the version was loaded from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects

from .importers import FORMAT, dump_yaml
from .models import AssessmentCriterion, EvidenceRequirement, LearningOutcome, Qualification, Unit

# Key order of the small JSON lists; PostgreSQL's jsonb does not keep the order it was given.
_GROUP_KEYS = ("id", "title", "mandatory")
_RULE_KEYS = ("type", "groups", "level", "min", "max")
_BARRED_KEYS = ("units", "text")
_CORRECTION_KEYS = ("id", "reason", "unit")
_DATE_FIELDS = ("operational_start", "operational_end", "registration_end", "certification_end")

# What qualification_to_canonical reads; prefetch it to export without a query per unit.
CANONICAL_PREFETCH = (
    Prefetch("units", queryset=Unit.objects.order_by("position")),
    Prefetch("units__evidence_requirements", queryset=EvidenceRequirement.objects.order_by("position")),
    Prefetch("units__outcomes", queryset=LearningOutcome.objects.order_by("position")),
    Prefetch("units__outcomes__criteria", queryset=AssessmentCriterion.objects.order_by("position")),
)


@dataclass
class OutcomeRows:
    outcome: LearningOutcome
    criteria: list[AssessmentCriterion] = field(default_factory=list)


@dataclass
class UnitRows:
    unit: Unit
    evidence_requirements: list[EvidenceRequirement] = field(default_factory=list)
    outcomes: list[OutcomeRows] = field(default_factory=list)


@dataclass
class QualificationRows:
    qualification: Qualification
    units: list[UnitRows] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "units": len(self.units),
            "outcomes": sum(len(u.outcomes) for u in self.units),
            "criteria": sum(len(o.criteria) for u in self.units for o in u.outcomes),
            "evidence_requirements": sum(len(u.evidence_requirements) for u in self.units),
        }


# --- canonical dict -> rows ------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def canonical_to_rows(data: dict[str, Any]) -> QualificationRows:
    """Unsaved rows for one qualification dict that has passed `schema.validate`."""
    glh = data["glh"]
    qualification = Qualification(
        number=data["number"],
        title=data["title"],
        awarding_organisation=data["awarding_organisation"],
        ao_reference=data["ao_reference"],
        level=data["level"],
        credits=data["credits"],
        glh_min=glh["min"] if glh is not None else None,
        glh_max=glh["max"] if glh is not None else None,
        tqt=data["tqt"],
        **{name: _date(data["dates"][name]) for name in _DATE_FIELDS},
        source_file=data["source"]["file"],
        source_edition=data["source"]["edition"],
        rules_in_source=data["rules_in_source"],
        interpretation_level_credits=data["interpretation"]["level_credits"],
        interpretation_group_maximum=data["interpretation"]["group_maximum"],
        rules_text=data["rules_text"],
        groups=[_ordered(g, _GROUP_KEYS) for g in data["groups"]],
        rules_json=[_ordered(r, _RULE_KEYS) for r in data["rules"]],
        barred=[_ordered(b, _BARRED_KEYS) for b in data["barred"]],
        corrections=[_ordered(c, _CORRECTION_KEYS) for c in data.get("corrections", [])],
    )
    rows = QualificationRows(qualification)
    for u_pos, raw in enumerate(data["units"]):
        assessment = raw["assessment"]
        unit = Unit(
            qualification=qualification,
            position=u_pos,
            number=raw["number"],
            urn=raw["urn"],
            title=raw["title"],
            level=raw["level"],
            credits=raw["credits"],
            glh=raw["glh"],
            group=raw["group"],
            kind=raw["kind"],
            summary=raw["summary"],
            simulation_allowed=assessment["simulation_allowed"],
            workplace_evidence_required=assessment["workplace_evidence_required"],
            assessment_notes=list(assessment["notes"]),
        )
        unit_rows = UnitRows(unit)
        for e_pos, req in enumerate(raw["evidence_requirements"]):
            unit_rows.evidence_requirements.append(
                EvidenceRequirement(unit=unit, position=e_pos, number=req["number"], text=req["text"])
            )
        for o_pos, out in enumerate(raw["outcomes"]):
            outcome = LearningOutcome(unit=unit, position=o_pos, number=out["number"], title=out["title"])
            unit_rows.outcomes.append(
                OutcomeRows(
                    outcome,
                    [
                        AssessmentCriterion(
                            outcome=outcome, unit=unit, position=c_pos, number=crit["number"], text=crit["text"]
                        )
                        for c_pos, crit in enumerate(out["criteria"])
                    ],
                )
            )
        rows.units.append(unit_rows)
    return rows


# --- rows -> canonical dict ------------------------------------------------------


def _ordered(raw: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The keys of `raw` in canonical order (the schema allows no others)."""
    out = {key: raw[key] for key in keys if key in raw}
    out.update((key, value) for key, value in raw.items() if key not in out)
    return out


def rows_to_canonical(rows: QualificationRows) -> dict[str, Any]:
    q = rows.qualification
    data = {
        "format": FORMAT,
        "number": q.number,
        "title": q.title,
        "awarding_organisation": q.awarding_organisation,
        "ao_reference": q.ao_reference,
        "level": q.level,
        "credits": q.credits,
        "glh": {"min": q.glh_min, "max": q.glh_max} if q.glh_min is not None else None,
        "tqt": q.tqt,
        "dates": {
            name: value.isoformat() if value is not None else None
            for name in _DATE_FIELDS
            for value in [getattr(q, name)]
        },
        "source": {"file": q.source_file, "edition": q.source_edition},
        "rules_in_source": q.rules_in_source,
        "interpretation": {
            "level_credits": q.interpretation_level_credits,
            "group_maximum": q.interpretation_group_maximum,
        },
        "rules_text": q.rules_text,
        "groups": [_ordered(g, _GROUP_KEYS) for g in q.groups],
        "rules": [_ordered(r, _RULE_KEYS) for r in q.rules_json],
        "barred": [_ordered(b, _BARRED_KEYS) for b in q.barred],
    }
    # Only a version read with corrections has the key, so files without any keep their text.
    if q.corrections:
        data["corrections"] = [_ordered(c, _CORRECTION_KEYS) for c in q.corrections]
    data["units"] = [_unit_to_canonical(u) for u in rows.units]
    return data


def _unit_to_canonical(rows: UnitRows) -> dict[str, Any]:
    u = rows.unit
    return {
        "number": u.number,
        "urn": u.urn,
        "title": u.title,
        "level": u.level,
        "credits": u.credits,
        "glh": u.glh,
        "group": u.group,
        "kind": u.kind,
        "summary": u.summary,
        "assessment": {
            "simulation_allowed": u.simulation_allowed,
            "workplace_evidence_required": u.workplace_evidence_required,
            "notes": list(u.assessment_notes),
        },
        "evidence_requirements": [{"number": e.number, "text": e.text} for e in rows.evidence_requirements],
        "outcomes": [
            {
                "number": o.outcome.number,
                "title": o.outcome.title,
                "criteria": [{"number": c.number, "text": c.text} for c in o.criteria],
            }
            for o in rows.outcomes
        ],
    }


def _by_position(objs):
    return sorted(objs, key=lambda o: o.position)


def qualification_rows(qualification: Qualification) -> QualificationRows:
    """The saved rows of one version, prefetching its content unless already prefetched."""
    if "units" not in getattr(qualification, "_prefetched_objects_cache", {}):
        prefetch_related_objects([qualification], *CANONICAL_PREFETCH)
    return QualificationRows(
        qualification,
        [
            UnitRows(
                unit,
                _by_position(unit.evidence_requirements.all()),
                [OutcomeRows(o, _by_position(o.criteria.all())) for o in _by_position(unit.outcomes.all())],
            )
            for unit in _by_position(qualification.units.all())
        ],
    )


def qualification_to_canonical(qualification: Qualification) -> dict[str, Any]:
    """The canonical dict of one saved version, in the format's key order."""
    return rows_to_canonical(qualification_rows(qualification))


def canonical_text(data: dict[str, Any]) -> str:
    """The YAML text of a canonical dict whose keys are already in the format's order."""
    return dump_yaml(data)


def canonical_digest(data: dict[str, Any]) -> str:
    """The content hash `catalogue_load` would store for a dict that passes `schema.validate`,
    whatever order its keys are in: compare it with Qualification.content_hash."""
    return content_hash(canonical_text(rows_to_canonical(canonical_to_rows(data))))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- catalogue files -------------------------------------------------------------


def catalogue_dir() -> Path:
    """Where the committed catalogue files live: fixtures/qualifications/."""
    return Path(settings.BASE_DIR) / "fixtures" / "qualifications"


def fixture_name(number: str) -> str:
    """600/1257/2 -> 600-1257-2.yaml"""
    return number.replace("/", "-") + ".yaml"


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_catalogue_file(path: Path) -> Any:
    """The YAML content of one catalogue file; ValidationError if it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([f"cannot read {path}: {exc}"]) from exc
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ValidationError([f"not valid YAML: {exc}"]) from exc
