"""ShopRepository on a hand-built ``AsyncMock`` session, as suites without the kit do it.

``SHOP_SUITE=bare``: a plain ``AsyncMock()`` and none of the kit's guards
(warnings stay warnings, no GC after each test). Otherwise
``AsyncMock(spec=AsyncSession)`` under the project's guards. Results are
``MagicMock``s configured method by method, the idiom such suites use.
"""

from __future__ import annotations

import os
from typing import Any
from unittest.mock import AsyncMock, MagicMock

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
from sqlalchemy.ext.asyncio import AsyncSession

BARE = os.environ.get("SHOP_SUITE") == "bare"

if BARE:
    pytestmark = pytest.mark.filterwarnings("default")

    @pytest.fixture(autouse=True)
    def _collect_garbage() -> None:
        """Replaces the kit's GC guard (same name): this suite runs without it."""


@pytest.fixture
def session() -> Any:
    if not BARE:
        return AsyncMock(spec=AsyncSession)
    session = AsyncMock()
    # Without a spec every attribute is async: the sync methods the code uses
    # must be made sync by hand, as such suites do.
    session.add = MagicMock()
    session.begin = MagicMock()
    return session


@pytest.fixture
def repo(session: Any) -> ShopRepository:
    return ShopRepository(session)


def _result(**returns: Any) -> MagicMock:
    """A result whose methods return the given values (``scalar_one_or_none=x``)."""
    result = MagicMock()
    for method, value in returns.items():
        getattr(result, method).return_value = value
    return result


async def test_get_customer_returns_the_row(session: Any, repo: ShopRepository) -> None:
    ada = customer(id=1)
    session.get.return_value = ada

    assert await repo.get_customer(1) is ada
    session.get.assert_awaited_once_with(Customer, 1)


async def test_get_unknown_customer_is_none(session: Any, repo: ShopRepository) -> None:
    session.get.return_value = None

    assert await repo.get_customer(99) is None


async def test_find_customer_by_email(session: Any, repo: ShopRepository) -> None:
    ada = customer(id=1)
    session.execute.return_value = _result(scalar_one_or_none=ada)

    found = await repo.find_customer("ada@example.com")

    assert found is not None
    assert found.name == "Ada"


async def test_find_unknown_email_is_none(session: Any, repo: ShopRepository) -> None:
    session.execute.return_value = _result(scalar_one_or_none=None)

    assert await repo.find_customer("nobody@example.com") is None


async def test_register_customer_adds_and_commits(session: Any, repo: ShopRepository) -> None:
    session.scalar.return_value = None

    created = await repo.register_customer(NewCustomer("bob@example.com", "Bob"))

    assert (created.email, created.name) == ("bob@example.com", "Bob")
    session.add.assert_called_once()
    session.commit.assert_awaited_once()


async def test_register_refuses_a_taken_email(session: Any, repo: ShopRepository) -> None:
    session.scalar.return_value = 1

    with pytest.raises(DuplicateEmailError):
        await repo.register_customer(NewCustomer("ada@example.com", "Ada"))
    session.commit.assert_not_awaited()


async def test_rename_customer_commits(session: Any, repo: ShopRepository) -> None:
    session.get.return_value = customer(id=1)

    renamed = await repo.rename_customer(1, "Ada L.")

    assert renamed.name == "Ada L."
    session.commit.assert_awaited_once()


async def test_rename_unknown_customer_raises(session: Any, repo: ShopRepository) -> None:
    session.get.return_value = None

    with pytest.raises(NotFoundError):
        await repo.rename_customer(99, "X")


async def test_place_order_returns_the_new_id(session: Any, repo: ShopRepository) -> None:
    session.get.return_value = customer(id=1)

    async def assign_id(*_: Any) -> None:  # what the database does on flush
        session.add.call_args.args[0].id = 7

    session.flush.side_effect = assign_id

    order_id = await repo.place_order(1, [LineItem("A", 2, 150), LineItem("B", 1, 300)])

    assert order_id == 7
    placed = session.add.call_args.args[0]
    assert [line.sku for line in placed.lines] == ["A", "B"]
    session.commit.assert_awaited_once()


async def test_place_order_for_unknown_customer_raises(session: Any, repo: ShopRepository) -> None:
    session.get.return_value = None

    with pytest.raises(NotFoundError):
        await repo.place_order(99, [LineItem("A", 1, 100)])
    session.add.assert_not_called()


async def test_open_orders(session: Any, repo: ShopRepository) -> None:
    session.scalars.return_value = _result(all=[order(1, id=1), order(1, id=3)])

    assert [o.id for o in await repo.open_orders(1)] == [1, 3]


async def test_order_total(session: Any, repo: ShopRepository) -> None:
    placed = order(1, (2, 150), (1, 300), id=5)
    session.execute.return_value = _result(scalar_one_or_none=placed)

    assert await repo.order_total(5) == 600


async def test_order_total_of_unknown_order_raises(session: Any, repo: ShopRepository) -> None:
    session.execute.return_value = _result(scalar_one_or_none=None)

    with pytest.raises(NotFoundError):
        await repo.order_total(99)


async def test_totals_by_order(session: Any, repo: ShopRepository) -> None:
    orders = [order(1, (2, 150), id=1), order(1, (1, 300), (1, 1), id=2)]
    session.scalars.return_value = _result(all=orders)

    assert await repo.totals_by_order(1) == {1: 300, 2: 301}


async def test_count_orders(session: Any, repo: ShopRepository) -> None:
    session.scalar.return_value = 2

    assert await repo.count_orders(1) == 2


async def test_cancel_order(session: Any, repo: ShopRepository) -> None:
    placed = order(1, (1, 100), id=5)
    session.get.return_value = placed

    assert await repo.cancel_order(5) is True
    assert placed.status == "cancelled"
    session.commit.assert_awaited_once()


async def test_cancel_unknown_order_is_false(session: Any, repo: ShopRepository) -> None:
    session.get.return_value = None

    assert await repo.cancel_order(99) is False
    session.commit.assert_not_awaited()


async def test_delete_order(session: Any, repo: ShopRepository) -> None:
    placed = order(1, (1, 100), id=5)
    session.get.return_value = placed

    await repo.delete_order(5)

    session.delete.assert_awaited_once_with(placed)
    session.begin.assert_called_once()


async def test_delete_unknown_order_raises(session: Any, repo: ShopRepository) -> None:
    session.get.return_value = None

    with pytest.raises(NotFoundError):
        await repo.delete_order(99)
    session.delete.assert_not_awaited()


async def test_customer_emails(session: Any, repo: ShopRepository) -> None:
    session.scalars.return_value = _result(all=["ada@example.com", "bob@example.com"])

    assert await repo.customer_emails() == ["ada@example.com", "bob@example.com"]
