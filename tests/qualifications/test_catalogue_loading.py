"""Loading the catalogue into the database: round trip, idempotence, versions, refusals."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F

from apps.audit.models import AuditEvent
from apps.qualifications.canonical import (
    canonical_digest,
    canonical_text,
    qualification_to_canonical,
    read_catalogue_file,
)
from apps.qualifications.importers import count
from apps.qualifications.models import (
    AssessmentCriterion,
    EvidenceRequirement,
    LearningOutcome,
    Qualification,
    Unit,
)
from apps.qualifications.selectors import qualification_get
from apps.qualifications.services import catalogue_load

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
FILES = sorted(CATALOGUE.glob("*.yaml"))
NCFE = CATALOGUE / "600-1257-2.yaml"
# The unit of the changed-file tests: NCFE unit 01, outcome 1, criterion 1.1.
CRITERION_1_1 = "Identify strengths and areas for development in skills and knowledge against agreed criteria"

# Counts read from the committed files (units, outcomes, criteria, evidence requirements).
EXPECTED_COUNTS = {
    "600/1135/X": (22, 82, 446, 59),
    "600/1136/1": (10, 34, 200, 16),
    "600/1137/3": (11, 35, 152, 0),
    "600/1138/5": (14, 41, 184, 0),
    "600/1244/4": (3, 17, 75, 0),
    "600/1257/2": (39, 143, 713, 0),
    "600/1286/9": (3, 17, 75, 0),
    "600/1288/2": (0, 0, 0, 0),
    "600/9662/7": (47, 184, 736, 0),
    "601/5051/8": (45, 130, 617, 0),
}


def load(path: Path):
    return catalogue_load(data=read_catalogue_file(path), source=path.name)


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Qualification, Unit, LearningOutcome, AssessmentCriterion, EvidenceRequirement, AuditEvent)
    }


def changed_copy(tmp_path: Path, find: str, replace: str, source: Path = NCFE) -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(find) >= 1, f"{find!r} is not in {source.name}"
    copy = tmp_path / source.name
    copy.write_text(text.replace(find, replace, 1), encoding="utf-8")
    return copy


def export(number: str, version: int | None = None) -> str:
    return canonical_text(qualification_to_canonical(qualification_get(number=number, version=version, content=True)))


def test_every_committed_file_loads_with_its_counts_and_exports_back_byte_for_byte():
    for path in FILES:
        assert load(path).status == "created", path.name
    assert Qualification.objects.count() == len(FILES) == 10
    for path in FILES:
        data = read_catalogue_file(path)
        q = Qualification.objects.get(number=data["number"])
        in_db = (
            q.units.count(),
            LearningOutcome.objects.filter(unit__qualification=q).count(),
            AssessmentCriterion.objects.filter(unit__qualification=q).count(),
            EvidenceRequirement.objects.filter(unit__qualification=q).count(),
        )
        in_file = tuple(count(data)[k] for k in ("units", "outcomes", "criteria", "evidence_requirements"))
        assert in_db == in_file == EXPECTED_COUNTS[data["number"]], data["number"]

        text = export(data["number"])
        assert text == path.read_text(encoding="utf-8"), f"{path.name} does not round-trip"
        assert q.content_hash == hashlib.sha256(text.encode()).hexdigest()
    # Criteria are denormalised onto their unit; both paths must lead to the same unit.
    assert not AssessmentCriterion.objects.exclude(unit=F("outcome__unit")).exists()


def test_loading_the_same_files_twice_changes_nothing():
    for path in FILES:
        load(path)
    before = row_counts()
    results = [load(path) for path in FILES]
    assert {r.status for r in results} == {"unchanged"}
    assert row_counts() == before
    assert all(r.qualification.version == 1 and r.qualification.is_current for r in results)


def test_the_same_content_with_keys_in_another_order_is_unchanged():
    load(NCFE)
    data = read_catalogue_file(NCFE)
    shuffled = {key: data[key] for key in reversed(list(data))}
    shuffled["units"] = [{key: u[key] for key in reversed(list(u))} for u in data["units"]]
    assert canonical_digest(shuffled) == Qualification.objects.get().content_hash
    assert catalogue_load(data=shuffled, source="shuffled.yaml").status == "unchanged"


def test_the_first_load_is_audited_with_its_counts():
    result = load(NCFE)
    event = AuditEvent.objects.get(action="qualification.loaded")
    assert event.object_id == str(result.qualification.pk) and event.actor is None and event.centre is None
    assert event.payload | {"content_hash": "-"} == {
        "number": "600/1257/2",
        "version": 1,
        "previous_version": None,
        "source": "600-1257-2.yaml",
        "content_hash": "-",
        "units": 39,
        "outcomes": 143,
        "criteria": 713,
        "evidence_requirements": 0,
    }


def test_a_changed_file_becomes_version_2_and_version_1_keeps_its_rows(tmp_path):
    original = load(NCFE).qualification
    v1_criteria = list(
        AssessmentCriterion.objects.filter(unit__qualification=original).values_list("pk", "number", "text")
    )
    changed = changed_copy(tmp_path, f"text: {CRITERION_1_1}\n", f"text: {CRITERION_1_1} and goals\n")

    result = load(changed)

    assert result.status == "versioned" and result.previous == original
    assert result.describe().startswith("600/1257/2 new version 2 (was version 1): 39 units")
    v1, v2 = Qualification.objects.filter(number="600/1257/2").order_by("version")
    assert (v1.version, v1.is_current, v2.version, v2.is_current) == (1, False, 2, True)
    assert v1.content_hash != v2.content_hash
    # Version 1 is untouched and still readable; version 2 has its own copy of every row.
    assert list(AssessmentCriterion.objects.filter(unit__qualification=v1).values_list("pk", "number", "text")) == (
        v1_criteria
    )
    assert export("600/1257/2", version=1) == NCFE.read_text(encoding="utf-8")
    assert export("600/1257/2") == changed.read_text(encoding="utf-8")
    assert AssessmentCriterion.objects.filter(unit__qualification=v2).count() == 713
    assert AssessmentCriterion.objects.filter(text=f"{CRITERION_1_1} and goals").get().unit.qualification == v2
    event = AuditEvent.objects.get(action="qualification.versioned")
    assert event.payload["version"] == 2 and event.payload["previous_version"] == 1
    # Loading the changed file again is a no-op; so is a current number loaded twice.
    assert load(changed).status == "unchanged"
    assert Qualification.objects.filter(number="600/1257/2").count() == 2


def test_going_back_to_earlier_content_is_a_new_version_too(tmp_path):
    load(NCFE)
    load(changed_copy(tmp_path, "level: 2\ncredits: 28\n", "level: 2\ncredits: 29\n"))
    result = load(NCFE)
    assert (result.status, result.qualification.version) == ("versioned", 3)
    assert Qualification.objects.get(number="600/1257/2", is_current=True).credits == 28


def test_an_invalid_file_is_refused_with_every_problem_and_writes_nothing(tmp_path):
    load(FILES[0])
    before = row_counts()
    broken = changed_copy(tmp_path, "  group: B\n", "  group: Z\n")
    broken.write_text(
        broken.read_text(encoding="utf-8").replace(f"text: {CRITERION_1_1}", "text: two  spaces"), encoding="utf-8"
    )

    with pytest.raises(ValidationError) as refused:
        load(broken)

    assert refused.value.messages == [
        "units[0] (unit '01').outcomes[0].criteria[0].text: 'two  spaces' is not one line of plain text: no leading, "
        "trailing or double spaces, no tabs, line breaks or non-breaking spaces, no HTML tags or markdown emphasis"
    ]
    assert row_counts() == before

    # Once the shape is right, the references are checked: still nothing written.
    broken = changed_copy(tmp_path, "  group: B\n", "  group: Z\n")
    with pytest.raises(ValidationError) as refused:
        load(broken)
    assert refused.value.messages == ["units[2] (unit '03').group: no group 'Z' in groups"]
    assert row_counts() == before


def test_an_invalid_change_leaves_the_current_version_current(tmp_path):
    load(NCFE)
    before = row_counts()
    with pytest.raises(ValidationError):
        load(changed_copy(tmp_path, "credits: 28\n", "credits: -1\n"))
    assert row_counts() == before
    assert Qualification.objects.get(number="600/1257/2").is_current


def test_a_value_too_long_for_its_column_is_refused_clearly(tmp_path):
    with pytest.raises(ValidationError) as refused:
        load(changed_copy(tmp_path, "- number: '01'\n", "- number: '" + "1" * 30 + "'\n"))
    assert refused.value.messages == [
        "units[0] (unit '111111111111111111111111111111').number: '111111111111111111111111111111' "
        "is longer than 20 characters"
    ]
    assert not Qualification.objects.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("number: [unclosed\n", "not valid YAML"),
        ("- just a list\n", "qualification: expected a mapping"),
    ],
)
def test_a_file_that_is_not_a_catalogue_mapping_is_refused(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        load(path)
    assert refused.value.messages[0].startswith(message)
    assert not Qualification.objects.exists()


def test_unquoted_dates_are_refused_with_the_quoted_form_to_use(tmp_path):
    sfj = CATALOGUE / "601-5051-8.yaml"
    with pytest.raises(ValidationError) as refused:
        load(changed_copy(tmp_path, "registration_end: '2022-09-30'", "registration_end: 2022-09-30", source=sfj))
    assert refused.value.messages == ["dates.registration_end: 2022-09-30 must be a quoted string ('2022-09-30')"]
