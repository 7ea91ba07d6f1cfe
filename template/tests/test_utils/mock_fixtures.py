"""Fixtures for unit tests: SQLAlchemy-shaped mocks, no I/O.

Each is a fresh mock per test; see ``db_mocks`` for what they can do.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_utils.db_mocks import make_engine, make_session, make_session_factory


@pytest.fixture
def mock_engine() -> Any:
    """Behaves like ``AsyncEngine``; the yielded connection is ``mock_engine.connection``."""
    return make_engine()


@pytest.fixture
def mock_session() -> Any:
    """Behaves like ``AsyncSession``; ``execute`` gives an empty ``Result`` until configured."""
    return make_session()


@pytest.fixture
def mock_session_factory(mock_session: Any) -> Any:
    """Behaves like ``async_sessionmaker``; every session it opens is ``mock_session``."""
    return make_session_factory(mock_session)
