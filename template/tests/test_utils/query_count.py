"""Count the SQL statements a block of code sends: N+1 loops fail a test, not production.

A loop that awaits one query per item passes every functional test (the rows
are right) and only shows up as latency under real data. ``count_queries``
listens to ``before_cursor_execute`` on the connection (or engine) behind the
object it is given and records every statement; ``assert_max_queries`` fails
when the block sent more than allowed, listing what ran.

Transaction control (``BEGIN``, ``SAVEPOINT``, ``RELEASE``/``ROLLBACK TO
SAVEPOINT``) is not counted: the integration fixtures turn each commit into
savepoint statements that production never sends, so counting them would make
the same code cost more in tests than in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

Bindable = AsyncEngine | AsyncConnection | AsyncSession | async_sessionmaker[Any]

_TRANSACTION_CONTROL = re.compile(
    r"\s*(BEGIN|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.IGNORECASE
)


@dataclass
class QueryLog:
    """The statements sent inside a ``count_queries`` block, in order."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many statements ran (``executemany`` counts once)."""
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{n}. {sql}" for n, sql in enumerate(self.statements, start=1))


def _listen_target(bind: Bindable) -> Engine | Connection:
    """The sync object whose cursor events cover everything ``bind`` executes.

    A started connection is preferred to its engine: SQLAlchemy decides whether
    a connection dispatches events when the connection is created, so a listener
    added to the engine later would miss the test's already-open connection.
    """
    if isinstance(bind, async_sessionmaker):
        return _sync_target(bind.kw.get("bind"), "this session factory")
    if isinstance(bind, AsyncSession):
        # The sync session's bind: ``AsyncSession.bind`` is missing on early 2.0 releases.
        return _sync_target(bind.sync_session.bind, "this session")
    return _sync_target(bind, "this object")


def _sync_target(bind: object, what: str) -> Engine | Connection:
    if isinstance(bind, AsyncConnection):
        return bind.sync_connection if bind.sync_connection is not None else bind.sync_engine
    if isinstance(bind, AsyncEngine):
        return bind.sync_engine
    if isinstance(bind, (Engine, Connection)):
        return bind
    raise TypeError(
        f"{what} is not bound to one engine or connection ({bind!r}); "
        "pass the engine or connection to count_queries instead"
    )


@contextmanager
def count_queries(bind: Bindable) -> Iterator[QueryLog]:
    """Record the statements sent through ``bind`` while the block runs.

    ``bind`` is what the test has at hand: ``db_session``, ``db_session_factory``,
    ``db_engine`` or an ``AsyncConnection``. The log stays readable after the block.
    """
    target = _listen_target(bind)
    log = QueryLog()

    def record(
        conn: Connection,
        cursor: object,
        statement: str,
        parameters: object,
        context: object,
        executemany: bool,
    ) -> None:
        del conn, cursor, parameters, context, executemany
        if not _TRANSACTION_CONTROL.match(statement):
            log.statements.append(statement)

    event.listen(target, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(target, "before_cursor_execute", record)


@contextmanager
def assert_max_queries(bind: Bindable, maximum: int) -> Iterator[QueryLog]:
    """Fail if the block sends more than ``maximum`` statements through ``bind``.

    Typical use is around one service call, with ``maximum`` the count that does
    not grow with the data (``1`` for a list with ``selectinload``: ``2``).
    """
    with count_queries(bind) as log:
        yield log
    if log.count > maximum:
        raise AssertionError(
            f"expected at most {maximum} queries, {log.count} ran "
            f"(a query per item in a loop?):\n{log}"
        )
