"""Exchange rates from the upstream rates API."""

from __future__ import annotations

import httpx


async def fetch_rate(client: httpx.AsyncClient, currency: str) -> float:
    response = await client.get(f"/rates/{currency}")
    response.raise_for_status()
    return float(response.json()["rate"])
