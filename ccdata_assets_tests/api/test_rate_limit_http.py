"""The client-side limiter keeps the simulator's fixed 1 s windows from ever refusing a call.

The simulator counts calls per wall-clock second (like the real quota) and answers 429 past its
limit, so "no 429 at the server" is the assertion; each test has a control that sends faster and
does get refused, proving the server would have caught an overrun. The controls hold the server's
rate-limit clock still, so the whole burst lands in one window and the refusals are exact rather
than dependent on where the wall-clock second boundaries fall.
"""

from __future__ import annotations

import asyncio

import pytest

from ccdata_assets.api import ApiRateLimitedError, CCDataClient
from ccdata_assets.simulator import serve
from ccdata_assets_tests.api._support import KEY, NOW, run, sim_config

MARKETS = "/spot/v1/markets"


async def burst(base_url: str, calls: int, **policy: float) -> tuple[int, int]:
    """Send `calls` requests at once; return (answered, refused with 429)."""
    async with CCDataClient.connect(
        base_url, KEY, max_retries=0, max_concurrency=calls, **policy
    ) as client:
        outcomes = await asyncio.gather(
            *(client.get(MARKETS, {"market": "kraken"}) for _ in range(calls)),
            return_exceptions=True,
        )
    refused = sum(isinstance(o, ApiRateLimitedError) for o in outcomes)
    assert all(isinstance(o, dict | ApiRateLimitedError) for o in outcomes), outcomes
    return calls - refused, refused


def test_calls_per_second_keeps_every_server_second_under_its_limit() -> None:
    async def main() -> None:
        async with serve(sim_config(per_second=10)) as sim:
            answered, refused = await burst(
                sim.base_url, 20, calls_per_second=8, calls_per_minute=60_000
            )
            assert (answered, refused) == (20, 0)
            assert sim.stats.rate_limited == 0 and sim.stats.calls[MARKETS] == 20
        # Control: no client-side limit, one server second: 10 answered, 10 refused.
        async with serve(sim_config(per_second=10, window_at=NOW + 0.5)) as sim:
            _, refused = await burst(
                sim.base_url, 20, calls_per_second=1000, calls_per_minute=60_000
            )
            assert refused == 10 and sim.stats.rate_limited == refused

    run(main())


def test_calls_per_minute_is_the_minute_total_not_a_pace() -> None:
    # 5 a minute: the five go at once (the window has room), the sixth waits for the minute.
    # The server would take the sixth (its own minute limit is far higher), so only the
    # client's budget keeps it out.
    async def main() -> None:
        async with serve(sim_config(per_second=1000)) as sim:
            async with CCDataClient.connect(
                sim.base_url, KEY, max_retries=0, calls_per_second=1000, calls_per_minute=5
            ) as client:
                await asyncio.gather(*(client.get(MARKETS, {"market": "kraken"}) for _ in range(5)))
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(client.get(MARKETS, {"market": "kraken"}), 2.0)
            assert sim.stats.calls[MARKETS] == 5 and sim.stats.rate_limited == 0

    run(main())


def test_exhausted_window_in_headers_pauses_the_next_call() -> None:
    # No client-side limit at all: only the X-RateLimit-Remaining-All pause keeps the 6th call
    # out of the server second that the first 5 used up.
    async def main() -> None:
        async with serve(sim_config(per_second=5)) as sim:
            async with CCDataClient.connect(
                sim.base_url, KEY, max_retries=0, calls_per_second=1000, calls_per_minute=60_000
            ) as client:
                for _ in range(8):
                    await client.get(MARKETS, {"market": "kraken"})
                assert client.stats.rate_limited == 0
            assert sim.stats.rate_limited == 0 and sim.stats.calls[MARKETS] == 8

    run(main())
