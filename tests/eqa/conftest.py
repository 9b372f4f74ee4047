"""Fixtures of the EQA tests: the world of tests/eqa/support.py, its files in this test's own
storage (tests/evidence/filefixtures.py), so downloads find them."""

from __future__ import annotations

import pytest

from tests.eqa.support import EqaWorld, eqa_world
from tests.evidence.filefixtures import private_storage  # noqa: F401 - fixture


@pytest.fixture
def world(db, private_storage) -> EqaWorld:  # noqa: F811
    return eqa_world()
