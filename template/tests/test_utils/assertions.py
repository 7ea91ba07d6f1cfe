"""Assertions about what a mocked session did, with messages that say what happened.

A commit counts whether the code awaited ``session.commit()`` or left an
``async with session.begin():`` / ``async with factory.begin():`` block
cleanly; a rollback counts the same ways. Savepoints (``begin_nested()``) are
neither: they do not end the session's transaction.
"""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def assert_committed_once(session: Any) -> None:
    """The session committed exactly once and never rolled back."""
    if _count(session, "commit") != 1 or _count(session, "rollback") != 0:
        raise AssertionError(f"expected exactly one commit and no rollback; {_summary(session)}")


def assert_not_committed(session: Any) -> None:
    """The session never committed."""
    if _count(session, "commit") != 0:
        raise AssertionError(f"expected no commit; {_summary(session)}")


def assert_rolled_back(session: Any) -> None:
    """The session rolled back at least once and never committed."""
    if _count(session, "rollback") == 0 or _count(session, "commit") != 0:
        raise AssertionError(f"expected a rollback and no commit; {_summary(session)}")


def _count(session: Any, action: str) -> int:
    """``action`` ("commit" / "rollback") awaited on the session or its ``begin()`` block."""
    total = int(getattr(session, action).await_count)
    if session.begin.called:
        total += int(getattr(session.begin.return_value, action).await_count)
    return total


def _summary(session: Any) -> str:
    calls = ", ".join(str(call).removeprefix("call.") for call in session.mock_calls)
    return (
        f"it committed {_count(session, 'commit')}x and rolled back "
        f"{_count(session, 'rollback')}x. Calls on the session, in order: {calls or 'none'}"
    )


@contextmanager
def assert_unawaited_coroutine(match: str = "was never awaited") -> Iterator[None]:
    """The block abandons a coroutine: expect Python's "was never awaited" warning.

    ``match`` is a regular expression the warning must contain; a mock's
    coroutine names the method and the call site (``test_utils.unawaited``).

    Garbage is collected before the block ends, so the warning is caught here
    instead of failing whichever test happens to run the collector next. Keep
    no reference to an exception raised in the block: ``AttributeError.obj``
    would keep the coroutine alive past the collection.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
        gc.collect()
    messages = [str(warning.message) for warning in caught]
    if not any("was never awaited" in message for message in messages):
        raise AssertionError(f"no coroutine was left un-awaited in the block; warnings: {messages}")
    if not any(re.search(match, message) for message in messages):
        raise AssertionError(f"no warning matches {match!r}; warnings: {messages}")
