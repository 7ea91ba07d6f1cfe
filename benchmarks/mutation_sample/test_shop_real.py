"""ShopRepository against the real database: the same tests as the mock suites.

Rows are arranged through ``db_session``; the repository gets a session of its
own from ``db_session_factory`` (an empty identity map, as in production), and
effects are checked through a third, fresh session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

import pytest
from bench_shop.models import Customer, Order, OrderLine
from bench_shop.shop import (
    DuplicateEmailError,
    LineItem,
    NewCustomer,
    NotFoundError,
    ShopRepository,
)
from shop_data import customer, order
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from test_utils import assert_max_queries

Factory = async_sessionmaker[AsyncSession]
ModelT = TypeVar("ModelT")


@pytest.fixture
async def repo_session(db_session_factory: Factory) -> AsyncIterator[AsyncSession]:
    async with db_session_factory() as session:
        yield session


@pytest.fixture
def repo(repo_session: AsyncSession) -> ShopRepository:
    return ShopRepository(repo_session)


async def _stored(db_session: AsyncSession, *rows: object) -> None:
    db_session.add_all(rows)
    await db_session.commit()


async def _stored_order(db_session: AsyncSession, *lines: tuple[int, int]) -> Order:
    """An order of Ada's, stored with its lines."""
    ada = customer()
    await _stored(db_session, ada)
    placed = order(ada.id, *lines)
    await _stored(db_session, placed)
    return placed


async def _fresh_get(factory: Factory, model: type[ModelT], key: int) -> ModelT | None:
    """What the database holds now, read by a session that saw nothing before."""
    async with factory() as check:
        return await check.get(model, key)


async def test_get_customer_returns_the_row(db_session: AsyncSession, repo: ShopRepository) -> None:
    ada = customer()
    await _stored(db_session, ada)

    found = await repo.get_customer(ada.id)

    assert found is not None
    assert found.email == "ada@example.com"


async def test_get_unknown_customer_is_none(repo: ShopRepository) -> None:
    assert await repo.get_customer(99) is None


async def test_find_customer_by_email(db_session: AsyncSession, repo: ShopRepository) -> None:
    await _stored(db_session, customer(), customer("bob@example.com", "Bob"))

    found = await repo.find_customer("ada@example.com")

    assert found is not None
    assert found.name == "Ada"


async def test_find_unknown_email_is_none(db_session: AsyncSession, repo: ShopRepository) -> None:
    await _stored(db_session, customer())

    assert await repo.find_customer("nobody@example.com") is None


async def test_register_customer_adds_and_commits(
    db_session_factory: Factory, repo: ShopRepository
) -> None:
    created = await repo.register_customer(NewCustomer("bob@example.com", "Bob"))

    stored = await _fresh_get(db_session_factory, Customer, created.id)
    assert stored is not None
    assert (stored.email, stored.name) == ("bob@example.com", "Bob")


async def test_register_refuses_a_taken_email(
    db_session: AsyncSession, repo: ShopRepository
) -> None:
    await _stored(db_session, customer())

    with pytest.raises(DuplicateEmailError):
        await repo.register_customer(NewCustomer("ada@example.com", "Ada"))


async def test_rename_customer_commits(
    db_session: AsyncSession, db_session_factory: Factory, repo: ShopRepository
) -> None:
    ada = customer()
    await _stored(db_session, ada)

    renamed = await repo.rename_customer(ada.id, "Ada L.")

    assert renamed.name == "Ada L."
    stored = await _fresh_get(db_session_factory, Customer, ada.id)
    assert stored is not None
    assert stored.name == "Ada L."


async def test_rename_unknown_customer_raises(repo: ShopRepository) -> None:
    with pytest.raises(NotFoundError):
        await repo.rename_customer(99, "X")


async def test_place_order_returns_the_new_id(
    db_session: AsyncSession, db_session_factory: Factory, repo: ShopRepository
) -> None:
    ada = customer()
    await _stored(db_session, ada)

    order_id = await repo.place_order(ada.id, [LineItem("A", 2, 150), LineItem("B", 1, 300)])

    async with db_session_factory() as check:
        skus = await check.scalars(
            select(OrderLine.sku).where(OrderLine.order_id == order_id).order_by(OrderLine.sku)
        )
        assert skus.all() == ["A", "B"]


async def test_place_order_for_unknown_customer_raises(
    db_session_factory: Factory, repo: ShopRepository
) -> None:
    with pytest.raises(NotFoundError):
        await repo.place_order(99, [LineItem("A", 1, 100)])
    async with db_session_factory() as check:
        assert (await check.scalars(select(Order))).all() == []


async def test_open_orders(db_session: AsyncSession, repo: ShopRepository) -> None:
    ada, bob = customer(), customer("bob@example.com", "Bob")
    await _stored(db_session, ada, bob)
    first, cancelled, last = order(ada.id), order(ada.id, status="cancelled"), order(ada.id)
    await _stored(db_session, first, cancelled, last, order(bob.id))

    assert [o.id for o in await repo.open_orders(ada.id)] == [first.id, last.id]


async def test_order_total(db_session: AsyncSession, repo: ShopRepository) -> None:
    placed = await _stored_order(db_session, (2, 150), (1, 300))

    assert await repo.order_total(placed.id) == 600


async def test_order_total_of_unknown_order_raises(repo: ShopRepository) -> None:
    with pytest.raises(NotFoundError):
        await repo.order_total(99)


async def test_totals_by_order(
    db_session: AsyncSession, repo_session: AsyncSession, repo: ShopRepository
) -> None:
    ada = customer()
    await _stored(db_session, ada)
    first, second = order(ada.id, (2, 150)), order(ada.id, (1, 300), (1, 1))
    await _stored(db_session, first, second)

    with assert_max_queries(repo_session, 2):
        totals = await repo.totals_by_order(ada.id)

    assert totals == {first.id: 300, second.id: 301}


async def test_count_orders(db_session: AsyncSession, repo: ShopRepository) -> None:
    ada, bob = customer(), customer("bob@example.com", "Bob")
    await _stored(db_session, ada, bob)
    await _stored(db_session, order(ada.id), order(ada.id), order(bob.id))

    assert await repo.count_orders(ada.id) == 2


async def test_cancel_order(
    db_session: AsyncSession, db_session_factory: Factory, repo: ShopRepository
) -> None:
    placed = await _stored_order(db_session, (1, 100))

    assert await repo.cancel_order(placed.id) is True
    stored = await _fresh_get(db_session_factory, Order, placed.id)
    assert stored is not None
    assert stored.status == "cancelled"


async def test_cancel_unknown_order_is_false(repo: ShopRepository) -> None:
    assert await repo.cancel_order(99) is False


async def test_delete_order(
    db_session: AsyncSession, db_session_factory: Factory, repo: ShopRepository
) -> None:
    placed = await _stored_order(db_session, (1, 100))

    await repo.delete_order(placed.id)

    assert await _fresh_get(db_session_factory, Order, placed.id) is None
    async with db_session_factory() as check:
        assert (await check.scalars(select(OrderLine))).all() == []


async def test_delete_unknown_order_raises(repo: ShopRepository) -> None:
    with pytest.raises(NotFoundError):
        await repo.delete_order(99)


async def test_customer_emails(db_session: AsyncSession, repo: ShopRepository) -> None:
    await _stored(db_session, customer("bob@example.com", "Bob"), customer())

    assert await repo.customer_emails() == ["ada@example.com", "bob@example.com"]
