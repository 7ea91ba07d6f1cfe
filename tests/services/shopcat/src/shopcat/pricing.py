from sqlalchemy.ext.asyncio import AsyncSession

from legacy_units import to_cents
from shopcat.models import Item


async def add_item(session: AsyncSession, title: str, price: float) -> Item:
    item = Item(title=title, price_cents=to_cents(price))
    session.add(item)
    await session.commit()
    return item
