"""One client process for the shared-budget tests: a real `CCDataApiResource` fetching pages.

    python -m ccdata_assets_tests.api.budget_worker '<json settings>'

Prints "ready" once its client and budget are open, waits for a line on stdin (so that all
processes start together however long their imports took), fetches `calls` pages of one
instrument at once (the client's concurrency and the shared budget decide the pace), then prints
one JSON line with what its client saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from ccdata_assets.api import CCDataApiResource

DAYS = "/spot/v1/historical/days"
DAY = 86_400


async def main(settings: dict[str, Any]) -> dict[str, Any]:
    resource = CCDataApiResource(
        base_url=settings["base_url"],
        data_source="simulator",
        api_key=settings["key"],
        calls_per_second=settings["calls_per_second"],
        calls_per_minute=settings["calls_per_minute"],
        rate_limit_url=settings["rate_limit_url"],
        max_concurrency=8,
        max_retries=3,
        max_retry_after_seconds=10.0,
    )
    async with resource.open() as client:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        pages = [
            {
                "market": "kraken",
                "instrument": settings["instrument"],
                "limit": 5,
                "to_ts": settings["now"] - i * 5 * DAY,
            }
            for i in range(settings["calls"])
        ]
        results = await asyncio.gather(*(client.get(DAYS, p) for p in pages))
        return {
            "answered": sum(isinstance(r, list) for r in results),
            "rate_limited": client.stats.rate_limited,
            "calls": client.stats.calls,
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
