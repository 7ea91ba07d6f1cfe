"""Database tests written before async-testkit: unmarked, on the ledger's own engine."""

import os

import pytest
from sqlalchemy import text

from finances.db import make_engine


@pytest.mark.asyncio
async def test_the_database_answers() -> None:
    engine = make_engine(os.environ.get("LEDGER_DATABASE_URL", "sqlite+aiosqlite://"))
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
