"""A closed local port: connection errors are retried, then reported with what to set."""

from __future__ import annotations

import asyncio
import socket

import pytest

from ccdata_assets.api import ApiUnreachableError, CCDataClient


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_closed_port_gives_up_with_unreachable_naming_the_setting() -> None:
    base_url = closed_port_url()

    async def main() -> CCDataClient:
        async with CCDataClient.connect(
            base_url, "sk-SECRET-123", max_retries=2, backoff_initial_seconds=0.01
        ) as client:
            with pytest.raises(ApiUnreachableError) as caught:
                await client.get("/spot/v1/markets")
            exc = caught.value
            assert base_url in str(exc) and "DATA_API_BASE_URL" in str(exc)
            assert "after 3 attempts" in str(exc) and exc.attempts == 3
            assert exc.__cause__ is None and exc.__context__ is None
            return client

    client = asyncio.run(main())
    assert (client.stats.calls, client.stats.retries) == (3, 2)
    assert client.stats.backoff_wait_seconds > 0
