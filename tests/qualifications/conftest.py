from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


@pytest.fixture
def seed():
    """Read one specification from ../shared/seeds; skip where that folder is absent."""

    def read(name: str) -> str:
        path = SEEDS / name
        if not path.exists():
            pytest.skip(f"specification {name} not found: ../shared/seeds is absent on this machine")
        return path.read_text(encoding="utf-8")

    return read
