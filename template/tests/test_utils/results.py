"""Build real SQLAlchemy result objects from plain Python data.

``make_result`` returns an actual ``sqlalchemy.engine.Result`` (not a mock), so
``scalars().all()``, ``one()``, ``scalar_one_or_none()``, ``mappings()``,
``unique()`` and the ``NoResultFound`` / ``MultipleResultsFound`` errors behave
exactly as they do on a result from a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.ext.asyncio import AsyncResult

_NOTHING: Any = object()


def make_result(
    rows: Iterable[Sequence[Any]] | None = None,
    *,
    scalars: Iterable[Any] | None = None,
    scalar: Any = _NOTHING,
    columns: Sequence[str] | None = None,
) -> Result[Any]:
    """A ``Result`` holding ``rows``, or one column of ``scalars``, or one ``scalar``.

    Give exactly one of the three. ``columns`` names the columns (for
    ``mappings()`` and attribute access on rows); by default ``col0``, ``col1``, ...
    """
    data = _rows(rows, scalars, scalar)
    width = len(data[0]) if data else len(columns or ()) or 1
    keys = list(columns) if columns is not None else [f"col{i}" for i in range(width)]
    if any(len(row) != len(keys) for row in data):
        raise ValueError(f"every row must have {len(keys)} values (columns: {keys})")
    return IteratorResult(SimpleResultMetaData(keys), iter(data))


def make_stream_result(
    rows: Iterable[Sequence[Any]] | None = None,
    *,
    scalars: Iterable[Any] | None = None,
    scalar: Any = _NOTHING,
    columns: Sequence[str] | None = None,
) -> AsyncResult[Any]:
    """An ``AsyncResult`` (what ``stream()`` returns) over the same data as ``make_result``."""
    return AsyncResult(make_result(rows, scalars=scalars, scalar=scalar, columns=columns))


def _rows(
    rows: Iterable[Sequence[Any]] | None, scalars: Iterable[Any] | None, scalar: Any
) -> list[tuple[Any, ...]]:
    given = [rows is not None, scalars is not None, scalar is not _NOTHING]
    if sum(given) > 1:
        raise TypeError("give only one of rows, scalars= or scalar=")
    if scalars is not None:
        return [(value,) for value in scalars]
    if scalar is not _NOTHING:
        return [(scalar,)]
    return [tuple(row) for row in rows or ()]
