"""Engine and session-factory construction.

The service and the integration tests build both through these two functions,
so a test exercises the same engine options as production.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(url: str | URL, **options: Any) -> AsyncEngine:
    """Create the service's engine; ``options`` go to ``create_async_engine``."""
    options.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **options)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the session factory the service opens its sessions from.

    ``expire_on_commit=False`` keeps loaded attributes usable after ``commit()``:
    with an async session an expired attribute would need an implicit (and
    therefore impossible) lazy load.
    """
    return async_sessionmaker(engine, expire_on_commit=False)
