"""The ledger's own fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).parent / "seeds"


@pytest.fixture(autouse=True)
def _seed_data(request: pytest.FixtureRequest) -> str:
    """Every ledger test starts from its module's seed file (stands in for
    `alembic upgrade head` plus fixtures): a test of any other module fails here."""
    return (SEEDS / f"{request.path.stem}.sql").read_text()
