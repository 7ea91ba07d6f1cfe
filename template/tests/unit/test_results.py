"""make_result builds real Result objects: the same calls, values and errors as a database."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import MultipleResultsFound, NoResultFound

from test_utils import make_result, make_stream_result


def test_scalars_all_returns_the_column_values() -> None:
    assert make_result(scalars=[1, 2, 3]).scalars().all() == [1, 2, 3]


def test_scalar_one_or_none_on_empty_result_is_none() -> None:
    assert make_result(scalars=[]).scalar_one_or_none() is None


def test_scalar_one_raises_like_the_real_result() -> None:
    with pytest.raises(NoResultFound):
        make_result(scalars=[]).scalar_one()
    with pytest.raises(MultipleResultsFound):
        make_result(scalars=[1, 2]).scalar_one()


def test_rows_with_named_columns_support_mappings() -> None:
    result = make_result([(1, "a"), (2, "b")], columns=["id", "name"])
    assert [dict(row) for row in result.mappings()] == [
        {"id": 1, "name": "a"},
        {"id": 2, "name": "b"},
    ]


def test_unique_removes_duplicate_rows() -> None:
    assert make_result(scalars=[1, 1, 2]).unique().scalars().all() == [1, 2]


def test_rows_must_match_the_columns() -> None:
    with pytest.raises(ValueError, match="every row must have 2 values"):
        make_result([(1,)], columns=["id", "name"])


async def test_stream_result_methods_are_awaited() -> None:
    assert await make_stream_result(scalars=[1, 2]).scalars().all() == [1, 2]
    assert await make_stream_result(scalar=7).scalar_one() == 7
