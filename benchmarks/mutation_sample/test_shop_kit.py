"""ShopRepository on the kit's ``mock_session``, with ``make_result`` for query results.

The same tests as ``test_shop_asyncmock.py``, written the way TESTING.md shows:
unconfigured calls return what an empty database returns (``get`` -> ``None``,
an empty ``Result``), and commits are asserted with ``assert_committed_once``.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench_shop.models import Customer
from bench_shop.shop import (
    DuplicateEmailError,
    LineItem,
    NewCustomer,
    NotFoundError,
    ShopRepository,
)
from shop_data import customer, order

from test_utils import assert_committed_once, assert_not_committed, make_result


@pytest.fixture
def repo(mock_session: Any) -> ShopRepository:
    return ShopRepository(mock_session)


async def test_get_customer_returns_the_row(mock_session: Any, repo: ShopRepository) -> None:
    ada = customer(id=1)
    mock_session.get.return_value = ada

    assert await repo.get_customer(1) is ada
    mock_session.get.assert_awaited_once_with(Customer, 1)


async def test_get_unknown_customer_is_none(repo: ShopRepository) -> None:
    assert await repo.get_customer(99) is None


async def test_find_customer_by_email(mock_session: Any, repo: ShopRepository) -> None:
    mock_session.execute.return_value = make_result(scalars=[customer(id=1)])

    found = await repo.find_customer("ada@example.com")

    assert found is not None
    assert found.name == "Ada"


async def test_find_unknown_email_is_none(repo: ShopRepository) -> None:
    assert await repo.find_customer("nobody@example.com") is None


async def test_register_customer_adds_and_commits(mock_session: Any, repo: ShopRepository) -> None:
    mock_session.scalar.return_value = None

    created = await repo.register_customer(NewCustomer("bob@example.com", "Bob"))

    assert (created.email, created.name) == ("bob@example.com", "Bob")
    mock_session.add.assert_called_once()
    assert_committed_once(mock_session)


async def test_register_refuses_a_taken_email(mock_session: Any, repo: ShopRepository) -> None:
    mock_session.scalar.return_value = 1

    with pytest.raises(DuplicateEmailError):
        await repo.register_customer(NewCustomer("ada@example.com", "Ada"))
    assert_not_committed(mock_session)


async def test_rename_customer_commits(mock_session: Any, repo: ShopRepository) -> None:
    mock_session.get.return_value = customer(id=1)

    renamed = await repo.rename_customer(1, "Ada L.")

    assert renamed.name == "Ada L."
    assert_committed_once(mock_session)


async def test_rename_unknown_customer_raises(repo: ShopRepository) -> None:
    with pytest.raises(NotFoundError):
        await repo.rename_customer(99, "X")


async def test_place_order_returns_the_new_id(mock_session: Any, repo: ShopRepository) -> None:
    mock_session.get.return_value = customer(id=1)

    async def assign_id(*_: Any) -> None:  # what the database does on flush
        mock_session.add.call_args.args[0].id = 7

    mock_session.flush.side_effect = assign_id

    order_id = await repo.place_order(1, [LineItem("A", 2, 150), LineItem("B", 1, 300)])

    assert order_id == 7
    placed = mock_session.add.call_args.args[0]
    assert [line.sku for line in placed.lines] == ["A", "B"]
    assert_committed_once(mock_session)


async def test_place_order_for_unknown_customer_raises(
    mock_session: Any, repo: ShopRepository
) -> None:
    with pytest.raises(NotFoundError):
        await repo.place_order(99, [LineItem("A", 1, 100)])
    mock_session.add.assert_not_called()


async def test_open_orders(mock_session: Any, repo: ShopRepository) -> None:
    mock_session.scalars.return_value = make_result(scalars=[order(1, id=1), order(1, id=3)])

    assert [o.id for o in await repo.open_orders(1)] == [1, 3]


async def test_order_total(mock_session: Any, repo: ShopRepository) -> None:
    placed = order(1, (2, 150), (1, 300), id=5)
    mock_session.execute.return_value = make_result(scalars=[placed])

    assert await repo.order_total(5) == 600


async def test_order_total_of_unknown_order_raises(repo: ShopRepository) -> None:
    with pytest.raises(NotFoundError):
        await repo.order_total(99)


async def test_totals_by_order(mock_session: Any, repo: ShopRepository) -> None:
    orders = [order(1, (2, 150), id=1), order(1, (1, 300), (1, 1), id=2)]
    mock_session.scalars.return_value = make_result(scalars=orders)

    assert await repo.totals_by_order(1) == {1: 300, 2: 301}


async def test_count_orders(mock_session: Any, repo: ShopRepository) -> None:
    mock_session.scalar.return_value = 2

    assert await repo.count_orders(1) == 2


async def test_cancel_order(mock_session: Any, repo: ShopRepository) -> None:
    placed = order(1, (1, 100), id=5)
    mock_session.get.return_value = placed

    assert await repo.cancel_order(5) is True
    assert placed.status == "cancelled"
    assert_committed_once(mock_session)


async def test_cancel_unknown_order_is_false(mock_session: Any, repo: ShopRepository) -> None:
    assert await repo.cancel_order(99) is False
    assert_not_committed(mock_session)


async def test_delete_order(mock_session: Any, repo: ShopRepository) -> None:
    placed = order(1, (1, 100), id=5)
    mock_session.get.return_value = placed

    await repo.delete_order(5)

    mock_session.delete.assert_awaited_once_with(placed)
    assert_committed_once(mock_session)


async def test_delete_unknown_order_raises(mock_session: Any, repo: ShopRepository) -> None:
    with pytest.raises(NotFoundError):
        await repo.delete_order(99)
    mock_session.delete.assert_not_awaited()


async def test_customer_emails(mock_session: Any, repo: ShopRepository) -> None:
    emails = ["ada@example.com", "bob@example.com"]
    mock_session.scalars.return_value = make_result(scalars=emails)

    assert await repo.customer_emails() == emails
