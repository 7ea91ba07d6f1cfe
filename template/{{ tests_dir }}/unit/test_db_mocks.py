"""The mocks cover the whole public API of the real classes, with the right shapes.

These tests read the real classes the same way the mocks do, but check the
outcome on the mocks, so a SQLAlchemy release that adds or changes a method is
checked here too.
"""

from __future__ import annotations

import inspect
from typing import Any
from unittest.mock import AsyncMock, NonCallableMock

import pytest
from sqlalchemy import select
from sqlalchemy.engine import MappingResult, Result, ScalarResult
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncResult,
    AsyncScalarResult,
    AsyncSession,
    AsyncSessionTransaction,
    AsyncTransaction,
    async_sessionmaker,
)

from test_utils import (
    assert_committed_once,
    assert_not_committed,
    assert_rolled_back,
    make_connection,
    make_engine,
    make_result,
    make_session_factory,
)
from test_utils.db_mocks import make_session, spec_mock

QUERY = select(1)
REAL_CLASSES = [AsyncEngine, AsyncConnection, AsyncSession, AsyncSessionTransaction]
RESULT_TYPES: dict[str, type[Any]] = {
    "Result": Result,
    "CursorResult": Result,  # a mock result has no cursor: rowcount etc. are not available
    "ScalarResult": ScalarResult,
    "MappingResult": MappingResult,
    "AsyncResult": AsyncResult,
    "AsyncScalarResult": AsyncScalarResult,
}


def _public_methods(cls: type[Any]) -> list[tuple[str, Any]]:
    found = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name)
        func = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        if inspect.isfunction(func):
            found.append((name, func))
    return found


@pytest.mark.parametrize(
    "cls", [*REAL_CLASSES, AsyncTransaction, async_sessionmaker], ids=lambda cls: cls.__name__
)
def test_every_public_method_has_the_real_async_or_sync_shape(cls: type[Any]) -> None:
    mock = spec_mock(cls, name="m")
    wrong = [
        name
        for name, func in _public_methods(cls)
        if isinstance(getattr(mock, name), AsyncMock) != inspect.iscoroutinefunction(func)
    ]
    assert not wrong, f"{cls.__name__}: async/sync shape differs for {wrong}"


@pytest.mark.parametrize("cls", REAL_CLASSES, ids=lambda cls: cls.__name__)
def test_properties_are_attributes_not_methods(cls: type[Any]) -> None:
    mock = spec_mock(cls, name="m")
    names = [name for name in dir(cls) if isinstance(inspect.getattr_static(cls, name), property)]
    assert names
    callable_ = [name for name in names if callable(getattr(mock, name))]
    assert not callable_, f"{cls.__name__}: properties mocked as callables: {callable_}"


@pytest.mark.parametrize("cls", [AsyncConnection, AsyncSession], ids=lambda cls: cls.__name__)
async def test_methods_returning_results_return_real_results(cls: type[Any]) -> None:
    mock = spec_mock(cls, name="m")
    checked = []
    for name, func in _public_methods(cls):
        head = str(func.__annotations__.get("return", "")).split("[")[0]
        if head not in RESULT_TYPES:
            continue
        returned = getattr(mock, name)(QUERY)
        if inspect.isawaitable(returned):
            returned = await returned
        assert isinstance(returned, RESULT_TYPES[head]), f"{cls.__name__}.{name}"
        checked.append(name)
    assert {"execute", "scalars"} <= set(checked)


async def test_each_call_gets_a_fresh_copy_of_a_configured_result() -> None:
    session = make_session()
    session.execute.return_value = make_result(scalars=[1])

    assert (await session.execute(QUERY)).scalar_one() == 1
    assert (await session.execute(QUERY)).scalar_one() == 1  # a real Result reads only once


async def test_a_whole_result_given_to_scalars_becomes_its_scalars() -> None:
    session = make_session()
    session.scalars.return_value = make_result(scalars=["a", "b"])

    assert (await session.scalars(QUERY)).all() == ["a", "b"]


async def test_session_transactions_commit_or_roll_back_on_exit() -> None:
    session = make_session()
    async with session.begin():
        pass
    with pytest.raises(RuntimeError):
        async with session.begin_nested():
            raise RuntimeError

    session.begin.return_value.commit.assert_awaited_once()
    session.begin_nested.return_value.rollback.assert_awaited_once()
    session.begin_nested.return_value.commit.assert_not_awaited()


async def test_engine_connection_is_reachable_and_begin_commits_it() -> None:
    connection = make_connection()
    engine = make_engine(connection)

    async with engine.begin() as conn:
        await conn.execute(QUERY)

    assert conn is engine.connection is connection
    connection.commit.assert_awaited_once()
    connection.close.assert_awaited_once()


async def test_factory_yields_its_session_and_begin_commits() -> None:
    factory = make_session_factory()
    async with factory() as session:
        assert session is factory.session
    async with factory.begin() as session:
        assert session is factory.session

    factory.session.commit.assert_awaited_once()
    assert factory.session.close.await_count == 2
    with pytest.raises(TypeError, match="positional"):
        factory(factory.session)  # the real one takes keyword options only


async def test_assert_called_with_uses_the_recorded_arguments() -> None:
    session = make_session()
    item = object()
    session.add(item)
    await session.execute(QUERY, {"id": 1})

    session.add.assert_called_once_with(item)
    session.execute.assert_awaited_once_with(QUERY, {"id": 1})


class ExecSession(AsyncSession):
    """Like SQLModel's AsyncSession: one extra coroutine method."""

    async def exec(self, statement: Any, *, params: Any = None) -> ScalarResult[Any]:
        raise NotImplementedError


async def test_a_session_subclass_gets_its_extra_methods_mocked() -> None:
    session = make_session(ExecSession)

    assert isinstance(await session.exec(QUERY), ScalarResult)
    with pytest.raises(TypeError, match="statement"):
        session.exec()
    with pytest.raises(AttributeError):
        session.exec_all  # noqa: B018
    assert isinstance(session, ExecSession)


def test_magic_methods_keep_the_mock_defaults() -> None:
    session = make_session()

    assert "mock_session" in str(session)
    assert bool(session) is True
    assert isinstance(session.info, NonCallableMock)
    session.info["key"] = "value"
    assert session.info.__setitem__.call_count == 1


async def test_assertion_messages_say_what_happened() -> None:
    session = make_session()
    await session.commit()
    await session.commit()

    with pytest.raises(AssertionError, match=r"committed 2x and rolled back 0x.*commit\(\)"):
        assert_committed_once(session)
    with pytest.raises(AssertionError, match="expected no commit"):
        assert_not_committed(session)


async def _add_then_fail(factory: Any) -> None:
    async with factory.begin() as session:
        session.add(object())
        raise ValueError("boom")


async def test_factory_begin_rolls_back_on_error() -> None:
    factory = make_session_factory()
    with pytest.raises(ValueError, match="boom"):
        await _add_then_fail(factory)

    assert_rolled_back(factory.session)
    with pytest.raises(AssertionError, match="expected exactly one commit"):
        assert_committed_once(factory.session)


async def test_a_commit_inside_session_begin_counts_once() -> None:
    session = make_session()
    async with session.begin():
        session.add(object())

    assert_committed_once(session)
    with pytest.raises(AssertionError, match="expected a rollback"):
        assert_rolled_back(session)
