"""Assertions about what a mocked session did, with messages that say what happened."""

from __future__ import annotations

from typing import Any


def _calls(session: Any, name: str) -> int:
    return int(getattr(session, name).await_count)


def _summary(session: Any) -> str:
    commits, rollbacks = _calls(session, "commit"), _calls(session, "rollback")
    return f"commit awaited {commits}x, rollback awaited {rollbacks}x"


def assert_committed_once(session: Any) -> None:
    """The session committed exactly once and never rolled back."""
    if _calls(session, "commit") != 1 or _calls(session, "rollback") != 0:
        raise AssertionError(f"expected exactly one commit and no rollback; {_summary(session)}")


def assert_not_committed(session: Any) -> None:
    """The session never committed."""
    if _calls(session, "commit") != 0:
        raise AssertionError(f"expected no commit; {_summary(session)}")


def assert_rolled_back(session: Any) -> None:
    """The session rolled back at least once and never committed."""
    if _calls(session, "rollback") == 0 or _calls(session, "commit") != 0:
        raise AssertionError(f"expected a rollback and no commit; {_summary(session)}")
