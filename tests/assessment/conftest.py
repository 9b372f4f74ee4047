from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.evidence.portfolio_helpers import enrolment_with_people


@pytest.fixture
def setup(centre):
    enrolment, learner, assessor, iqa = enrolment_with_people(centre)
    return SimpleNamespace(enrolment=enrolment, learner=learner, assessor=assessor, iqa=iqa, centre=centre)
