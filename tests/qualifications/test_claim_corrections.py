"""Two catalogue corrections that claims rely on, recorded with their reasons and shown.

- City & Guilds 3411 prints M/503/0405 for unit 207 and for unit 309, two different units.
  The number is 207's (correction unit-309-urn): 309's own is not known, so the two count as
  the two units they are. A unit that really is one unit under two numbers still counts once.
- Pearson 600/9662/7 unit 38 prints 22 guided learning hours on its page and 32 in the
  structure table; the choice of 22 is a correction with its reason (unit-38-glh).
"""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.qualifications.engine import Achieved, QualificationRules, evaluate
from apps.qualifications.importers import ImportError_, Report, base, cg3411, import_text
from apps.qualifications.models import Qualification, Unit
from apps.qualifications.services import catalogue_load

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
CG3411 = "002_ad1359643ead675f.txt"
PEARSON = "004_d5658dedb3fd00a3.txt"
L2, L3 = "600/1137/3", "600/1138/5"
PRINTED_URN = "M/503/0405"


def fixture(name: str) -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def unit(data: dict[str, Any], number: str) -> dict[str, Any]:
    (found,) = [u for u in data["units"] if u["number"] == number]
    return found


def as_printed(data: dict[str, Any]) -> dict[str, Any]:
    """The Level 3 Certificate as the specification prints it: 309 under 207's URN, no corrections."""
    printed = copy.deepcopy(data)
    del printed["corrections"]
    unit(printed, "309")["urn"] = PRINTED_URN
    return printed


def got(*numbers: str) -> list[Achieved]:
    return [Achieved(unit=n) for n in numbers]


# The mandatory units 301, 302 and 303 (9 credits at Level 3), then 207 (Level 2, 3 credits)
# and 309 (Level 3, 4 credits): 16 credits, 7 from Group B, 13 at Level 3. The printed rules
# are met only if 207 and 309 are two units.
LEARNER = ("301", "302", "303", "207", "309")


# --- the engine: 207 and 309 are two units ------------------------------------------------


def test_a_learner_who_meets_the_printed_rules_with_units_207_and_309_achieves_the_level_3_certificate():
    verdict = evaluate(QualificationRules.from_canonical(fixture("600-1138-5.yaml")), got(*LEARNER))
    assert verdict.achieved is True
    assert verdict.credits == 16
    assert verdict.counted_units == ["207", "301", "302", "303", "309"]  # in the qualification's order
    assert verdict.ignored == [] and verdict.unmet == [] and verdict.notes == []
    assert {r.description: r.achieved for r in verdict.rules} == {
        "Mandatory Group A: every unit must be achieved (301, 302 and 303)": 3,
        "At least 3 units from Mandatory Group A": 3,
        "At least 16 credits in total": 16,
        "At least 7 credits from Optional Group B": 7,
        "At least 10 credits at Level 3 or above": 13,
    }


def test_read_as_printed_the_shared_urn_would_count_one_of_them_and_fail_the_same_learner():
    verdict = evaluate(QualificationRules.from_canonical(as_printed(fixture("600-1138-5.yaml"))), got(*LEARNER))
    assert verdict.achieved is False and verdict.credits == 13
    assert verdict.ignored == [
        ("207", f"shares the URN {PRINTED_URN} with unit 309, which counts instead: a unit counts once")
    ]


def test_a_credit_transfer_under_m_503_0405_is_unit_207_and_only_207():
    rules = QualificationRules.from_canonical(fixture("600-1138-5.yaml"))
    transfer = Achieved(urn=PRINTED_URN, via="credit_transfer")
    verdict = evaluate(rules, [*got("301", "302", "303", "309"), transfer])
    assert verdict.achieved is True and verdict.credits == 16
    (u207,) = [c for c in verdict.counted if c.number == "207"]
    assert (u207.via, u207.given_as) == ("credit_transfer", PRINTED_URN)
    assert verdict.notes == []  # no choice between two units any more
    # Unit 309 given with the misprinted URN is refused in words: its own URN is not known.
    mismatch = evaluate(rules, [Achieved(unit="309", urn=PRINTED_URN)])
    assert mismatch.counted_units == []
    assert mismatch.ignored == [("309", f"URN {PRINTED_URN} does not match unit 309 (its URN is not known)")]


def test_the_level_2_certificate_keeps_unit_207_under_its_urn():
    assert unit(fixture("600-1137-3.yaml"), "207")["urn"] == PRINTED_URN
    assert "corrections" not in fixture("600-1137-3.yaml")


# --- a unit that really is one unit under two numbers still counts once ---------------------


def test_one_unit_under_two_numbers_in_two_qualifications_counts_once():
    # The catalogue's case: C&G 3412 unit 212 and NCFE unit 10 are one unit, L/601/1225.
    cg, ncfe = unit(fixture("600-1135-X.yaml"), "212"), unit(fixture("600-1257-2.yaml"), "10")
    assert cg["urn"] == ncfe["urn"] == "L/601/1225" and cg["title"] == ncfe["title"]
    rules = QualificationRules.from_canonical(fixture("600-1257-2.yaml"))
    verdict = evaluate(rules, [Achieved(unit="10"), Achieved(urn="L/601/1225", via="credit_transfer")])
    assert verdict.counted_units == ["10"] and verdict.credits == ncfe["credits"]
    assert verdict.ignored == [("L/601/1225", f"unit 10 {ncfe['title']} already counts (assessed)")]


def test_one_unit_printed_twice_in_one_qualification_counts_once():
    # No qualification of the catalogue lists one unit under two numbers now that 309 is
    # corrected; were unit 207 printed again in Group B as unit 210, it would count once.
    data = fixture("600-1138-5.yaml")
    data["units"].append({**copy.deepcopy(unit(data, "207")), "number": "210"})
    verdict = evaluate(QualificationRules.from_canonical(data), got("301", "302", "303", "207", "210", "309"))
    assert verdict.counted_units == ["207", "301", "302", "303", "309"] and verdict.credits == 16
    assert verdict.ignored == [
        ("210", f"shares the URN {PRINTED_URN} with unit 207, which counts instead: a unit counts once")
    ]


# --- the import records both corrections with their reasons --------------------------------


def test_importing_3411_records_309s_urn_as_not_known_with_the_reason(seed):
    qualifications, report = import_text(seed(CG3411), CG3411)
    quals = {q["number"]: q for q in qualifications}
    assert unit(quals[L3], "309")["urn"] is None
    assert unit(quals[L3], "207")["urn"] == unit(quals[L2], "207")["urn"] == PRINTED_URN
    assert [(c["id"], c["unit"]) for c in quals[L3]["corrections"]] == [
        ("unit-308-missing-heading", "308"),
        ("unit-309-urn", "309"),
    ]
    reason = quals[L3]["corrections"][1]["reason"]
    for evidence in ("lines 103, 129 and 729", "lines 138 and 1350", "lines 1350 and 1353", "Confirm"):
        assert evidence in reason
    assert "corrections" not in quals[L2]  # unit 308 is in the Level 3 Certificate only
    assert any(c.startswith("unit-309-urn: ") for c in report.corrections)
    assert list(quals[L3])[-2:] == ["corrections", "units"]


def test_importing_pearson_records_the_choice_of_22_hours_for_unit_38(seed):
    (qual,), report = import_text(seed(PEARSON), PEARSON)
    assert unit(qual, "38")["glh"] == 22
    (glh,) = [c for c in qual["corrections"] if c["id"] == "unit-38-glh"]
    assert glh["unit"] == "38"
    for evidence in ("line 2260", "32 in the qualification structure table (line 277)", "line 2283", "159-245"):
        assert evidence in glh["reason"]
    # The disagreement is still reported; the correction says which figure was chosen and why.
    assert any(w.startswith("unit 38: glh is 22 on the unit's page but 32") for w in report.warnings)
    assert any(c.startswith("unit-38-glh: ") for c in report.corrections)


def test_the_correction_holds_the_figure_whatever_the_page_prints(seed):
    # Were the unit's page to print 32 as well, the reviewed 22 would still be what is kept.
    text = seed(PEARSON).replace("Guided learning hours: **22**", "Guided learning hours: **32**", 1)
    (qual,), _ = import_text(text, PEARSON)
    assert unit(qual, "38")["glh"] == 22


def write_corrections(tmp_path: Path, entries: str) -> list[base.Correction]:
    (tmp_path / "002_ad1359643ead675f.yaml").write_text(f"source: {CG3411}\ncorrections:\n{entries}", encoding="utf-8")
    return base.load_corrections(CG3411, directory=tmp_path)


def test_a_text_correction_about_a_unit_no_qualification_holds_is_refused(seed, tmp_path):
    corrections = base.load_corrections(CG3411) + write_corrections(
        tmp_path,
        "  - id: unit-999-heading\n    reason: A unit that is not in this specification.\n"
        "    unit: '999'\n    text: {find: \"Unit 309\\n\", replace: \"Unit 309\\n\", count: 1}\n",
    )
    text = base.apply_text_corrections(seed(CG3411), corrections, Report(source=CG3411))
    qualifications = cg3411.parse(text, Report(source=CG3411))
    with pytest.raises(ImportError_, match=r"correction unit-999-heading: unit '999' is in no qualification of this source"):
        base.record_corrections(qualifications, corrections)
    assert all("corrections" not in q for q in qualifications)


def test_a_correction_naming_its_unit_twice_is_refused(tmp_path):
    with pytest.raises(ImportError_, match="a target names its unit in the target, not in unit"):
        write_corrections(
            tmp_path,
            "  - id: unit-309-urn\n    reason: Twice.\n    unit: '309'\n"
            "    target: {qualification: 600/1138/5, unit: '309'}\n    set: {urn: null}\n",
        )


# --- loading: the corrections are part of the version -------------------------------------


def test_a_catalogue_file_with_a_correction_about_an_unknown_unit_is_refused_and_nothing_is_written(db):
    data = fixture("600-1138-5.yaml")
    data["corrections"][1]["unit"] = "999"
    data["corrections"].append(dict(data["corrections"][0]))
    with pytest.raises(ValidationError) as refused:
        catalogue_load(data=data, source="600-1138-5.yaml")
    assert refused.value.messages == [
        "corrections: correction id 'unit-308-missing-heading' is used more than once",
        "corrections[1].unit: no unit '999' in units",
    ]
    assert not Qualification.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(corrections=[]), "corrections: [] should be non-empty"),
        (lambda d: unit(d, "309").update(urn="M/503/405"), "is not a unit reference number such as T/503/0342"),
        (lambda d: d["corrections"][0].update(reason=" "), "corrections[0].reason: ' ' is not one line of plain text"),
    ],
)
def test_other_bad_correction_data_is_refused_in_words(db, change, message):
    data = fixture("600-1138-5.yaml")
    change(data)
    with pytest.raises(ValidationError) as refused:
        catalogue_load(data=data, source="600-1138-5.yaml")
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert not Qualification.objects.exists()


def test_loading_the_corrected_file_over_the_printed_reading_makes_a_new_version_and_keeps_the_old(db):
    catalogue_load(data=as_printed(fixture("600-1138-5.yaml")), source="as printed")
    result = catalogue_load(data=fixture("600-1138-5.yaml"), source="600-1138-5.yaml")
    assert result.status == "versioned" and result.qualification.version == 2
    assert [c["id"] for c in result.qualification.corrections] == ["unit-308-missing-heading", "unit-309-urn"]
    old = Qualification.objects.get(number=L3, version=1)
    assert old.corrections == [] and Unit.objects.get(qualification=old, number="309").urn == PRINTED_URN
    assert Unit.objects.get(qualification=result.qualification, number="309").urn is None


def test_the_achievement_command_passes_the_learner_on_the_loaded_catalogue(db):
    call_command("load_catalogue", str(FIXTURES / "600-1138-5.yaml"), stdout=StringIO())
    out = StringIO()
    call_command("achievement", L3, "--units", ",".join(LEARNER), stdout=out)
    result = json.loads(out.getvalue())
    assert result["achieved"] is True and result["credits"] == 16
    (u309,) = [c for c in result["counted"] if c["number"] == "309"]
    assert u309["urn"] is None


# --- the catalogue shows the corrections --------------------------------------------------


@pytest.fixture
def staff_client(client, member):
    client.force_login(member(is_assessor=True).user)
    return client


def load(*names: str) -> None:
    for name in names:
        catalogue_load(data=fixture(name), source=name)


@pytest.fixture
def catalogue(db):
    load("600-1137-3.yaml", "600-1138-5.yaml", "600-9662-7.yaml", "600-1257-2.yaml")


def test_the_qualification_page_lists_its_corrections_with_their_reasons(staff_client, catalogue):
    page = staff_client.get("/catalogue/600-1138-5/").content.decode()
    section = page.split('id="corrections-h"')[1]
    assert "2 corrections" in section
    assert '<a href="/catalogue/600-1138-5/units/309/#corrections">Unit 309</a>: The specification prints one unit reference number, M/503/0405' in section
    assert "(correction unit-309-urn)" in section
    # No longer pointed out as one unit under two numbers.
    assert "M/503/0405 (units 207, 309)" not in page
    # The units table says the reference number is not known.
    row = page.split(">Principles of incident management through a contact centre</a></td>")[1].split("</tr>")[0]
    assert "<td>Not known</td>" in row


def test_unit_309s_page_says_its_reference_number_is_not_known_and_why(staff_client, catalogue):
    page = staff_client.get("/catalogue/600-1138-5/units/309/").content.decode()
    assert "<dd>Not known<p" in page
    corrections = page.split('id="corrections-h"')[1].split("</section>")[0]
    assert "its header rows repeat unit 207" in corrections and "(correction unit-309-urn)" in corrections
    assert "The same unit in other qualifications" not in page


def test_unit_207_is_the_same_unit_only_as_the_level_2_certificates_207(staff_client, catalogue):
    page = staff_client.get("/catalogue/600-1138-5/units/207/").content.decode()
    same = page.split("The same unit in other qualifications")[1]
    assert "600/1137/3 unit 207" in same and "unit 309" not in same
    assert 'id="corrections-h"' not in page


def test_pearson_unit_38_shows_why_22_hours(staff_client, catalogue):
    page = staff_client.get("/catalogue/600-9662-7/units/38/").content.decode()
    assert "<dd>22<p" in page
    corrections = page.split('id="corrections-h"')[1].split("</section>")[0]
    assert "32 in the qualification structure table (line 277)" in corrections
    detail = staff_client.get("/catalogue/600-9662-7/").content.decode()
    assert '<a href="/catalogue/600-9662-7/units/38/#corrections">Unit 38</a>: Unit 38 Negotiating' in detail


def test_a_qualification_read_as_printed_shows_no_corrections(staff_client, catalogue):
    assert 'id="corrections-h"' not in staff_client.get("/catalogue/600-1257-2/").content.decode()
    assert 'id="corrections-h"' not in staff_client.get("/catalogue/600-1257-2/units/10/").content.decode()


@pytest.mark.parametrize("url", ["/catalogue/600-1138-5/", "/catalogue/600-1138-5/units/309/"])
def test_pages_with_corrections_use_as_many_queries_whatever_the_catalogue_holds(
    staff_client, url, django_assert_max_num_queries
):
    load("600-1138-5.yaml")
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(url).status_code == 200
    load("600-1137-3.yaml", "600-9662-7.yaml", "601-5051-8.yaml", "600-1135-X.yaml", "600-1257-2.yaml")
    with django_assert_max_num_queries(len(small)):
        assert staff_client.get(url).status_code == 200


# --- on a phone, with axe ----------------------------------------------------------------

PHONE = {"width": 360, "height": 740}
FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_corrections_read_on_a_360_pixel_phone_and_pass_axe(browser, live_server, member, assert_accessible):
    from django.test import Client

    load("600-1137-3.yaml", "600-1138-5.yaml", "600-9662-7.yaml")
    client = Client()
    client.force_login(member(is_assessor=True).user)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/catalogue/600-1138-5/")
        page.get_by_role("heading", name="Corrections to the specification").wait_for()
        assert page.get_by_text("is printed nowhere in the text").is_visible()
        assert page.evaluate(FITS)
        assert_accessible(page)
        page.get_by_role("link", name="Unit 309").click()
        page.get_by_role("heading", name="Unit 309: Principles of incident management through a contact centre").wait_for()
        assert page.get_by_text("its header rows repeat unit 207's").is_visible()
        assert page.evaluate(FITS)
        assert_accessible(page)
        page.goto("/catalogue/600-9662-7/units/38/")
        assert page.get_by_text("prints 22 for the same unit").is_visible()
        assert page.evaluate(FITS)
        assert_accessible(page)
    finally:
        context.close()
