"""The same calling code against a real aiosqlite engine and against the mocks.

Every test runs twice (``side`` is "real" or "mock"): what works on the real
objects must work on the mocks, and what raises on the real objects must raise
the same exception type on the mocks. The real side uses an SQLite file in
``tmp_path``: no server, no sockets.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.engine import MappingResult, Result, Row, ScalarResult
from sqlalchemy.exc import (
    ArgumentError,
    InvalidRequestError,
    MultipleResultsFound,
    NoInspectionAvailable,
    NoResultFound,
    ObjectNotExecutableError,
    SADeprecationWarning,
)
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncResult,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, joinedload, mapped_column, relationship
from sqlalchemy.orm.exc import UnmappedInstanceError

from test_utils import make_engine, make_result, make_session_factory, make_stream_result
from test_utils.assertions import assert_unawaited_coroutine


class _Base(DeclarativeBase):
    pass


class Item(_Base):
    __tablename__ = "parity_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Shelf(_Base):
    """One side of a one-to-many: what a joined eager load of a collection needs."""

    __tablename__ = "parity_shelves"

    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list[Book]] = relationship()


class Book(_Base):
    __tablename__ = "parity_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("parity_shelves.id"))


SELECT_ITEMS = select(Item).order_by(Item.id)
SHELVES_WITH_BOOKS = select(Shelf).options(joinedload(Shelf.books))
NEEDS_UNIQUE = (
    "The unique() method must be invoked on this Result, as it contains results that "
    "include joined eager loads against collections"
)
NO_ROW = "No row was found when one was required"
SELECT_NAMES = select(Item.id, Item.name).order_by(Item.id)
NO_ROWS = select(Item).where(Item.id == -1)
UNMAPPED = "Class 'builtins.object' is not mapped"
ALREADY_BEGUN = "A transaction is already begun on this Session"
# SQLAlchemy 2.1 deprecated Session.flush(objects); 2.0 accepts it silently.
FLUSH_OBJECTS_DEPRECATED = tuple(map(int, sqlalchemy.__version__.split(".")[:2])) >= (2, 1)
ON_COROUTINE = "'coroutine' object has no attribute"
# `async with` on something that is not an async context manager raises TypeError
# since Python 3.11, and AttributeError('__aenter__') on 3.10: the same on both sides.
NOT_AN_ASYNC_CONTEXT_MANAGER = TypeError if sys.version_info >= (3, 11) else AttributeError


@dataclass
class Side:
    """The objects the calling code gets: real ones or mocks."""

    engine: Any
    factory: Any
    is_mock: bool

    def returns(self, method: Callable[[], Any], value: Any) -> None:
        """What the real database returns, told to the mock ``method()`` (no-op when real)."""
        if self.is_mock:
            method().return_value = value


@pytest.fixture(params=["real", "mock"])
async def side(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Side]:
    if request.param == "mock":
        yield Side(make_engine(), make_session_factory(), is_mock=True)
        return
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'parity.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_Base.metadata.create_all)
        async with async_sessionmaker(engine)() as session:
            session.add_all([Item(id=1, name="a"), Item(id=2, name="b")])
            session.add(Shelf(id=1, books=[Book(id=1), Book(id=2)]))
            await session.commit()
        yield Side(engine, async_sessionmaker(engine, expire_on_commit=False), is_mock=False)
    finally:
        await engine.dispose()


def _names(sync_conn: Any) -> list[str]:
    return list(sync_conn.scalars(select(Item.name).order_by(Item.id)))


# ---- what works on the real objects works on the mocks ----


async def test_engine_begin_and_run_sync(side: Side) -> None:
    side.returns(lambda: side.engine.connection.run_sync, ["a", "b"])
    async with side.engine.begin() as conn:
        assert isinstance(conn, AsyncConnection)
        assert await conn.run_sync(_names) == ["a", "b"]


async def test_connect_and_execute(side: Side) -> None:
    side.returns(lambda: side.engine.connection.execute, make_result([(1, "a"), (2, "b")]))
    async with side.engine.connect() as conn:
        result = await conn.execute(SELECT_NAMES)
        assert [tuple(row) for row in result] == [(1, "a"), (2, "b")]
        await conn.rollback()


async def test_connect_awaited_then_begin_awaited(side: Side) -> None:
    conn = await side.engine.connect()
    try:
        transaction = await conn.begin()
        await transaction.rollback()
    finally:
        await conn.close()


async def test_connection_stream(side: Side) -> None:
    side.returns(lambda: side.engine.connection.scalar, 2)
    async with side.engine.connect() as conn:
        async with conn.stream(SELECT_NAMES) as result:
            assert isinstance(result, AsyncResult)
            await result.all()
        assert await conn.scalar(select(Item.id).where(Item.id == 2)) == 2


async def test_session_add_flush_refresh_commit(side: Side) -> None:
    async with side.factory() as session:
        item = Item(id=3, name="c")
        session.add(item)
        await session.flush()
        await session.refresh(item)
        await session.commit()
        assert session.in_transaction() is False


async def test_execute_then_result_methods(side: Side) -> None:
    async with side.factory() as session:
        side.returns(
            lambda: session.execute, make_result([(1, "a"), (2, "b")], columns=["id", "name"])
        )
        result = await session.execute(SELECT_NAMES)
        assert isinstance(result, Result)
        first = result.first()
        assert isinstance(first, Row)
        assert first.name == "a"
        assert (await session.execute(SELECT_NAMES)).mappings().all()[1]["name"] == "b"
        assert len((await session.execute(SELECT_NAMES)).unique().all()) == 2
        assert (await session.execute(SELECT_NAMES)).scalars().all() == [1, 2]
        with pytest.raises(MultipleResultsFound):
            (await session.execute(SELECT_NAMES)).one()


async def test_one_and_scalar_one_on_no_rows(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.execute, make_result(scalars=[]))
        none = select(Item.id).where(Item.id == -1)
        with pytest.raises(NoResultFound):
            (await session.execute(none)).one()
        with pytest.raises(NoResultFound):
            (await session.execute(none)).scalar_one()
        assert (await session.execute(none)).scalar_one_or_none() is None


async def test_scalar_scalars_and_get(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.scalar, 2)
        side.returns(lambda: session.scalars, make_result(scalars=["a", "b"]))
        assert await session.scalar(select(Item.id).where(Item.id == 2)) == 2
        assert (await session.scalars(select(Item.name).order_by(Item.id))).all() == ["a", "b"]
        assert await session.get(Item, 999) is None


async def test_joined_collection_load_needs_unique(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.execute, make_result(scalars=[Shelf(id=1)]))
        side.returns(lambda: session.scalars, make_result(scalars=[Shelf(id=1)]))
        with pytest.raises(InvalidRequestError) as refused:
            (await session.execute(SHELVES_WITH_BOOKS)).scalars().all()
        assert str(refused.value) == NEEDS_UNIQUE
        with pytest.raises(InvalidRequestError, match=r"^The unique\(\) method must"):
            (await session.scalars(SHELVES_WITH_BOOKS)).all()
        with pytest.raises(InvalidRequestError, match=r"^The unique\(\) method must"):
            (await session.execute(SHELVES_WITH_BOOKS)).scalar_one_or_none()
        assert (await session.execute(SHELVES_WITH_BOOKS)).first() is not None
        shelves = (await session.execute(SHELVES_WITH_BOOKS)).unique().scalars().all()
        assert [shelf.id for shelf in shelves] == [1]
        assert [s.id for s in (await session.scalars(SHELVES_WITH_BOOKS)).unique().all()] == [1]


async def test_joined_collection_load_refuses_rows_of_every_result_kind(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.execute.return_value.all, [(Shelf(id=1),)])
        side.returns(lambda: session.execute.return_value.mappings.return_value.all, [{}])
        side.returns(lambda: session.execute.return_value.first, (Shelf(id=1),))
        with pytest.raises(InvalidRequestError, match=r"^The unique\(\) method must"):
            (await session.execute(SHELVES_WITH_BOOKS)).all()
        with pytest.raises(InvalidRequestError, match=r"^The unique\(\) method must"):
            (await session.execute(SHELVES_WITH_BOOKS)).mappings().all()
        # first() reads one row and needs no unique().
        assert (await session.execute(SHELVES_WITH_BOOKS)).first() is not None


async def test_a_result_made_unique_beforehand_is_accepted(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.scalars, make_result(scalars=[Shelf(id=1)]).unique())
        shelves = (await session.scalars(SHELVES_WITH_BOOKS)).unique().all()
        assert [shelf.id for shelf in shelves] == [1]


async def test_joined_collection_load_needs_unique_when_chained(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.execute.return_value.scalars.return_value.all, [Shelf(id=1)])
        with pytest.raises(InvalidRequestError) as refused:
            (await session.execute(SHELVES_WITH_BOOKS)).scalars().all()
        assert str(refused.value) == NEEDS_UNIQUE
        shelves = (await session.execute(SHELVES_WITH_BOOKS)).unique().scalars().all()
        assert [shelf.id for shelf in shelves] == [1]
        # The same result without the joined load: no unique() needed.
        assert len((await session.execute(select(Shelf))).scalars().all()) == 1


async def test_get_one_of_a_missing_row(side: Side) -> None:
    async with side.factory() as session:
        with pytest.raises(NoResultFound) as missing:
            await session.get_one(Item, 999)
        assert str(missing.value) == NO_ROW


async def test_delete_and_merge(side: Side) -> None:
    async with side.factory() as session:
        merged = await session.merge(Item(id=1, name="z"))
        await session.delete(merged)
        await session.flush()
        await session.rollback()


async def test_begin_and_begin_nested(side: Side) -> None:
    async with side.factory() as session:
        async with session.begin() as transaction:
            async with session.begin_nested() as savepoint:
                session.add(Item(id=6, name="f"))
            assert isinstance(savepoint, AsyncSessionTransaction)
        assert isinstance(transaction, AsyncSessionTransaction)


async def test_session_stream_and_stream_scalars(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.stream, make_stream_result([(1, "a"), (2, "b")]))
        side.returns(lambda: session.stream_scalars, make_stream_result(scalars=[1, 2]))
        rows = await session.stream(SELECT_NAMES)
        assert len(await rows.all()) == 2
        ids = await session.stream_scalars(select(Item.id).order_by(Item.id))
        assert [value async for value in ids] == [1, 2]


async def test_streamed_scalar_one(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.stream, make_stream_result(scalars=[1]))
        streamed = await session.stream(select(Item.id).where(Item.id == 1))
        assert await streamed.scalar_one() == 1


async def test_session_run_sync(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.run_sync, ["a", "b"])
        assert await session.run_sync(lambda sync: _names(sync.connection())) == ["a", "b"]


async def test_factory_begin_commits(side: Side) -> None:
    async with side.factory.begin() as session:
        assert isinstance(session, AsyncSession)
        session.add(Item(id=7, name="g"))


async def test_engine_dispose(side: Side) -> None:
    await side.engine.dispose()


# ---- what raises on the real objects raises the same type on the mocks ----


async def test_awaiting_a_sync_method_is_a_type_error(side: Side) -> None:
    async with side.factory() as session:
        with pytest.raises(TypeError, match="can't be used in 'await' expression"):
            await session.add(Item(id=8, name="h"))
        with pytest.raises(TypeError, match="can't be used in 'await' expression"):
            await (await session.execute(SELECT_NAMES)).all()
        with pytest.raises(TypeError):
            await side.engine.begin()


async def test_missing_argument_is_a_type_error(side: Side) -> None:
    async with side.factory() as session:
        with pytest.raises(TypeError, match="instance"):
            session.add()
        with pytest.raises(TypeError, match="statement"):
            await session.execute()
        with pytest.raises(TypeError):
            await session.get(Item)


async def test_misspelled_method_is_an_attribute_error(side: Side) -> None:
    async with side.factory() as session:
        with pytest.raises(AttributeError):
            session.exectue  # noqa: B018
        with pytest.raises(AttributeError):
            side.engine.begin_transaction  # noqa: B018


async def test_session_and_engine_are_not_themselves_awaitable(side: Side) -> None:
    async with side.factory() as session:
        with pytest.raises(TypeError):
            await session
    with pytest.raises(NOT_AN_ASYNC_CONTEXT_MANAGER):
        async with side.engine:
            pass


async def test_forgotten_await_is_a_coroutine_that_warns(side: Side) -> None:
    async with side.factory() as session:
        pending = session.commit()
        assert inspect.iscoroutine(pending)
        with assert_unawaited_coroutine():
            del pending
        with assert_unawaited_coroutine(), pytest.raises(AttributeError, match=ON_COROUTINE):
            session.execute(SELECT_NAMES).scalars()


async def test_streamed_results_need_await_scalars_do_not(side: Side) -> None:
    async with side.factory() as session:
        stream = await session.stream_scalars(select(Item.id))
        pending = stream.all()
        assert inspect.iscoroutine(pending)
        await pending
        assert not inspect.iscoroutine(stream.unique())


# ---- the chain idiom of existing suites, and what an empty table answers ----


async def test_chained_return_values_configure_unconfigured_results(side: Side) -> None:
    async with side.factory() as session:
        side.returns(lambda: session.execute.return_value.scalars.return_value.all, [1, 2])
        side.returns(lambda: session.scalars.return_value.first, 1)
        ids = select(Item.id).order_by(Item.id)
        assert (await session.execute(ids)).scalars().all() == [1, 2]
        assert (await session.scalars(ids)).first() == 1
        side.returns(lambda: session.execute.return_value.scalar_one_or_none, None)
        assert (await session.execute(NO_ROWS)).scalar_one_or_none() is None


async def test_unconfigured_results_answer_like_an_empty_table(side: Side) -> None:
    async with side.factory() as session:
        result = await session.execute(NO_ROWS)
        assert isinstance(result, Result)
        assert not inspect.iscoroutine(result.all())
        assert (await session.execute(NO_ROWS)).first() is None
        with pytest.raises(NoResultFound):
            (await session.execute(NO_ROWS)).one()
        scalars = (await session.execute(NO_ROWS)).scalars()
        assert isinstance(scalars, ScalarResult)
        assert scalars.all() == []
        mappings = (await session.execute(NO_ROWS)).mappings()
        assert isinstance(mappings, MappingResult)
        assert mappings.all() == []
        assert (await session.execute(NO_ROWS)).unique().scalars().all() == []
        assert (await session.scalars(NO_ROWS)).all() == []
        assert await (await session.stream(NO_ROWS)).all() == []


async def test_scalar_and_get_on_an_empty_table_are_none(side: Side) -> None:
    async with side.factory() as session:
        assert await session.scalar(select(Item.id).where(Item.id == -1)) is None
        assert await session.get(Item, -1) is None
        found = "found" if await session.scalar(select(Item.id).where(Item.id == -1)) else "none"
        assert found == "none"


# ---- what the real session rejects before any SQL runs ----


async def test_a_raw_sql_string_is_refused(side: Side) -> None:
    raw = r"Textual SQL expression 'SELECT 1' should be explicitly declared as text\('SELECT 1'\)"
    async with side.factory() as session:
        for method in (session.execute, session.scalar, session.scalars, session.stream):
            with pytest.raises(ArgumentError, match=raw):
                await method("SELECT 1")
    async with side.engine.connect() as conn:
        with pytest.raises(ObjectNotExecutableError, match="Not an executable object: 'SELECT 1'"):
            await conn.execute("SELECT 1")


async def test_a_stray_keyword_is_refused(side: Side) -> None:
    async with side.factory() as session:
        for method in (session.execute, session.scalars, session.scalar, session.stream):
            with pytest.raises(TypeError, match="unexpected keyword argument 'item_id'"):
                await method(SELECT_ITEMS, item_id=1)


async def test_unmapped_instances_are_refused(side: Side) -> None:
    async with side.factory() as session:
        with pytest.raises(UnmappedInstanceError, match=UNMAPPED):
            session.add(object())
        with pytest.raises(UnmappedInstanceError, match=UNMAPPED):
            session.add_all([object()])
        with pytest.raises(TypeError, match="'Item' object is not iterable"):
            session.add_all(Item(id=4, name="d"))
        for method in (session.delete, session.merge, session.refresh):
            with pytest.raises(UnmappedInstanceError, match=UNMAPPED):
                await method(object())
        for sync_method in (session.expire, session.expunge):
            with pytest.raises(UnmappedInstanceError, match=UNMAPPED):
                sync_method(object())


async def test_get_needs_a_mapped_class(side: Side) -> None:
    async with side.factory() as session:
        with pytest.raises(NoInspectionAvailable, match="No inspection system is available"):
            await session.get(object, 1)


def _flush_objects_warning() -> AbstractContextManager[object]:
    if FLUSH_OBJECTS_DEPRECATED:
        return pytest.warns(
            SADeprecationWarning, match="The `objects` parameter of `Session.flush`"
        )
    return warnings.catch_warnings()


async def test_flush_with_objects_warns_as_the_installed_sqlalchemy_does(side: Side) -> None:
    async with side.factory() as session:
        item = Item(id=5, name="e")
        session.add(item)
        with _flush_objects_warning():
            await session.flush([item])
        await session.rollback()


# ---- transaction state ----


async def test_a_session_begins_by_itself_on_first_use(side: Side) -> None:
    async with side.factory() as session:
        assert session.in_transaction() is False
        await session.execute(SELECT_ITEMS)
        assert session.in_transaction() is True
        await session.rollback()
        assert session.in_transaction() is False
        session.add(Item(id=9, name="i"))
        assert session.in_transaction() is True


async def test_begin_inside_an_active_transaction_is_refused(side: Side) -> None:
    async with side.factory() as session:
        await session.execute(SELECT_ITEMS)
        with pytest.raises(InvalidRequestError, match=ALREADY_BEGUN):
            async with session.begin():
                pass
        await session.commit()
        async with session.begin():  # the commit ended the transaction
            await session.execute(SELECT_ITEMS)
        assert session.in_transaction() is False
    async with side.factory.begin() as session:
        with pytest.raises(InvalidRequestError, match=ALREADY_BEGUN):
            await session.begin()


async def test_begin_nested_works_inside_an_autobegun_transaction(side: Side) -> None:
    async with side.factory() as session:
        await session.execute(SELECT_ITEMS)
        async with session.begin_nested():
            session.add(Item(id=10, name="j"))
        assert session.in_transaction() is True
        await session.rollback()
        async with session.begin_nested():  # with no transaction: begins one, then a savepoint
            pass
        assert session.in_transaction() is True
        await session.close()
        assert session.in_transaction() is False
