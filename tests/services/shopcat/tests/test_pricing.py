from unittest.mock import AsyncMock, MagicMock

import pytest

from shopcat.pricing import add_item


@pytest.mark.asyncio
async def test_add_item_commits_the_price_in_cents() -> None:
    session = MagicMock()
    session.commit = AsyncMock()

    item = await add_item(session, "mug", 4.5)

    assert item.price_cents == 450
    session.commit.assert_awaited_once()
