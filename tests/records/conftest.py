"""Fixtures for assessment records: an enrolment with its people, and the browser fixtures."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from apps.learners.models import Enrolment
from tests.evidence.filefixtures import private_storage  # noqa: F401
from tests.evidence.portfolio_helpers import enrolment_with_people


@dataclass
class Setup:
    enrolment: Enrolment
    learner: object  # Membership
    assessor: object  # Membership, assigned
    iqa: object  # Membership, assigned

    @property
    def centre(self):
        return self.enrolment.centre


@pytest.fixture
def setup(centre) -> Setup:
    return Setup(*enrolment_with_people(centre))
