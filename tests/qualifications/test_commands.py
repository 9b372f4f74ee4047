"""The catalogue's management commands, as an operator would run them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.qualifications.engine import NOT_DETERMINABLE
from apps.qualifications.models import AssessmentCriterion, Qualification

CATALOGUE = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
NCFE = CATALOGUE / "600-1257-2.yaml"
SEEDS = {
    "000_7e41e8b106032fbc.txt": ["600-1257-2.yaml"],
    "001_494e434eab8b35fd.txt": [
        "600-1135-X.yaml",
        "600-1136-1.yaml",
        "600-1244-4.yaml",
        "600-1286-9.yaml",
        "600-1288-2.yaml",
    ],
    "002_ad1359643ead675f.txt": ["600-1137-3.yaml", "600-1138-5.yaml"],
    "003_82ce2c81b55b795d.txt": ["601-5051-8.yaml"],
    "004_d5658dedb3fd00a3.txt": ["600-9662-7.yaml"],
}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_with_errors(*args: str) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def copy_with(tmp_path: Path, source: Path, find: str, replace: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert find in text
    path = tmp_path / source.name
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    return path


# --- load_catalogue ----------------------------------------------------------------


@pytest.mark.django_db
def test_load_catalogue_loads_every_committed_file_once_and_then_reports_them_unchanged():
    first = run("load_catalogue").splitlines()
    assert first[:1] == [
        "600-1135-X.yaml: 600/1135/X created (version 1): 22 units, 82 outcomes, 446 criteria, 59 evidence requirements"
    ]
    assert (
        "600-1257-2.yaml: 600/1257/2 created (version 1): 39 units, 143 outcomes, 713 criteria, "
        "0 evidence requirements" in first
    )
    assert first[-1].startswith("10 of 10 file(s) loaded in ")

    second = run("load_catalogue").splitlines()
    assert sum(" unchanged (version 1): " in line for line in second) == 10
    assert Qualification.objects.count() == 10


@pytest.mark.django_db
def test_load_catalogue_versions_a_changed_file(tmp_path):
    run("load_catalogue", str(NCFE))
    changed = copy_with(tmp_path, NCFE, "min: 12\n", "min: 14\n")
    assert run("load_catalogue", str(changed)).startswith(
        "600-1257-2.yaml: 600/1257/2 new version 2 (was version 1): 39 units"
    )


@pytest.mark.django_db
def test_load_catalogue_refuses_a_bad_file_clearly_and_still_loads_the_good_ones(tmp_path):
    bad = copy_with(tmp_path, NCFE, "awarding_organisation: NCFE", "awarding_organisation: Nobody")
    good = CATALOGUE / "600-1288-2.yaml"

    out, err, error = run_with_errors("load_catalogue", str(bad), str(good))

    assert f"{bad}: not loaded, nothing of it was written:" in err
    assert "  - awarding_organisation: 'Nobody' is not one of ['NCFE', 'City & Guilds', 'SFJ Awards', 'Pearson']" in err
    assert str(error) == f"1 file(s) not loaded: {bad}"
    assert "600/1288/2 created" in out and "1 of 2 file(s) loaded" in out
    assert list(Qualification.objects.values_list("number", flat=True)) == ["600/1288/2"]
    assert not AssessmentCriterion.objects.exists()


@pytest.mark.django_db
def test_load_catalogue_names_a_missing_file(tmp_path):
    _, err, error = run_with_errors("load_catalogue", str(tmp_path / "nowhere.yaml"))
    assert "cannot read" in err and "nowhere.yaml" in err and error is not None


# --- export_qualification ------------------------------------------------------------


@pytest.mark.django_db
def test_export_prints_the_current_version_or_the_one_asked_for(tmp_path):
    run("load_catalogue", str(NCFE))
    changed = copy_with(tmp_path, NCFE, "edition: Issue 1 November 2015", "edition: Issue 2 May 2016")
    run("load_catalogue", str(changed))

    assert run("export_qualification", "600/1257/2") == changed.read_text(encoding="utf-8")
    assert run("export_qualification", "600/1257/2", "--version", "1") == NCFE.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_export_of_an_unknown_number_or_version_says_so():
    run("load_catalogue", str(CATALOGUE / "600-1288-2.yaml"))
    with pytest.raises(CommandError, match=r"no qualification 999/9999/9 in the catalogue"):
        run("export_qualification", "999/9999/9")
    with pytest.raises(CommandError, match=r"qualification 600/1288/2 has no version 7; versions: 1"):
        run("export_qualification", "600/1288/2", "--version", "7")


# --- import_spec -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_import_spec_reproduces_the_committed_catalogue_files(seed, tmp_path, name):
    spec = tmp_path / name
    spec.write_text(seed(name), encoding="utf-8")
    out_dir = tmp_path / "out"

    out = run("import_spec", str(spec), "--out", str(out_dir))

    assert sorted(p.name for p in out_dir.iterdir()) == SEEDS[name]
    for fixture in SEEDS[name]:
        assert (out_dir / fixture).read_text(encoding="utf-8") == (CATALOGUE / fixture).read_text(encoding="utf-8")
        assert f"wrote {out_dir / fixture} (new file)" in out
    assert out.startswith(f"{name}: layout ")


def test_import_spec_prints_counts_warnings_and_corrections(seed, tmp_path):
    spec = tmp_path / "002_ad1359643ead675f.txt"
    spec.write_text(seed(spec.name), encoding="utf-8")
    out = run("import_spec", str(spec), "--out", str(tmp_path))
    assert "002_ad1359643ead675f.txt: layout cg3411, 2 qualification(s)" in out
    assert (
        "  600/1137/3 Level 2 Certificate in Contact Centre Operations: 11 units, 35 outcomes, 152 criteria, "
        "0 evidence requirements" in out
    )
    assert "corrections applied (2):\n  - unit-308-missing-heading: The units section" in out
    assert "\n  - unit-309-urn: The specification prints one unit reference number, M/503/0405" in out
    assert "warnings (20):\n" in out and "URN M/503/0405 is printed for 2 different units" in out


def test_import_spec_writes_a_single_qualification_to_the_file_named(seed, tmp_path):
    spec = tmp_path / "000_7e41e8b106032fbc.txt"
    spec.write_text(seed(spec.name), encoding="utf-8")
    target = tmp_path / "ncfe.yaml"
    run("import_spec", str(spec), "--out", str(target))
    assert target.read_text(encoding="utf-8") == NCFE.read_text(encoding="utf-8")


def test_import_spec_needs_a_directory_when_a_specification_holds_several_qualifications(seed, tmp_path):
    spec = tmp_path / "002_ad1359643ead675f.txt"
    spec.write_text(seed(spec.name), encoding="utf-8")
    with pytest.raises(CommandError, match="holds 2 qualifications: --out must be a directory"):
        run("import_spec", str(spec), "--out", str(tmp_path / "one.yaml"))
    assert not (tmp_path / "one.yaml").exists()


def test_import_spec_dry_run_writes_nothing_and_shows_what_would_change(seed, tmp_path):
    spec = tmp_path / "000_7e41e8b106032fbc.txt"
    spec.write_text(seed(spec.name), encoding="utf-8")
    existing = copy_with(tmp_path, NCFE, "edition: Issue 1 November 2015", "edition: Issue 0")
    before = existing.read_text(encoding="utf-8")

    out = run("import_spec", str(spec), "--out", str(tmp_path), "--dry-run")

    assert existing.read_text(encoding="utf-8") == before
    assert "warnings (25):" in out
    assert f"would write {existing} (changed; 39 units, 143 outcomes, 713 criteria, 0 evidence requirements)" in out
    assert "-  edition: Issue 0\n+  edition: Issue 1 November 2015\n" in out
    assert out.rstrip().endswith("dry run: nothing was written")


def test_import_spec_refuses_an_unknown_layout_and_a_stale_correction(seed, tmp_path):
    unknown = tmp_path / "notes.txt"
    unknown.write_text("Minutes of the standardisation meeting\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a specification layout Attest knows"):
        run("import_spec", str(unknown), "--out", str(tmp_path))

    # The source already reads "37 Manage incidents", so its correction no longer matches.
    stale = tmp_path / "003_82ce2c81b55b795d.txt"
    stale.write_text(seed(stale.name).replace("737\tManage incidents", "37\tManage incidents"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"expected 1 occurrence\(s\) of its text, found 0"):
        run("import_spec", str(stale), "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["003_82ce2c81b55b795d.txt", "notes.txt"]


# --- achievement -----------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    def load(*names: str) -> None:
        run("load_catalogue", *(str(CATALOGUE / name) for name in names))

    return load


def achievement(number: str, *args: str) -> dict:
    return json.loads(run("achievement", number, *args))


def test_ncfe_mandatory_units_and_level_2_options_to_28_credits_achieve_the_certificate(catalogue):
    catalogue("600-1257-2.yaml")
    # Group A 01 + 02 (6 credits), Group B 03-06 (18), Group C 24 (4): 28 credits, 26 of them at Level 2.
    result = achievement("600/1257/2", "--units", "01,02,03,04,05,06,24")
    assert result["qualification"] == "600/1257/2" and result["version"] == 1
    assert result["achieved"] is True and result["credits"] == 28
    assert result["counted_units"] == ["01", "02", "03", "04", "05", "06", "24"]
    assert result["unmet"] == [] and result["ignored"] == []
    assert {r["description"]: r["met"] for r in result["rules"]}["At least 15 credits at Level 2 or above"] is True


def test_ncfe_without_mandatory_unit_02_is_not_achieved_and_says_why(catalogue):
    catalogue("600-1257-2.yaml")
    result = achievement("600/1257/2", "--units", "01, 03,04,05,06,07,24")
    assert result["achieved"] is False and result["credits"] == 30
    assert result["unmet"] == [
        "unit 02 Comply with health and safety procedures in a contact centre (mandatory)",
        "2 more credits from Group A mandatory units",
    ]


def test_ncfe_barred_units_13_and_16_count_once(catalogue):
    catalogue("600-1257-2.yaml")
    # 24 credits from 01-06, then Using email twice: 13 (Level 1, 2 credits) and 16 (Level 2, 3 credits).
    result = achievement("600/1257/2", "--units", "01,02,03,04,05,06,13,16")
    assert result["achieved"] is False and result["credits"] == 27  # not 29
    assert "13" not in result["counted_units"] and "16" in result["counted_units"]
    assert result["ignored"] == [
        {
            "unit": "13",
            "reason": "barred against unit 16, which counts instead (Unit 13 Using email (J/502/4299) is barred "
            "against Unit 16 Using email (M/502/4300))",
        }
    ]
    assert result["unmet"] == ["1 more credit in total"]


def test_credit_transfer_by_urn_counts_like_an_assessed_unit(catalogue):
    catalogue("600-1257-2.yaml")
    # H/601/1215 is NCFE unit 26, Process information about customers (5 credits).
    result = achievement("600/1257/2", "--units", "01,02,03,04,05,06", "--transfer", "H/601/1215")
    assert result["achieved"] is True and result["credits"] == 29
    assert [c for c in result["counted"] if c["number"] == "26"][0] | {"title": "-"} == {
        "number": "26", "urn": "H/601/1215", "title": "-", "credits": 5, "level": 2, "group": "C",
        "via": "credit_transfer", "given_as": "H/601/1215",
    }


def test_city_and_guilds_3412_achievement_is_not_determinable(catalogue):
    catalogue("600-1135-X.yaml")
    result = achievement("600/1135/X", "--units", "208,209")
    assert result["achieved"] is None
    assert result["credits"] == 11 and result["counted_units"] == ["208", "209"]
    assert result["unmet"] == [NOT_DETERMINABLE]


def test_sfj_group_b_credits_over_the_maximum_do_not_count(catalogue):
    catalogue("601-5051-8.yaml")
    # Mandatory 1-6 (31 credits), Group A 7, 10, 11 (15), Group B 29, 31, 32 (12, maximum 9).
    result = achievement("601/5051/8", "--units", "1,2,3,4,5,6,7,10,11,29,31,32")
    assert result["achieved"] is False and result["credits"] == 54  # 58 taken, 4 over the cap
    assert result["ignored"] == [
        {"unit": "32", "reason": "credits beyond the maximum of 9 from Optional Group B do not count"}
    ]
    assert result["unmet"] == ["1 more credit in total"]
    group_b = next(r for r in result["rules"] if r["description"].startswith("No more than 9 credits"))
    assert group_b["met"] is True and group_b["achieved"] == 8


def test_achievement_names_units_it_does_not_know_and_refuses_an_unknown_qualification(catalogue):
    catalogue("600-1257-2.yaml")
    result = achievement("600/1257/2", "--units", "01,99")
    assert {"unit": "99", "reason": "unit 99 is not a unit of this qualification"} in result["ignored"]
    with pytest.raises(CommandError, match=r"no qualification 999/9999/9 in the catalogue"):
        run("achievement", "999/9999/9", "--units", "01")
