"""Planned pages over real HTTP: exactly ceil(points/limit) calls, every bucket once, history start."""

from __future__ import annotations

import math

import pytest

from ccdata_assets.api import CCDataClient
from ccdata_assets.api.paging import fetch_page, plan_pages
from ccdata_assets.simulator import serve
from ccdata_assets_tests.api._support import (
    BTC_USD,
    DAY,
    FAST,
    HOUR,
    HOURS,
    KEY,
    NOW,
    run,
    sim_config,
)

START = (NOW - 120 * DAY) // DAY * DAY  # a midnight well inside BTC-USD's history


async def collect(
    client: CCDataClient, start: int, end: int, limit: int | None = None
) -> list[list[dict]]:
    """What the time-series assets do for one span: plan the pages, fetch each."""
    pages = plan_pages(start, end, HOUR, limit or 2000)
    return [
        list((await fetch_page(client, HOURS, BTC_USD, page, HOUR, start, end)).records())
        for page in pages
    ]


@pytest.mark.parametrize(
    ("days", "limit", "offset"),
    [(100, None, 0), (30, 100, 1800)],  # max page size; many joins with a misaligned start
)
def test_pages_are_ceil_points_over_limit_and_buckets_come_once_in_order(
    days: int, limit: int | None, offset: int
) -> None:
    start, end = START + offset, START + days * DAY - 1
    first = math.ceil(start / HOUR) * HOUR
    expected = list(range(first, end + 1, HOUR))
    calls = math.ceil(len(expected) / (limit or 2000))

    async def main() -> None:
        async with serve(sim_config()) as sim, CCDataClient.connect(sim.base_url, KEY, **FAST) as c:
            pages = await collect(c, start, end, limit=limit)
            stamps = [row["TIMESTAMP"] for rows in pages for row in rows]
            assert stamps == expected  # ascending, no duplicate and no gap at the joins
            assert len(pages) == calls
            assert sim.stats.calls[HOURS] == calls == c.stats.calls

    run(main())


def test_history_start_gives_empty_pages_then_rows_from_the_first_bucket() -> None:
    async def main() -> None:
        async with serve(sim_config()) as sim, CCDataClient.connect(sim.base_url, KEY, **FAST) as c:
            listing = await c.get("/spot/v1/markets/instruments", {"market": "kraken"})
            first = listing["kraken"]["instruments"]["BTC-USD"]["FIRST_TRADE_SPOT_TIMESTAMP"]
            first_bucket = first // HOUR * HOUR
            start = first_bucket - 5 * HOUR
            # limit 4: pages end at -2 h (404, empty), +2 h (partly before the start), +6 h.
            pages = await collect(c, start, first_bucket + 6 * HOUR, limit=4)
            assert pages[0] == []
            stamps = [row["TIMESTAMP"] for rows in pages for row in rows]
            assert stamps == list(range(first_bucket, first_bucket + 7 * HOUR, HOUR))
            assert sim.stats.statuses[404] == 1 and c.stats.retries == 0

    run(main())


def test_corrupt_rows_are_passed_on_not_dropped() -> None:
    async def main() -> None:
        async with (
            serve(sim_config(corrupt_every=5)) as sim,
            CCDataClient.connect(sim.base_url, KEY, **FAST) as c,
        ):
            rows = [r for page in await collect(c, START, START + 3 * DAY - 1) for r in page]
            assert len(rows) == 72  # malformed rows go on to validation/quarantine
            assert any("TIMESTAMP" not in r for r in rows)
            assert any(r.get("TIMESTAMP", 0) % HOUR for r in rows)  # misaligned, kept

    run(main())
