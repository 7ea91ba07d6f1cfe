"""make_result builds real Result objects: the same calls, values and errors as a database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, MultipleResultsFound, NoResultFound, ResourceClosedError

from test_utils import make_result, make_session, make_stream_result, queue_results


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


def test_dict_rows_name_their_columns() -> None:
    result = make_result([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    assert [dict(row) for row in result.mappings()] == [
        {"id": 1, "name": "a"},
        {"id": 2, "name": "b"},
    ]


def test_dict_rows_must_share_their_keys() -> None:
    with pytest.raises(ValueError, match="keys"):
        make_result([{"id": 1}, {"name": "b"}])


def test_a_result_is_read_once_like_a_real_one() -> None:
    result = make_result(scalars=[1])
    assert result.scalar_one() == 1
    with pytest.raises(ResourceClosedError):
        result.scalar_one()


async def test_queued_results_are_returned_in_order_then_fail_clearly() -> None:
    session = make_session()
    queue_results(session.execute, make_result(scalars=[1]), make_result(scalars=[2]))

    assert (await session.execute(select(1))).scalar_one() == 1
    assert (await session.execute(select(1))).scalar_one() == 2
    with pytest.raises(AssertionError, match="called 3 times, but only 2 results were queued"):
        await session.execute(select(1))


async def test_a_queued_exception_is_raised_by_its_call() -> None:
    session = make_session()
    queue_results(session.execute, make_result(), IntegrityError("INSERT", {}, Exception("dup")))

    await session.execute(select(1))
    with pytest.raises(IntegrityError):
        await session.execute(select(1))


async def test_a_side_effect_list_works_too() -> None:
    session = make_session()
    session.execute.side_effect = [make_result(scalars=[1]), make_result(scalars=[2])]

    assert [(await session.execute(select(1))).scalar_one() for _ in range(2)] == [1, 2]


async def test_stream_result_raises_like_the_real_one() -> None:
    with pytest.raises(NoResultFound):
        await make_stream_result(scalars=[]).scalar_one()
    with pytest.raises(MultipleResultsFound):
        await make_stream_result([(1,), (2,)]).one()
    assert await make_stream_result(scalars=[]).scalar_one_or_none() is None
    assert [row async for row in make_stream_result(scalars=[1, 2]).scalars()] == [1, 2]


async def test_chaining_on_a_built_result_says_what_to_do() -> None:
    session = make_session()
    session.execute.return_value = make_result(scalars=[1])
    stream: Any = make_stream_result()

    with pytest.raises(
        AttributeError, match=r"Result\.scalars\(\) of a result built by make_result"
    ):
        session.execute.return_value.scalars.return_value.all.return_value = [2]
    with pytest.raises(AttributeError, match=r"make_result\(scalars=\[\.\.\.\]\)"):
        stream.all.side_effect = RuntimeError
    assert (await session.execute(select(1))).scalars().all() == [1]


def test_asserting_on_a_built_results_method_says_it_is_not_a_mock() -> None:
    result: Any = make_result(scalars=[1])

    with pytest.raises(AttributeError, match=r"Result\.all\(\) of a result built by make_result"):
        result.all.assert_not_called()
    assert result.all.__name__ == "all"  # what introspection sees is the real method's
    assert result.all() == [(1,)]


def test_rows_come_from_one_source_only() -> None:
    with pytest.raises(TypeError, match="only one of rows, scalars= or scalar="):
        make_result([(1,)], scalar=1)
    with pytest.raises(TypeError, match="only one of rows, scalars= or scalar="):
        make_result(scalars=[1], scalar=1)


def test_rows_are_all_dicts_or_none_of_them() -> None:
    with pytest.raises(TypeError, match="all rows as dicts or none of them"):
        make_result([(1, "a"), {"id": 2, "name": "b"}], columns=["id", "name"])
