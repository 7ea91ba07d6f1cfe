"""Whether a mocked session is in a transaction, by the rules of the real one.

A real ``AsyncSession`` begins a transaction by itself on first use (``add``,
``execute``, ``get``, ...: "autobegin"); ``commit()``, ``rollback()`` and
``close()`` end it; ``async with session.begin():`` inside a transaction that
is already active raises ``InvalidRequestError``, while ``begin_nested()``
(a savepoint) is fine. Code that calls ``begin()`` after a query passes on a
plain mock and fails in production; the mock session follows these rules so
it fails in the test. The error is produced by a real, unbound ``Session``
(no database needed), so its type and text are SQLAlchemy's own.
"""

from __future__ import annotations

import inspect
from typing import Any

from sqlalchemy import exc
from sqlalchemy.orm import Session

# Session methods that begin a transaction when none is active (add_all: when given objects).
_AUTOBEGIN = frozenset(
    {
        "add",
        "add_all",
        "connection",
        "delete",
        "delete_all",
        "execute",
        "get",
        "get_one",
        "merge",
        "merge_all",
        "refresh",
        "scalar",
        "scalars",
        "stream",
        "stream_scalars",
    }
)
_ENDS = frozenset({"close", "commit", "invalidate", "reset", "rollback"})


class SessionState:
    """The transaction state of one mocked session."""

    __slots__ = ("active",)

    def __init__(self) -> None:
        self.active = False

    def called(self, name: str, bound: inspect.BoundArguments | None) -> None:
        """The session's method ``name`` was called with ``bound`` arguments."""
        if name in _ENDS:
            self.active = False
        elif name in _AUTOBEGIN and (name != "add_all" or _has_items(bound)):
            self.active = True

    def begin(self) -> None:
        """``async with session.begin()`` / ``await session.begin()``."""
        if self.active:
            raise _already_begun()
        self.active = True


class TransactionState:
    """The transaction returned by ``begin()`` (or a savepoint, ``begin_nested()``)."""

    __slots__ = ("nested", "session")

    def __init__(self, session: SessionState, *, nested: bool) -> None:
        self.session = session
        self.nested = nested

    def called(self, name: str, _bound: inspect.BoundArguments | None) -> None:
        """A method of the transaction was called; ``__aenter__`` and ``start`` begin it."""
        if name in {"__aenter__", "start"}:
            if self.nested:
                self.session.active = True  # a savepoint autobegins the outer transaction
            else:
                self.session.begin()
        elif name in {"close", "commit", "rollback"} and not self.nested:
            self.session.active = False


def _has_items(bound: inspect.BoundArguments | None) -> bool:
    return bound is None or bool(bound.arguments.get("instances", True))


def _already_begun() -> Exception:
    """The error a real session raises on a second ``begin()``."""
    session = Session()
    try:
        session.begin()
        session.begin()
    except exc.InvalidRequestError as error:
        return error
    finally:
        session.close()
    return AssertionError("this SQLAlchemy allows begin() inside a transaction")


def track(mock: Any, state: SessionState | TransactionState) -> None:
    """Attach ``state`` to a mock session or transaction (see ``db_mocks``)."""
    mock.__dict__["_testkit_state"] = state
