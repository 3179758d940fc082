"""CCDataClient against the simulator over real HTTP: envelopes, retries, give-ups, Min API."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from ccdata_assets.api import (
    ApiAuthError,
    ApiBadRequestError,
    ApiRateLimitedError,
    ApiServerError,
    ApiUnreachableError,
    CCDataClient,
    HistoryStartsLaterError,
    UnknownMarketOrInstrumentError,
)
from ccdata_assets.simulator import serve
from ccdata_assets_tests.api._support import (
    BTC_USD,
    FAST,
    HOURS,
    KEY,
    NOW,
    run,
    sim_config,
)

PAGE = {**BTC_USD, "limit": 5, "to_ts": NOW - 86_400}


def one_sentence(message: str) -> bool:
    return message.endswith(".") and not re.search(r"[.!?]\s+[A-Z]", message[:-1])


def test_success_returns_the_data_payload() -> None:
    async def main() -> None:
        async with serve(sim_config()) as sim, CCDataClient.connect(sim.base_url, KEY, **FAST) as c:
            rows = await c.get(HOURS, PAGE)
            assert [r["TIMESTAMP"] for r in rows] == [
                (NOW - 86_400) // 3600 * 3600 - i * 3600 for i in range(4, -1, -1)
            ]
            assert all(r["MAPPED_INSTRUMENT"] == "BTC-USD" for r in rows)
            assert (c.stats.calls, c.stats.retries, c.stats.rate_limited) == (1, 0, 0)

    run(main())


@pytest.mark.parametrize(
    ("params", "error", "param", "named"),
    [
        ({"instrument": "NOPE-XYZ"}, UnknownMarketOrInstrumentError, "instrument", "'NOPE-XYZ'"),
        ({"market": "nomarket"}, UnknownMarketOrInstrumentError, "market", "'nomarket'"),
        ({"limit": 2001}, ApiBadRequestError, "limit", "2001"),
    ],
)
def test_envelope_errors_fail_at_once_with_the_right_type(
    params: dict, error: type, param: str, named: str
) -> None:
    async def main() -> None:
        async with serve(sim_config()) as sim, CCDataClient.connect(sim.base_url, KEY, **FAST) as c:
            with pytest.raises(error) as caught:
                await c.get(HOURS, {**PAGE, **params})
            exc = caught.value
            assert exc.param == param and named in str(exc) and one_sentence(str(exc))
            assert exc.api_message  # the server's words are kept for debugging
            assert (c.stats.calls, c.stats.retries) == (1, 0)  # 4xx is never retried
            assert sim.stats.calls[HOURS] == 1

    run(main())


def test_missing_key_is_an_auth_error_that_says_what_to_set() -> None:
    async def main() -> None:
        async with (
            serve(sim_config()) as sim,
            CCDataClient.connect(sim.base_url, None, **FAST) as c,
        ):
            with pytest.raises(ApiAuthError) as caught:
                await c.get(HOURS, PAGE)
            assert caught.value.status == 401
            assert "set CCDATA_API_KEY to a valid key" in str(caught.value)
            assert one_sentence(str(caught.value)) and c.stats.calls == 1

    run(main())


def test_before_first_trade_is_history_starts_later_with_the_first_timestamp() -> None:
    async def main() -> None:
        async with serve(sim_config()) as sim, CCDataClient.connect(sim.base_url, KEY, **FAST) as c:
            listing = await c.get("/spot/v1/markets/instruments", {"market": "kraken"})
            first = listing["kraken"]["instruments"]["BTC-USD"]["FIRST_TRADE_SPOT_TIMESTAMP"]
            with pytest.raises(HistoryStartsLaterError) as caught:
                await c.get(HOURS, {**PAGE, "to_ts": first - 7200})
            assert caught.value.first == first and caught.value.to_ts == first - 7200
            assert one_sentence(str(caught.value)) and c.stats.retries == 0

    run(main())


def test_429_is_retried_after_retry_after() -> None:
    async def main() -> None:
        config = sim_config(status_429_every=2, retry_after_seconds=0.2)
        async with serve(config) as sim, CCDataClient.connect(sim.base_url, KEY, **FAST) as c:
            expected = await c.get(HOURS, PAGE)  # request 1 passes, request 2 is refused
            started = time.monotonic()
            assert await c.get(HOURS, PAGE) == expected
            assert time.monotonic() - started >= 0.2
            assert (c.stats.calls, c.stats.retries, c.stats.rate_limited) == (3, 1, 1)
            assert c.stats.backoff_wait_seconds >= 0.2
            assert sim.stats.status_429 == 1

    run(main())


def test_429_every_time_gives_up_after_max_retries() -> None:
    async def main() -> None:
        config = sim_config(status_429_every=1, retry_after_seconds=0.2)
        async with (
            serve(config) as sim,
            CCDataClient.connect(sim.base_url, KEY, max_retries=2, **FAST) as c,
        ):
            started = time.monotonic()
            with pytest.raises(ApiRateLimitedError) as caught:
                await c.get(HOURS, PAGE)
            assert time.monotonic() - started >= 0.4  # two Retry-After waits honoured
            exc = caught.value
            assert exc.attempts == 3 and exc.retry_after == 0.2 and "after 3 attempts" in str(exc)
            assert one_sentence(str(exc))
            assert sim.stats.calls[HOURS] == 3 and c.stats.rate_limited == 3

    run(main())


def test_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    async def main() -> None:
        config = sim_config(status_429_every=1, retry_after_seconds=30)
        async with (
            serve(config) as sim,
            CCDataClient.connect(sim.base_url, KEY, max_retry_after_seconds=1, **FAST) as c,
        ):
            with pytest.raises(ApiRateLimitedError) as caught:
                await c.get(HOURS, PAGE)
            assert caught.value.retry_after == 30 and c.stats.calls == 1

    run(main())


def test_500_then_success() -> None:
    async def main() -> None:
        async with (
            serve(sim_config(status_500_every=2)) as sim,
            CCDataClient.connect(sim.base_url, KEY, **FAST) as c,
        ):
            expected = await c.get(HOURS, PAGE)
            assert await c.get(HOURS, PAGE) == expected
            assert (c.stats.calls, c.stats.retries) == (3, 1)
            assert sim.stats.statuses[500] == 1

    run(main())


def test_500_every_time_gives_up_with_server_error() -> None:
    async def main() -> None:
        async with (
            serve(sim_config(status_500_every=1)) as sim,
            CCDataClient.connect(sim.base_url, KEY, max_retries=2, **FAST) as c,
        ):
            with pytest.raises(ApiServerError) as caught:
                await c.get(HOURS, PAGE)
            assert caught.value.status == 500 and caught.value.attempts == 3
            assert one_sentence(str(caught.value)) and sim.stats.calls[HOURS] == 3
            assert c.stats.retries == 2 and c.stats.backoff_wait_seconds > 0

    run(main())


def test_dropped_connection_is_retried_then_reported_as_unreachable() -> None:
    async def main() -> None:
        async with (
            serve(sim_config(drop_connection_every=2)) as sim,
            CCDataClient.connect(sim.base_url, KEY, **FAST) as c,
        ):
            expected = await c.get(HOURS, PAGE)
            assert await c.get(HOURS, PAGE) == expected
            # aiohttp itself resends an idempotent request once when a kept-alive connection
            # drops (RFC 9112 9.3.1), so the server may see one more request than the client.
            assert sim.stats.faults["drop_connection"] == 1 and sim.stats.calls[HOURS] == 3
        async with (
            serve(sim_config(drop_connection_every=1)) as sim,
            CCDataClient.connect(sim.base_url, KEY, max_retries=1, **FAST) as c,
        ):
            with pytest.raises(ApiUnreachableError) as caught:
                await c.get(HOURS, PAGE)
            assert sim.base_url in str(caught.value) and caught.value.attempts == 2
            assert "server closed the connection" in str(caught.value)
            assert c.stats.retries == 1 and sim.stats.faults["drop_connection"] >= 2

    run(main())


def test_timeout_is_retried_then_reported_as_unreachable() -> None:
    async def main() -> None:
        async with (
            serve(sim_config(delay_seconds=0.5)) as sim,
            CCDataClient.connect(
                sim.base_url, KEY, timeout_seconds=0.1, max_retries=1, **FAST
            ) as c,
        ):
            with pytest.raises(ApiUnreachableError) as caught:
                await c.get(HOURS, PAGE)
            assert "no answer within 0.1 s" in str(caught.value)
            assert "DATA_API_BASE_URL" in str(caught.value) and caught.value.attempts == 2

    run(main())


def test_min_api_envelope_success_and_type_99_rate_limit() -> None:
    async def main() -> None:
        async with (
            # The server's rate-limit clock stands still half-way through a second: all three
            # requests fall in one 1 s window whenever they arrive, so exactly one gets through
            # (on the wall clock a slow machine could spread them over two seconds).
            serve(sim_config(per_second=1, window_at=NOW + 0.5)) as sim,
            CCDataClient.connect(sim.base_url, KEY, max_retries=0, **FAST) as c,
        ):
            # Sent together, before any answer could announce the exhausted 1 s window.
            calls = [c.get("/data/exchanges/general", {"tsym": "USD"}) for _ in range(3)]
            outcomes = await asyncio.gather(*calls, return_exceptions=True)
            data = [o for o in outcomes if isinstance(o, dict)]
            limited = [o for o in outcomes if isinstance(o, ApiRateLimitedError)]
            assert len(data) == 1 and data[0] and len(limited) == 2
            assert all(e.status == 200 for e in limited)  # Min API: HTTP 200, Type 99
            assert all(e.retry_after == 1 for e in limited)  # the 1 s window resets in 0.5 s
            assert c.stats.rate_limited == 2 and sim.stats.rate_limited == 2

    run(main())
