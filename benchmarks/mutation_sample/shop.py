"""Customers and orders over an ``AsyncSession``: the module the benchmark breaks.

Written the way service teams write a repository: each method is one unit of
work on the session it was given, reads use ``select()`` with eager loading
where a relationship is read, writes commit (or run in ``session.begin()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench_shop.models import Customer, Order, OrderLine
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload


class NotFoundError(LookupError):
    """No row with that key."""


class DuplicateEmailError(ValueError):
    """A customer with that e-mail address already exists."""


@dataclass(frozen=True)
class NewCustomer:
    """What a sign-up form sends."""

    email: str
    name: str


@dataclass(frozen=True)
class LineItem:
    """One line of an order being placed."""

    sku: str
    quantity: int
    unit_price_cents: int


def _total(lines: Sequence[OrderLine]) -> int:
    return sum(line.quantity * line.unit_price_cents for line in lines)


class ShopRepository:
    """Customers and orders; the caller owns the session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_customer(self, customer_id: int) -> Customer | None:
        return await self._session.get(Customer, customer_id)

    async def find_customer(self, email: str) -> Customer | None:
        query = select(Customer).where(Customer.email == email)
        result = await self._session.execute(query)
        return result.scalar_one_or_none()

    async def register_customer(self, data: NewCustomer) -> Customer:
        taken = select(Customer.id).where(Customer.email == data.email)
        existing = await self._session.scalar(taken)
        if existing is not None:
            raise DuplicateEmailError(data.email)
        customer = Customer(email=data.email, name=data.name)
        self._session.add(customer)
        await self._session.commit()
        return customer

    async def rename_customer(self, customer_id: int, name: str) -> Customer:
        customer = await self._session.get(Customer, customer_id)
        if customer is None:
            raise NotFoundError(f"customer {customer_id}")
        customer.name = name
        await self._session.commit()
        await self._session.refresh(customer)  # values the database may have changed
        return customer

    async def place_order(self, customer_id: int, items: Sequence[LineItem]) -> int:
        """Store an order with its lines; returns the new order's id."""
        if await self._session.get(Customer, customer_id) is None:
            raise NotFoundError(f"customer {customer_id}")
        order = Order(customer_id=customer_id, status="open")
        order.lines = [
            OrderLine(sku=item.sku, quantity=item.quantity, unit_price_cents=item.unit_price_cents)
            for item in items
        ]
        self._session.add(order)
        await self._session.flush()  # assigns order.id
        order_id = order.id
        await self._session.commit()
        return order_id

    async def open_orders(self, customer_id: int) -> list[Order]:
        query = (
            select(Order)
            .where(Order.customer_id == customer_id, Order.status == "open")
            .order_by(Order.id)
        )
        return list((await self._session.scalars(query)).all())

    async def order_total(self, order_id: int) -> int:
        query = select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
        order = (await self._session.execute(query)).scalar_one_or_none()
        if order is None:
            raise NotFoundError(f"order {order_id}")
        return _total(order.lines)

    async def totals_by_order(self, customer_id: int) -> dict[int, int]:
        query = (
            select(Order)
            .where(Order.customer_id == customer_id)
            .options(selectinload(Order.lines))
            .order_by(Order.id)
        )
        orders = (await self._session.scalars(query)).all()
        return {order.id: _total(order.lines) for order in orders}

    async def count_orders(self, customer_id: int) -> int:
        query = select(func.count()).select_from(Order).where(Order.customer_id == customer_id)
        count = await self._session.scalar(query)
        return int(count or 0)

    async def cancel_order(self, order_id: int) -> bool:
        order = await self._session.get(Order, order_id)
        if order is None:
            return False
        order.status = "cancelled"
        await self._session.commit()
        return True

    async def delete_order(self, order_id: int) -> None:
        """Delete an order and its lines in a transaction of its own."""
        async with self._session.begin():
            order = await self._session.get(Order, order_id)
            if order is None:
                raise NotFoundError(f"order {order_id}")
            await self._session.delete(order)

    async def customer_emails(self) -> list[str]:
        query = select(Customer.email).order_by(Customer.email)
        return list((await self._session.scalars(query)).all())
