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
from sqlalchemy.engine import MappingResult, Result, ScalarResult, TupleResult
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncMappingResult,
    AsyncResult,
    AsyncScalarResult,
    AsyncSession,
    AsyncSessionTransaction,
    AsyncTransaction,
    AsyncTupleResult,
    async_sessionmaker,
)
from sqlalchemy.orm.exc import UnmappedInstanceError

from test_utils import (
    assert_committed_once,
    assert_not_committed,
    assert_rolled_back,
    make_connection,
    make_engine,
    make_result,
    make_session_factory,
    make_stream_result,
)
from test_utils.db_mocks import make_session, spec_mock
from test_utils.sample_model import Note

QUERY = select(1)
REAL_CLASSES = [AsyncEngine, AsyncConnection, AsyncSession, AsyncSessionTransaction]
RESULT_TYPES: dict[str, type[Any]] = {
    "Result": Result,
    "CursorResult": Result,  # a mock result has no cursor: rowcount etc. are not available
    "ScalarResult": ScalarResult,
    "MappingResult": MappingResult,
    "AsyncResult": AsyncResult,
    "AsyncScalarResult": AsyncScalarResult,
    "AsyncMappingResult": AsyncMappingResult,
    "TupleResult": TupleResult,
    "AsyncTupleResult": AsyncTupleResult,
}
# SQLAlchemy 2.0's AsyncResult.freeze() leaves a coroutine un-awaited (its FrozenResult
# calls the async fetchall()); the mock delegates to it, so it is not compared there.
LEAKS_IN_SQLALCHEMY_2_0 = {("AsyncResult", "freeze"), ("AsyncMappingResult", "freeze")}


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
async def test_methods_returning_results_return_results_of_the_real_type(cls: type[Any]) -> None:
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


def _unconfigured_results() -> dict[str, Any]:
    """Mock results as an unconfigured session hands them out, by real class name."""
    session = make_session()
    executed = session.execute.return_value
    streamed = session.stream.return_value
    return {
        "Result": executed,
        "ScalarResult": executed.scalars.return_value,
        "MappingResult": executed.mappings.return_value,
        "AsyncResult": streamed,
        "AsyncScalarResult": streamed.scalars.return_value,
        "AsyncMappingResult": streamed.mappings.return_value,
    }


def _empty_real(name: str) -> Any:
    real: Any = make_stream_result() if name.startswith("Async") else make_result()
    kind = name.removeprefix("Async")
    return {"Result": real, "ScalarResult": real.scalars(), "MappingResult": real.mappings()}[kind]


def _arguments(func: Any) -> list[int]:
    """A valid value (column 0) for each required positional parameter and ``*args``."""
    parameters = list(inspect.signature(func).parameters.values())[1:]
    needed = {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL}
    return [0 for p in parameters if p.default is p.empty and p.kind in needed]


async def _outcome(call: Any) -> tuple[str, Any]:
    """("value", what ``call()`` gives, awaited if needed) or ("raises", the exception type)."""
    try:
        value = call()
        if inspect.isawaitable(value):
            value = await value
    except Exception as exc:  # the type is the outcome compared
        return "raises", type(exc)
    return "value", value


RESULT_NAMES = list(_unconfigured_results())


@pytest.mark.parametrize("name", RESULT_NAMES)
async def test_unconfigured_result_methods_answer_as_an_empty_real_result(name: str) -> None:
    """Every public method: the same value (or exception type) as an empty real result;
    methods returning results return results of the real type that are empty too."""
    mock = _unconfigured_results()[name]
    checked = []
    for method, func in _public_methods(RESULT_TYPES[name]):
        if (name, method) in LEAKS_IN_SQLALCHEMY_2_0:
            continue
        args = _arguments(func)
        real = await _outcome(lambda: getattr(_empty_real(name), method)(*args))  # noqa: B023
        got = await _outcome(lambda: getattr(mock, method)(*args))  # noqa: B023
        if real[0] == "value" and isinstance(real[1], tuple(RESULT_TYPES.values())):
            assert any(isinstance(got[1], cls) for cls in RESULT_TYPES.values()), method
            assert (await _outcome(got[1].all)) == ("value", []), f"{name}.{method}().all()"
        elif real[0] == "value" and not isinstance(real[1], (list, type(None), tuple)):
            assert type(got[1]) is type(real[1]), f"{name}.{method}: {got} != {real}"
        else:
            assert got == real, f"{name}.{method}"
        checked.append(method)
    assert {"all", "first"} <= set(checked)


@pytest.mark.parametrize("name", RESULT_NAMES)
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")  # tuples() in 2.1
async def test_every_unconfigured_result_method_takes_a_chained_return_value(name: str) -> None:
    mock = _unconfigured_results()[name]
    for method, func in _public_methods(RESULT_TYPES[name]):
        marker = object()
        getattr(mock, method).return_value = marker
        assert (await _outcome(lambda: getattr(mock, method)(*_arguments(func)))) == (  # noqa: B023
            "value",
            marker,
        ), f"{name}.{method}"


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
    item = Note(slug="a")
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
    with pytest.raises(ArgumentError, match="Textual SQL expression"):
        await session.exec("SELECT 1")
    with pytest.raises(UnmappedInstanceError):
        session.add(object())
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
        session.add(Note(slug="a"))
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
        session.add(Note(slug="a"))

    assert_committed_once(session)
    with pytest.raises(AssertionError, match="expected a rollback"):
        assert_rolled_back(session)
