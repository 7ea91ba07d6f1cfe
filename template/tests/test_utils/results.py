"""Build real SQLAlchemy result objects from plain Python data.

``make_result`` returns an actual ``sqlalchemy.engine.Result`` (not a mock), so
``scalars().all()``, ``one()``, ``scalar_one_or_none()``, ``mappings()``,
``unique()`` and the ``NoResultFound`` / ``MultipleResultsFound`` errors behave
exactly as they do on a result from a database.

Their methods are real methods, not mocks: chaining ``return_value`` onto one
(``make_result().scalars.return_value``) fails with an ``AttributeError`` that
says what to do instead. (Chaining works on an *unconfigured* ``execute``.)

A real result can be read once. A database runs the query again on every
``execute``; the mocks do the same: a result built here and set as a
``return_value`` is handed out as a fresh copy on every call. Results queued
with ``queue_results`` (or ``side_effect=[...]``) are handed out once each.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.engine import Result
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.ext.asyncio import AsyncResult

_NOTHING: Any = object()
_NOT_A_MOCK = (
    "{method} of a result built by make_result() is a real method, not a mock: it has no "
    "{attribute!r}. Put the data into make_result() (make_result(scalars=[...]), "
    "make_result([(1, 'a')]), make_result(scalar=...)) and set it as the return_value of "
    "the session method; or leave that method unconfigured and chain on it, as in "
    "mock_session.execute.return_value.scalars.return_value.all.return_value = [...]"
)
_C = TypeVar("_C", bound=type[Any])
# Result built here -> how to build an unread copy of it.
_RECIPES: weakref.WeakKeyDictionary[Any, Callable[[], Any]] = weakref.WeakKeyDictionary()


def make_result(
    rows: Iterable[Sequence[Any] | Mapping[str, Any]] | None = None,
    *,
    scalars: Iterable[Any] | None = None,
    scalar: Any = _NOTHING,
    columns: Sequence[str] | None = None,
) -> Result[Any]:
    """A ``Result`` holding ``rows``, or one column of ``scalars``, or one ``scalar``.

    Give at most one of the three (none = no rows). ``columns`` names the columns
    (for ``mappings()`` and attribute access on rows); by default ``col0``, ``col1``, ...
    Rows may also be dicts: their keys are the columns.
    """
    rows = None if rows is None else list(rows)
    if rows and all(isinstance(row, Mapping) for row in rows):
        columns = list(rows[0]) if columns is None else columns
        rows = [_values(row, columns) for row in rows]
    data = _rows(rows, scalars, scalar)
    width = len(data[0]) if data else len(columns or ()) or 1
    keys = list(columns) if columns is not None else [f"col{i}" for i in range(width)]
    if any(len(row) != len(keys) for row in data):
        raise ValueError(f"every row must have {len(keys)} values (columns: {keys})")
    return _iterator_result(keys, data)


def make_stream_result(
    rows: Iterable[Sequence[Any] | Mapping[str, Any]] | None = None,
    *,
    scalars: Iterable[Any] | None = None,
    scalar: Any = _NOTHING,
    columns: Sequence[str] | None = None,
) -> AsyncResult[Any]:
    """An ``AsyncResult`` (what ``stream()`` returns) over the same data as ``make_result``."""
    result = make_result(rows, scalars=scalars, scalar=scalar, columns=columns)
    return _stream_of(_RECIPES[result])


def queue_results(method: Any, *results: Any) -> None:
    """Make consecutive calls of a mocked method return ``results`` in order, once each.

    An exception in ``results`` is raised by its call instead. One call more than
    queued fails with an ``AssertionError`` saying so (instead of the
    ``StopAsyncIteration`` a bare ``side_effect`` list gives).
    """
    pending = list(results)
    calls = 0

    def next_result(*_args: Any, **_kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if not pending:
            raise AssertionError(
                f"{method!r} was called {calls} times, "
                f"but only {len(results)} results were queued with queue_results()"
            )
        item = pending.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    method.side_effect = next_result


def empty_result(type_name: str) -> Any:
    """A fresh, empty real result of the named class, or ``None`` for another name."""
    build = _EMPTY.get(type_name)
    return None if build is None else build()


def handed_out(value: Any, type_name: str) -> Any:
    """What a mocked method whose real return type is ``type_name`` returns for ``value``.

    A result built here is copied (each call reads its own rows), and a whole
    ``Result`` / ``AsyncResult`` given to a method that returns scalars is
    turned into its ``scalars()``, as the real method would.
    """
    recipe = _RECIPES.get(value) if isinstance(value, (Result, AsyncResult)) else None
    if recipe is not None:
        value = recipe()
    if type_name in {"ScalarResult", "AsyncScalarResult"} and isinstance(
        value, (Result, AsyncResult)
    ):
        return value.scalars()
    return value


class _RealMethod:
    """A bound method of a built result that explains itself when used as a mock."""

    __slots__ = ("_bound",)

    def __init__(self, bound: Any) -> None:
        object.__setattr__(self, "_bound", bound)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._bound(*args, **kwargs)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            return getattr(self._bound, attribute)
        raise self._not_a_mock(attribute)

    def __setattr__(self, attribute: str, value: Any) -> None:
        raise self._not_a_mock(attribute)

    def _not_a_mock(self, attribute: str) -> AttributeError:
        kind = "AsyncResult" if isinstance(self._bound.__self__, AsyncResult) else "Result"
        method = f"{kind}.{self._bound.__name__}()"
        return AttributeError(_NOT_A_MOCK.format(method=method, attribute=attribute))


class _Guarded:
    """Descriptor: the method of ``func`` bound as a ``_RealMethod``."""

    def __init__(self, func: Any) -> None:
        self._func = func

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self._func if instance is None else _RealMethod(self._func.__get__(instance, owner))


def _guarded(cls: _C) -> _C:
    """``cls`` with every public method guarded (see ``_RealMethod``)."""
    for name in dir(cls):
        if not name.startswith("_") and inspect.isfunction(inspect.getattr_static(cls, name)):
            setattr(cls, name, _Guarded(getattr(cls, name)))
    return cls


@_guarded
class _Built(IteratorResult[Any]):
    """The ``Result`` class of ``make_result``: an ``IteratorResult`` whose methods say
    what to do when a test chains ``return_value`` onto them."""


@_guarded
class _Stream(AsyncResult[Any]):
    """The ``AsyncResult`` class of ``make_stream_result``.

    Also weakly referenceable, unlike its base class (which has ``__slots__``).
    """


def _iterator_result(keys: list[str], data: list[tuple[Any, ...]]) -> Result[Any]:
    result: Result[Any] = _Built(SimpleResultMetaData(keys), iter(data))
    _RECIPES[result] = lambda: _iterator_result(keys, data)
    return result


def _stream_of(build: Callable[[], Result[Any]]) -> AsyncResult[Any]:
    stream = _Stream(build())
    _RECIPES[stream] = lambda: _stream_of(build)
    return stream


def _values(row: Any, columns: Sequence[str]) -> tuple[Any, ...]:
    if set(row) != set(columns):
        raise ValueError(f"every dict row must have the keys {list(columns)}, not {list(row)}")
    return tuple(row[name] for name in columns)


def _rows(
    rows: Iterable[Sequence[Any] | Mapping[str, Any]] | None,
    scalars: Iterable[Any] | None,
    scalar: Any,
) -> list[tuple[Any, ...]]:
    given = [rows is not None, scalars is not None, scalar is not _NOTHING]
    if sum(given) > 1:
        raise TypeError("give only one of rows, scalars= or scalar=")
    if scalars is not None:
        return [(value,) for value in scalars]
    if scalar is not _NOTHING:
        return [(scalar,)]
    data = list(rows or ())
    if any(isinstance(row, Mapping) for row in data):
        raise TypeError("give either all rows as dicts or none of them")
    return [tuple(row) for row in data]


_EMPTY: dict[str, Callable[[], Any]] = {
    "Result": make_result,
    "CursorResult": make_result,
    "ScalarResult": lambda: make_result().scalars(),
    "MappingResult": lambda: make_result().mappings(),
    "TupleResult": make_result,  # tuples() returns the result itself (and is deprecated in 2.1)
    "AsyncResult": make_stream_result,
    "AsyncScalarResult": lambda: make_stream_result().scalars(),
    "AsyncMappingResult": lambda: make_stream_result().mappings(),
    "AsyncTupleResult": make_stream_result,
}
