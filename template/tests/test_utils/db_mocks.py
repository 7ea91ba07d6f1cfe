"""Mocks with the shape of SQLAlchemy's asyncio engine, connection, session and factory.

Every attribute has the shape of the real class (see ``mock_shapes``): coroutine
methods return coroutines, sync methods do not, misspelled attributes raise
``AttributeError`` and calls are checked against the real signatures and
argument rules (``call_rules``). What a method returns has the shape of what
the real one returns, with the answers of an empty database: ``execute`` gives
a mock ``Result`` that answers like an empty one (``all()`` -> ``[]``, ``one()``
raises ``NoResultFound``) until configured, by ``return_value = make_result(...)``
or by chaining (``execute.return_value.scalars.return_value.all.return_value``);
``scalar()`` and ``get()`` give ``None``, ``get_one()`` raises ``NoResultFound``;
a statement with a joined collection load gives a result that needs ``unique()``
(``eager_loads``); ``begin()`` a transaction usable with
``async with`` (the session's transaction state follows ``session_state``);
``engine.begin()`` the engine's connection, ``async with session`` the session.

Children are created on first access, from a per-class shape computed once, so
a mock costs about as much as ``MagicMock(spec=AsyncSession)``, not the ~17 ms
of ``create_autospec``.
"""

from __future__ import annotations

import functools
from collections.abc import Generator
from typing import Any
from unittest.mock import DEFAULT, AsyncMock, MagicMock, NonCallableMagicMock, NonCallableMock

from sqlalchemy.engine import MappingResult, Result, ScalarResult
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncMappingResult,
    AsyncResult,
    AsyncScalarResult,
    AsyncSession,
    AsyncSessionTransaction,
    AsyncTransaction,
    async_sessionmaker,
)

from test_utils.eager_loads import RowsState, requires_unique, unique_required
from test_utils.mock_shapes import DATA, Member, Shape, per_class, return_head, shape_of
from test_utils.results import empty_result, handed_out
from test_utils.session_state import SessionState, TransactionState, track
from test_utils.unawaited import mock_coroutine

_MOCKED_CLASSES: tuple[type[Any], ...] = (
    AsyncEngine,
    AsyncConnection,
    AsyncSession,
    AsyncSessionTransaction,
    AsyncTransaction,
    async_sessionmaker,
)
_TRANSACTIONS = (AsyncSessionTransaction, AsyncTransaction)
# Return annotations naming an async context manager of their argument (private
# and generic ones are mapped to these by ``mock_shapes.RETURNS``).
_CONTEXT_MANAGERS = frozenset({"AsyncIterator", "AbstractAsyncContextManager"})
# Return type names -> the class a mock result of that type is specced from.
_RESULTS: dict[str, type[Any]] = {
    "Result": Result,
    "CursorResult": Result,  # a mock result has no cursor: rowcount etc. are not available
    "ScalarResult": ScalarResult,
    "MappingResult": MappingResult,
    "AsyncResult": AsyncResult,
    "AsyncScalarResult": AsyncScalarResult,
    "AsyncMappingResult": AsyncMappingResult,
}
# Return types that are the result itself at runtime: ``tuples()`` returns ``self``
# (``TupleResult`` only exists for type checkers).
_SELF = frozenset({"Self", "TupleResult", "AsyncTupleResult"})


def make_session(session_class: type[AsyncSession] = AsyncSession) -> Any:
    """A mock of ``session_class``: ``AsyncSession`` or a subclass (e.g. SQLModel's).

    Methods the subclass adds get the same treatment as the inherited ones.
    """
    if not (isinstance(session_class, type) and issubclass(session_class, AsyncSession)):
        raise TypeError(
            f"make_session() takes an AsyncSession class, not {session_class!r}; "
            "to make execute() return rows, set execute.return_value = make_result(...)"
        )
    session = spec_mock(session_class, name="mock_session")
    track(session, SessionState())
    return session


def make_connection() -> Any:
    """A mock ``AsyncConnection``: ``begin()`` is sync and usable with ``async with``."""
    return spec_mock(AsyncConnection, name="mock_connection")


def make_engine(connection: Any | None = None) -> Any:
    """A mock ``AsyncEngine`` whose ``begin()`` and ``connect()`` yield ``connection``.

    ``engine.begin()`` commits the connection on a clean exit and rolls it back
    on an exception, like the real one. The connection is reachable as
    ``engine.connection`` for assertions.
    """
    conn = make_connection() if connection is None else connection
    engine = spec_mock(AsyncEngine, name="mock_engine", links={"AsyncConnection": conn})
    engine.connection = conn
    return engine


def make_session_factory(session: Any | None = None) -> Any:
    """A mock ``async_sessionmaker``: ``factory()`` and ``factory.begin()`` yield ``session``.

    ``factory.begin()`` commits on a clean exit and rolls back on an exception,
    like the real one. The session is reachable as ``factory.session``.
    """
    sess = make_session() if session is None else session
    factory = spec_mock(
        async_sessionmaker, name="mock_session_factory", links={"AsyncSession": sess}
    )
    factory.session = sess
    return factory


def spec_mock(cls: type[Any], name: str, links: dict[str, Any] | None = None) -> Any:
    """A mock of an instance of ``cls``; ``links`` maps return type names to objects.

    ``links={"AsyncConnection": conn}`` makes every method whose real return
    type is ``AsyncConnection`` return ``conn``.
    """
    mock_class = _mock_class(cls)
    # spec= the attribute names, computed once per class: with spec=cls, unittest.mock
    # re-reads every attribute of the class for each new mock (most of a mock's cost).
    mock = mock_class(spec=mock_class._testkit_names, name=name)
    mock.__dict__["_spec_class"] = cls  # isinstance(mock, cls) holds
    mock.__dict__["_testkit_links"] = links or {}
    mock.__dict__["_testkit_name"] = name
    return mock


class _SpecMock(NonCallableMock):
    """Children of this mock are built from the shape of the real class."""

    _testkit_shape: Shape

    def _get_child_mock(self, /, **kw: Any) -> Any:
        name = kw.get("_new_name", "")
        if name == "__aenter__":
            return AsyncMock(return_value=self, side_effect=_entering(self), **kw)
        if name == "__aexit__":
            return AsyncMock(side_effect=_exit_action(self), **kw)
        member = self._testkit_shape.call if name == "()" else None
        if member is not None:
            return _return_value(self, member)
        if name.startswith("__"):  # other magic methods: unittest.mock's defaults
            return (AsyncMock if name == "__anext__" else MagicMock)(**kw)
        member = self._testkit_shape.members.get(name)
        if member is None or member.kind == "attribute":
            return NonCallableMagicMock(**kw)
        child = _method_class(member)(**kw)
        child.__dict__["_testkit_owner"] = self
        if "_testkit_empty" in self.__dict__ and not _returns_result(member):
            child.side_effect = _empty_answer(child, member)
        elif name == "get_one" and issubclass(self._testkit_shape.cls, AsyncSession):
            child.side_effect = _no_row(child)
        return child


class _Method(NonCallableMock):
    """A method of a ``_SpecMock``: checks calls and returns the typed value."""

    _testkit_member: Member

    def _mock_check_sig(self, /, *args: Any, **kwargs: Any) -> None:
        # Called by unittest.mock before every call is recorded.
        bound = self._testkit_member.check_call(args, kwargs)
        state = self.__dict__.get("_testkit_owner", self).__dict__.get("_testkit_state")
        if state is not None:
            state.called(self._testkit_member.name, bound)

    def _get_child_mock(self, /, **kw: Any) -> Any:
        if kw.get("_new_name") == "()":
            return _return_value(self.__dict__["_testkit_owner"], self._testkit_member)
        return MagicMock(**kw)

    def _get_return_value(self) -> Any:
        value = NonCallableMock.return_value.fget(self)
        if isinstance(value, _Live):
            return value.read()
        return handed_out(value, return_head(self._testkit_member.returns)[0])

    def _set_return_value(self, value: Any) -> None:
        NonCallableMock.return_value.fset(self, value)

    return_value = property(_get_return_value, _set_return_value)


def _awaited(self: Any) -> Generator[Any, None, Any]:
    """``await conn`` / ``await conn.begin()``: the real ones await ``start()``."""
    return (yield from self.start().__await__())


@per_class
def _mock_class(cls: type[Any]) -> type[Any]:
    """The mock class of ``cls``, built once: ``__new__`` subclasses it per instance."""
    shape = shape_of(cls)
    namespace: dict[str, Any] = {
        "_testkit_shape": shape,
        "_testkit_names": dir(shape.cls),
        "__module__": __name__,
    }
    if shape.awaitable:
        namespace["__await__"] = _awaited
    if shape.call is not None:
        namespace["_mock_check_sig"] = _Method._mock_check_sig
        namespace["_testkit_member"] = shape.call
    base = MagicMock if shape.call is not None else NonCallableMagicMock
    return type(f"Mock{shape.cls.__name__}", (_SpecMock, base), namespace)


@functools.cache
def _method_class(member: Member) -> type[Any]:
    base = AsyncMock if member.kind == "async" else MagicMock
    namespace: dict[str, Any] = {"_testkit_member": member, "__module__": __name__}
    if member.kind == "async":
        namespace["_execute_mock_call"] = _named_coroutine
    return type(f"Mock{member.owner}_{member.name}", (_Method, base), namespace)


def _named_coroutine(self: Any, /, *args: Any, **kwargs: Any) -> Any:
    """A coroutine method's call: a coroutine that names itself if never awaited.

    The result of a statement with a joined collection load needs ``unique()``
    (``eager_loads``), as the real one does.
    """
    signature = self._testkit_member.signature
    if signature is not None and "statement" in signature.parameters:
        statement = kwargs["statement"] if "statement" in kwargs else args[0] if args else None
        finish = functools.partial(_for_statement, needs_unique=requires_unique(statement))
        return mock_coroutine(self, args, kwargs, finish)
    return mock_coroutine(self, args, kwargs)


def _for_statement(value: Any, *, needs_unique: bool) -> Any:
    """What a statement method hands out: a real result gets the row filter of a joined
    collection load; a mock result's ``RowsState`` is set for this statement."""
    state = getattr(value, "__dict__", {}).get("_testkit_state")
    if isinstance(state, RowsState):
        state.handed_out(needs_unique=needs_unique)
        return value
    return unique_required(value) if needs_unique else value


class _Live:
    """A default return value read from the mock's state at each call."""

    __slots__ = ("read",)

    def __init__(self, read: Any) -> None:
        self.read = read


def _returns_result(member: Member) -> bool:
    head = return_head(member.returns)[0]
    return head in _RESULTS or head in _SELF or head == member.owner


def _result_mock(type_name: str, name: str, state: Any) -> Any:
    """A mock result that answers like an empty one until configured (chain idiom).

    Results derived from one (``scalars()``, ``mappings()``) share its ``RowsState``.
    """
    mock = spec_mock(_RESULTS[type_name], name=name)
    mock.__dict__["_testkit_empty"] = type_name
    mock.__dict__["_testkit_state"] = state if isinstance(state, RowsState) else RowsState()
    return mock


def _empty_answer(method: Any, member: Member) -> Any:
    """Unless ``method`` is configured, answer as the same method of an empty real result."""
    type_name = method.__dict__["_testkit_owner"].__dict__["_testkit_empty"]

    rows: RowsState = method.__dict__["_testkit_owner"].__dict__["_testkit_state"]

    def configured() -> bool:
        value = method.__dict__["_mock_return_value"]
        if value is DEFAULT:
            return False
        rows.check(type_name, member.name, value)
        return True

    if member.kind == "async":

        async def answer_async(*args: Any, **kwargs: Any) -> Any:
            if configured():
                return DEFAULT
            return await getattr(empty_result(type_name), member.name)(*args, **kwargs)

        return answer_async

    def answer(*args: Any, **kwargs: Any) -> Any:
        if configured():
            return DEFAULT
        return getattr(empty_result(type_name), member.name)(*args, **kwargs)

    return answer


def _no_row(method: Any) -> Any:
    """``get_one()`` of an empty database: the ``NoResultFound`` of ``Result.one()``
    (same type and text as the session's), unless a return value is configured."""

    def answer(*_args: Any, **_kwargs: Any) -> Any:
        if method.__dict__["_mock_return_value"] is not DEFAULT:
            return DEFAULT
        return empty_result("Result").one()

    return answer


def _beginning(state: SessionState) -> Any:
    """``__aenter__`` side effect of ``factory.begin()``: the session begins."""

    def enter(*_args: Any) -> Any:
        state.begin()
        return DEFAULT

    return enter


def _entering(mock: Any) -> Any:
    """``__aenter__`` side effect: a transaction checks and updates its session's state."""

    def enter(*_args: Any) -> Any:
        state = mock.__dict__.get("_testkit_state")
        if state is not None:
            state.called("__aenter__", None)
        return DEFAULT

    return enter


def _return_value(owner: Any, member: Member) -> Any:
    """The default return value of ``member`` called on ``owner``."""
    head, inner = return_head(member.returns)
    if member.kind == "async_context" or head in _CONTEXT_MANAGERS:
        return _context_manager(owner, member, inner)
    links: dict[str, Any] = owner.__dict__.get("_testkit_links", {})
    state = owner.__dict__.get("_testkit_state")
    name = f"{owner.__dict__['_testkit_name']}.{member.name}()"
    if head in links:
        return links[head]
    if head == "None" or member.name == "scalar":  # what an empty database answers
        return None
    if member.name == "in_transaction" and isinstance(state, SessionState):
        return _Live(lambda: state.active)
    if head == "bool":
        return False
    if head in _RESULTS:
        return _result_mock(head, name, state)
    if head in _SELF or head == member.owner:
        return owner
    if head == DATA:  # the user's data: a plain mock to chain on
        return MagicMock(name=name)
    for cls in _MOCKED_CLASSES:
        if head == cls.__name__:
            mock = spec_mock(cls, name=name)
            if isinstance(state, SessionState) and member.name in {"begin", "begin_nested"}:
                track(mock, TransactionState(state, nested=member.name == "begin_nested"))
            return mock
    raise TypeError(
        f"{name} returns {member.returns!r}, a type the mocks do not model: set "
        f"{name.removesuffix('()')}.return_value (or side_effect) in the test, or add "
        f"({owner._testkit_shape.cls.__name__}, {member.name!r}) to mock_shapes.RETURNS"
    )


def _context_manager(owner: Any, member: Member, yields: str) -> Any:
    """What ``owner.member()`` returns when the real one is an async context manager.

    ``async with`` yields a value typed by ``yields``; for ``begin()`` the exit
    commits (or, on an exception, rolls back) and closes what was yielded.
    """
    manager = NonCallableMagicMock(spec=["__aenter__", "__aexit__"])
    enter = _method_class(_entered(member, yields))()
    enter.__dict__["_testkit_owner"] = owner
    manager.__aenter__ = enter
    target = enter.return_value if member.name == "begin" else None
    state = getattr(target, "__dict__", {}).get("_testkit_state")
    if isinstance(state, SessionState):  # factory.begin() begins the session's transaction
        enter.side_effect = _beginning(state)
    manager.__aexit__ = AsyncMock(side_effect=_on_exit(commit=target, close=target))
    return manager


@functools.cache
def _entered(member: Member, yields: str) -> Member:
    """``__aenter__`` of what ``member`` returns: a coroutine method returning ``yields``."""
    return Member(member.owner, member.name, "async", returns=yields)


def _exit_action(mock: Any) -> Any:
    """``__aexit__`` of a mock: transactions commit or roll back, the others close."""
    shape: Shape = mock._testkit_shape
    if issubclass(shape.cls, _TRANSACTIONS):
        return _on_exit(commit=mock, close=None)
    return _on_exit(commit=None, close=mock if "close" in shape.members else None)


def _on_exit(*, commit: Any, close: Any) -> Any:
    """An ``__aexit__``: commit (or roll back) ``commit``, then close ``close``; both optional."""

    async def aexit(exc_type: Any, _exc: Any, _tb: Any) -> bool:
        if commit is not None:
            await (commit.commit() if exc_type is None else commit.rollback())
        if close is not None:
            await close.close()
        return False

    return aexit
