"""Builders of sample rows, shared by the four suites so they test the same data."""

from __future__ import annotations

from bench_shop.models import Customer, Order, OrderLine


def customer(email: str = "ada@example.com", name: str = "Ada", **key: int) -> Customer:
    """A customer; pass ``id=`` for a mock suite (the database assigns it otherwise)."""
    return Customer(email=email, name=name, **key)


def order(customer_id: int, *lines: tuple[int, int], status: str = "open", **key: int) -> Order:
    """An order of ``(quantity, unit_price_cents)`` lines."""
    return Order(
        customer_id=customer_id,
        status=status,
        lines=[
            OrderLine(sku=f"SKU-{n}", quantity=quantity, unit_price_cents=price)
            for n, (quantity, price) in enumerate(lines)
        ],
        **key,
    )
