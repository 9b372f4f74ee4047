"""What the catalogue rows know: withdrawal, the engine's rules, one current version, search."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from apps.qualifications.canonical import read_catalogue_file
from apps.qualifications.engine import Achieved, QualificationRules, evaluate
from apps.qualifications.models import Qualification
from apps.qualifications.selectors import (
    catalogue_search,
    matching_criteria,
    qualification_get,
    qualification_with_units,
)
from apps.qualifications.services import catalogue_load

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"


def load(name: str, tmp_path: Path | None = None, find: str = "", replace: str = "") -> Qualification:
    path = CATALOGUE / name
    if find:
        assert tmp_path is not None
        text = path.read_text(encoding="utf-8")
        assert find in text
        path = tmp_path / name
        path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    return catalogue_load(data=read_catalogue_file(path), source=path.name).qualification


def test_sfj_customer_service_is_withdrawn_after_its_last_registration_date():
    sfj = load("601-5051-8.yaml")  # registration_end 2022-09-30, certification_end 2023-09-30
    assert not sfj.is_withdrawn(date(2022, 9, 30)) and sfj.accepts_enrolments(date(2022, 9, 30))
    assert sfj.is_withdrawn(date(2022, 10, 1)) and not sfj.accepts_enrolments(date(2022, 10, 1))


def test_pearson_accepts_enrolments_only_from_its_operational_start():
    pearson = load("600-9662-7.yaml")  # operational_start 2014-08-01, no end printed
    assert not pearson.accepts_enrolments(date(2014, 7, 31))
    assert pearson.accepts_enrolments(date(2014, 8, 1)) and pearson.accepts_enrolments(date(2040, 1, 1))
    assert not pearson.is_withdrawn(date(2040, 1, 1))


def test_rules_from_the_database_equal_rules_from_the_file_and_need_no_query_once_units_are_fetched(
    django_assert_num_queries,
):
    for name in ("600-1257-2.yaml", "601-5051-8.yaml", "600-1138-5.yaml", "600-1135-X.yaml"):
        q = load(name)
        with django_assert_num_queries(2):
            q = qualification_with_units(number=q.number)
        with django_assert_num_queries(0):
            rules = q.rules()
        assert rules == QualificationRules.from_canonical(read_catalogue_file(CATALOGUE / name)), name


def test_the_interpretation_stored_with_a_version_is_the_one_the_engine_applies(tmp_path):
    # SFJ: 12 credits from Optional Group B against a maximum of 9.
    units = [Achieved(unit=n) for n in "1 2 3 4 5 6 7 8 9 10 29 31 32".split()]
    capped = load("601-5051-8.yaml")
    assert evaluate(qualification_with_units(number=capped.number).rules(), units).achieved is True

    strict = load("601-5051-8.yaml", tmp_path, "group_maximum: cap", "group_maximum: invalidate")
    assert (strict.version, strict.interpretation_group_maximum) == (2, "invalidate")
    verdict = evaluate(qualification_with_units(number=strict.number).rules(), units)
    assert verdict.achieved is False
    assert "No more than 9 credits from Optional Group B (taking more credits means the rule is not met)" in [r.description for r in verdict.rules if not r.met]


def test_the_database_refuses_a_second_current_version_of_a_number():
    q = load("600-1288-2.yaml")
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.create(
            number=q.number, version=2, is_current=True, title=q.title, awarding_organisation=q.awarding_organisation,
            level=q.level, source_file=q.source_file, content_hash="x",
        )


def test_catalogue_search_finds_units_by_title_and_by_criterion_wording_with_english_stemming():
    load("600-1257-2.yaml")
    ncfe = qualification_get(number="600/1257/2")
    by_title = [u.number for u in catalogue_search(q="email", qualification=ncfe)]
    assert by_title[:2] == ["13", "16"]  # both titled "Using email"
    # English stemming: "complaint" finds unit 33, "Process customer service complaints".
    assert "33" in [u.number for u in catalogue_search(q="complaint")]
    # Words only in a criterion find its unit: 02's criteria mention hazards.
    found = list(catalogue_search(q="hazards"))
    assert "02" in [u.number for u in found]
    unit_02 = next(u for u in found if u.number == "02")
    shown = matching_criteria(q="hazards", units=found)[unit_02.pk]
    assert shown and all("hazard" in c.text.lower() for c in shown)
    in_order = [(c.outcome.position, c.position) for c in shown]
    assert in_order == sorted(in_order)
    assert not catalogue_search(q="zzzunknownword").exists()


def test_full_text_search_uses_the_gin_indexes():
    load("600-1244-4.yaml")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = catalogue_search(q="customer service").explain()
    assert "unit_search" in plan and "criterion_search" in plan
