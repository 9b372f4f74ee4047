"""Learners, enrolments and plans: a small qualification, staff."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from apps.learners import services
from apps.learners.models import Learner
from tests.factories import make_qualification

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qualifications"
START, END = date(2025, 9, 1), date(2026, 7, 31)


def load_fixture(name: str):
    from apps.qualifications.services import catalogue_load

    return catalogue_load(data=yaml.safe_load((FIXTURES / name).read_text()), source=name).qualification


@pytest.fixture
def qualification(db):
    """600/0000/1: unit 1 (4 credits) mandatory; units 2 and 3 (3 credits), 4 (5, level 3) optional; 10 in all."""
    return make_qualification()


@pytest.fixture
def assessor(member):
    return member(is_assessor=True)


@pytest.fixture
def iqa(member):
    return member(is_iqa=True)


@pytest.fixture
def make_learner(admin_membership):
    counter = iter(range(1, 10_000))

    def make(centre=None, **fields) -> Learner:
        n = next(counter)
        data = {"full_name": f"Learner {n}", "email": f"learner{n}@example.test"} | fields
        return Learner.objects.create(centre=centre or admin_membership.centre, **data)

    return make


@pytest.fixture
def enrol(admin_membership, qualification):
    def make(learner, qualification=qualification, **fields):
        data = {"start_date": START, "planned_end_date": END} | fields
        return services.enrolment_create(learner=learner, actor=admin_membership.user, qualification=qualification, **data)

    return make
