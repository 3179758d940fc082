"""CCDataApiResource: embedded simulator by default, a URL otherwise, key kept out of sight."""

from __future__ import annotations

import asyncio
import time

import dagster as dg

from ccdata_assets.api import CCDataApiResource
from ccdata_assets.api.settings import REAL_API_BASE_URL, ApiSettings
from ccdata_assets.simulator import serve_in_thread
from ccdata_assets_tests.api._support import KEY, run, sim_config

MARKETS = "/spot/v1/markets"


def paced(resource: CCDataApiResource, calls: int) -> float:
    """Seconds `calls` requests sent at once take through the resource's client: its pace, as
    long as the server allows more (then no rate-limit header slows the client down)."""

    async def main() -> float:
        async with resource.open() as client:
            started = time.monotonic()
            await asyncio.gather(*(client.get(MARKETS, {"market": "kraken"}) for _ in range(calls)))
            assert client.stats.calls == calls and client.stats.rate_limited == 0
            return time.monotonic() - started

    return run(main())


def test_no_base_url_starts_the_embedded_simulator_and_says_so() -> None:
    resource = CCDataApiResource()
    assert resource.embedded and resource.source.startswith("simulated")

    async def main() -> None:
        async with resource.open() as client:
            markets = await client.get("/spot/v1/markets")
            assert "kraken" in markets and client.source == resource.source
            assert client.base_url.startswith("http://127.0.0.1:")  # real HTTP, not in-process

    run(main())
    # Paced at 40 calls a second, 80 % of the embedded simulator's 50: 41 calls span a second.
    assert 0.95 <= paced(CCDataApiResource(max_concurrency=41), 41) < 5


def test_base_url_talks_to_that_server_with_real_key_defaults() -> None:
    with serve_in_thread(sim_config()) as sim:
        resource = CCDataApiResource(base_url=sim.base_url, api_key=KEY, max_retries=1)
        assert resource.source == f"real (Data API at {sim.base_url})"

        async def main() -> dict:
            async with resource.open() as client:
                return await client.get("/spot/v1/markets/instruments", {"market": "kraken"})

        instruments = asyncio.run(main())
        assert "BTC-USD" in instruments["kraken"]["instruments"]
        assert sim.stats.calls["/spot/v1/markets/instruments"] == 1


def test_a_real_api_gets_the_real_default_pace() -> None:
    """Unset limits on a real API mean 10 calls a second: 21 calls span two seconds."""
    with serve_in_thread(sim_config()) as sim:
        resource = CCDataApiResource(base_url=sim.base_url, api_key=KEY, max_concurrency=21)
        assert 1.9 <= paced(resource, 21) < 8


def test_from_settings_passes_the_key_as_an_env_var_never_the_value() -> None:
    real = CCDataApiResource.from_settings(ApiSettings(REAL_API_BASE_URL, KEY), max_retries=2)
    assert isinstance(real.api_key, dg.EnvVar) and real.api_key == "CCDATA_API_KEY"
    assert real.source == "real (CoinDesk Data API)" and real.max_retries == 2
    assert KEY not in repr(real)
    embedded = CCDataApiResource.from_settings(ApiSettings(None))
    assert embedded.api_key is None and embedded.embedded


def test_resource_works_in_a_dagster_asset(monkeypatch) -> None:
    with serve_in_thread(sim_config()) as sim:
        monkeypatch.setenv("CCDATA_API_KEY", KEY)
        seen: dict = {}

        @dg.asset
        def markets(api: CCDataApiResource) -> None:
            async def fetch() -> dict:
                async with api.open() as client:
                    data = await client.get("/spot/v1/markets")
                    seen.update(client.stats.as_metadata(), source=client.source)
                    return data

            assert "kraken" in asyncio.run(fetch())

        resource = CCDataApiResource(base_url=sim.base_url, api_key=dg.EnvVar("CCDATA_API_KEY"))
        result = dg.materialize([markets], resources={"api": resource})
        assert result.success
        assert seen["api_calls"] == 1 and seen["source"] == f"real (Data API at {sim.base_url})"
        assert sim.stats.statuses[200] == 1  # the env var's key was accepted
