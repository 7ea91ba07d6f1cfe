import httpx
import pytest

from finances.rates import fetch_rate


def _upstream(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"rate": 1.25 if request.url.path.endswith("EUR") else 1.0})


@pytest.mark.asyncio
async def test_fetch_rate_reads_the_rate() -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(_upstream), base_url="http://rates"
    ) as client:
        assert await fetch_rate(client, "EUR") == 1.25
