"""One test per database error from TESTING.md's error table: the fixtures prevent it,
or the mistake fails with a clear error at the line that makes it.

Each test first shows the naive mock producing the error, so the test proves
the difference rather than assuming it.
"""

from __future__ import annotations

import sys
from typing import Any
from unittest.mock import AsyncMock

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from test_utils import make_result, make_session
from test_utils.assertions import assert_unawaited_coroutine
from test_utils.sample_model import Note

QUERY = select(1)
# `async with` on something that is not an async context manager raises TypeError
# since Python 3.11, and AttributeError('__aenter__') on 3.10.
NOT_A_CONTEXT_MANAGER = (
    "'coroutine' object does not support the asynchronous context manager"
    if sys.version_info >= (3, 11)
    else "__aenter__"
)
NOT_A_CONTEXT_MANAGER_ERROR = TypeError if sys.version_info >= (3, 11) else AttributeError
NO_ALL = "'coroutine' object has no attribute 'all'"
NEVER_AWAITED_HERE = r"was never awaited \(called at .*test_db_mock_pitfalls\.py:\d+\)$"


async def test_async_with_engine_begin_needs_no_setup(mock_engine: Any) -> None:
    """``'coroutine' object does not support the asynchronous context manager protocol``."""
    naive = AsyncMock()
    with (
        assert_unawaited_coroutine(),
        pytest.raises(NOT_A_CONTEXT_MANAGER_ERROR, match=NOT_A_CONTEXT_MANAGER),
    ):
        async with naive.begin():
            pass

    async with mock_engine.begin() as conn:
        await conn.run_sync(lambda _sync_conn: None)
    async with mock_engine.connect() as conn, conn.begin():
        await conn.execute(QUERY)
    mock_engine.connection.run_sync.assert_awaited_once()
    mock_engine.connection.execute.assert_awaited_once_with(QUERY)


async def test_result_methods_are_sync(mock_session: Any) -> None:
    """``'coroutine' object has no attribute 'all'``: the result of execute is a real Result."""
    naive = AsyncMock(spec=AsyncSession)  # async-patterns: ignore (the pitfall, on purpose)
    with assert_unawaited_coroutine(), pytest.raises(AttributeError, match=NO_ALL):
        (await naive.execute(QUERY)).scalars().all()

    assert (await mock_session.execute(QUERY)).scalars().all() == []
    mock_session.execute.return_value = make_result(scalars=[1, 2])
    assert (await mock_session.execute(QUERY)).scalars().all() == [1, 2]


async def test_awaiting_a_sync_method_fails_at_that_line(mock_session: Any) -> None:
    """``object ... can't be used in 'await' expression``: the same error as the real session.

    A naive ``AsyncMock()`` accepts ``await session.add(x)``, so the bug ships.
    """
    await AsyncMock().add(object())  # no error: the naive mock hides the bug

    with pytest.raises(TypeError, match="object NoneType can't be used in 'await' expression"):
        await mock_session.add(Note(slug="a"))


async def test_forgotten_await_fails_the_test(mock_session: Any) -> None:
    """``coroutine 'AsyncMockMixin._execute_mock_call' was never awaited``: the naive mock
    names neither the method nor the caller. A forgotten await on the fixture warns as on
    the real session, naming both, and ``filterwarnings = error`` makes that a failure; a
    sync method called without await (fine on the real session) creates no coroutine."""
    naive = AsyncMock()
    with assert_unawaited_coroutine():
        naive.add(object())  # correct code, yet a coroutine nobody awaits

    with assert_unawaited_coroutine(rf"^mock_session\.commit\(\) {NEVER_AWAITED_HERE}"):
        mock_session.commit()
    assert mock_session.add(Note(slug="a")) is None
    assert mock_session.commit.await_count == 0  # a forgotten await is not a commit


def test_data_given_where_a_spec_is_expected_fails_clearly() -> None:
    """``AsyncMock([{...}])``: the positional argument is a spec, not a return value."""
    with pytest.raises(TypeError, match="unhashable type"):
        AsyncMock([{"id": 1}])  # async-patterns: ignore (the pitfall, on purpose)

    with pytest.raises(TypeError, match=r"make_session\(\) takes an AsyncSession class"):
        make_session([{"id": 1}])  # type: ignore[arg-type]
    rows = make_result([{"id": 1, "name": "a"}])
    assert rows.mappings().one() == {"id": 1, "name": "a"}


def test_expecting_an_unawaited_coroutine_fails_when_every_call_was_awaited() -> None:
    with (
        pytest.raises(AssertionError, match="no coroutine was left un-awaited"),
        assert_unawaited_coroutine(),
    ):
        make_session().add(Note(slug="awaited-nothing"))


def test_expecting_an_unawaited_coroutine_fails_when_another_one_was_left() -> None:
    session = make_session()

    with (
        pytest.raises(AssertionError, match="no warning matches 'rollback'"),
        assert_unawaited_coroutine(match="rollback"),
    ):
        session.commit()
