"""Mocks with the shape of SQLAlchemy's asyncio engine, connection, session and factory.

They are specced on the real classes, so coroutine methods are awaitable, sync
methods are not, misspelled attributes raise ``AttributeError`` and call
signatures are checked. ``async with`` yields what the real object yields.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import create_autospec

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from test_utils.results import make_result


def make_session(session_class: type[AsyncSession] = AsyncSession) -> Any:
    """A mock of ``session_class`` (e.g. SQLModel's ``AsyncSession``).

    ``async with session`` and ``async with session.begin()`` yield the session /
    a transaction; ``execute`` returns an empty real ``Result`` until told otherwise.
    """
    session: Any = create_autospec(session_class, instance=True)
    session.__aenter__.return_value = session
    session.execute.return_value = make_result([])
    return session


def make_connection() -> Any:
    """A mock ``AsyncConnection``; ``begin()`` is sync and usable with ``async with``."""
    connection: Any = create_autospec(AsyncConnection, instance=True)
    connection.__aenter__.return_value = connection
    connection.execute.return_value = make_result([])
    return connection


def make_engine(connection: Any | None = None) -> Any:
    """A mock ``AsyncEngine`` whose ``begin()`` and ``connect()`` yield ``connection``.

    The connection is also reachable as ``engine.connection`` for assertions.
    """
    engine: Any = create_autospec(AsyncEngine, instance=True)
    conn = make_connection() if connection is None else connection
    engine.begin.return_value.__aenter__.return_value = conn
    engine.connect.return_value.__aenter__.return_value = conn
    engine.connection = conn
    return engine


def make_session_factory(session: Any | None = None) -> Any:
    """A mock ``async_sessionmaker``: ``factory()`` and ``factory.begin()`` yield ``session``.

    The session is also reachable as ``factory.session`` for assertions.
    """
    factory: Any = create_autospec(async_sessionmaker, instance=True)
    sess = make_session() if session is None else session
    factory.return_value = sess
    factory.begin.return_value.__aenter__.return_value = sess
    factory.session = sess
    return factory
