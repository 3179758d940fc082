"""One rate budget for the whole account, proven by the server's own log.

Four real client processes (`budget_worker`, each a `CCDataApiResource` with the same key and
limits) fetch pages from one standalone simulator at once. The simulator records the wall-clock
arrival of every request; the tests count sliding windows over that log, so a limit that held
only per process (four times the rate) or a pause that held only in the process that saw the
429 would show up as arrivals the server saw, not as anything the clients report about
themselves. The simulator enforces the same limits, so a refusal (429) is a failure too.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ccdata_assets.api.budget import account_id, open_budget
from ccdata_assets.api.settings import rate_limit_url
from ccdata_assets.settings import ConfigError
from ccdata_assets.simulator import SimulatorHandle, serve_in_thread
from ccdata_assets_tests.api._support import KEY, NOW, run, sim_config

INSTRUMENTS = ("BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD")
REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]


def start_workers(
    sim: SimulatorHandle, budget_url: str, per_second: int, per_minute: int, calls: int
) -> list[subprocess.Popen[str]]:
    """Four worker processes, released together once all four have their client open."""
    procs = []
    for instrument in INSTRUMENTS:
        settings = {
            "base_url": sim.base_url,
            "key": KEY,
            "calls_per_second": per_second,
            "calls_per_minute": per_minute,
            "rate_limit_url": budget_url,
            "instrument": instrument,
            "calls": calls,
            "now": NOW,
        }
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ccdata_assets_tests.api.budget_worker",
                    json.dumps(settings),
                ],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        )
    for proc in procs:
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            proc.kill()
            pytest.fail(f"worker did not start: {line} {proc.stderr.read() if proc.stderr else ''}")
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return procs


def finish(procs: list[subprocess.Popen[str]], timeout: float = 60) -> list[dict[str, Any]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def stop(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most arrivals in any half-open window [t, t + seconds) of the server's log."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered)), default=0
    )


def instrument_of(path_qs: str) -> str:
    return parse_qs(urlsplit(path_qs).query)["instrument"][0]


def all_active_rate(arrivals: list[tuple[float, str]], limit: int) -> tuple[float, float]:
    """Arrivals per second while every worker was sending (from the last worker's first request
    to the first worker's last): `limit` divided by the mean time `limit` consecutive arrivals
    take, which bursts at the span's edges cannot skew as a plain count would.
    Returns (rate, span in seconds)."""
    firsts: dict[str, float] = {}
    lasts: dict[str, float] = {}
    for at, path in arrivals:
        name = instrument_of(path)
        firsts.setdefault(name, at)
        lasts[name] = at
    assert sorted(firsts) == sorted(INSTRUMENTS), firsts
    start, end = max(firsts.values()), min(lasts.values())
    assert end - start > 3.0, f"the workers overlapped for only {end - start:.2f} s"
    times = sorted(at for at, _ in arrivals if start <= at <= end)
    gaps = [later - earlier for earlier, later in zip(times, times[limit:], strict=False)]
    return limit / (sum(gaps) / len(gaps)), end - start


@pytest.fixture
def sqlite_budget(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rate_budget.sqlite'}"


@pytest.fixture
def redis_budget() -> Iterator[str]:
    """A Redis budget under a prefix of its own, deleted afterwards; Redis must be running."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail(
            "Redis is not answering on 127.0.0.1:6379; start it with "
            "`redis-server --daemonize yes --port 6379 --save '' --appendonly no`."
        )
    prefix = f"ccdata-test-{uuid.uuid4().hex[:12]}"
    try:
        yield f"{REDIS_URL}?prefix={prefix}"
        assert client.keys(f"{prefix}:rate:*"), "the workers never wrote to the Redis budget"
    finally:
        keys = client.keys(f"{prefix}:*")
        if keys:
            client.delete(*keys)
        client.close()


def check_shared_per_second_limit(budget_url: str, calls: int) -> None:
    per_second, per_minute = 8, 480
    with serve_in_thread(sim_config(per_second, per_minute)) as sim:
        procs = start_workers(sim, budget_url, per_second, per_minute, calls)
        try:
            results = finish(procs)
        finally:
            stop(procs)
        arrivals = list(sim.stats.arrivals)
        assert sim.stats.rate_limited == 0 and sim.stats.status_429 == 0
    assert [r["answered"] for r in results] == [calls] * 4
    times = [at for at, _ in arrivals]
    assert len(times) == 4 * calls
    busiest_second = most_in_any_window(times, 1.0)
    rate, span = all_active_rate(arrivals, per_second)
    print(
        f"budget {budget_url.split(':')[0]}: busiest 1 s window {busiest_second} (limit "
        f"{per_second}); {rate:.2f} calls/s over the {span:.2f} s all four were sending = "
        f"{rate / per_second:.3f} of the limit"
    )
    assert busiest_second <= per_second
    assert most_in_any_window(times, 60.0) <= per_minute
    assert rate >= 0.9 * per_second


def test_four_processes_share_one_per_second_budget_in_sqlite(sqlite_budget: str) -> None:
    check_shared_per_second_limit(sqlite_budget, calls=30)


def test_four_processes_share_one_per_second_budget_in_redis(redis_budget: str) -> None:
    check_shared_per_second_limit(redis_budget, calls=20)


def test_four_processes_share_one_per_minute_budget(sqlite_budget: str) -> None:
    # 40 calls a minute in all: each worker wants more than that (none can finish), they spend
    # the 40 within about two seconds at 20/s, then nothing reaches the server for the minute.
    per_second, per_minute = 20, 40
    with serve_in_thread(sim_config(per_second, per_minute)) as sim:
        procs = start_workers(sim, sqlite_budget, per_second, per_minute, calls=per_minute + 1)
        try:
            deadline = time.monotonic() + 20
            while len(sim.stats.arrivals) < per_minute and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(4.0)
            exited = [p.communicate()[1][-600:] for p in procs if p.poll() is not None]
            assert not exited, f"a worker gave up or crashed: {exited}"
        finally:
            stop(procs)
        times = [at for at, _ in sim.stats.arrivals]
        assert sim.stats.rate_limited == 0 and sim.stats.status_429 == 0
    assert len(times) == per_minute  # the whole minute's budget, not one call more
    assert most_in_any_window(times, 1.0) <= per_second


def test_a_429_seen_by_one_process_pauses_all_of_them(sqlite_budget: str) -> None:
    # The 30th request gets a 429 with Retry-After: 3. Only one worker receives it; without a
    # shared pause the other three would go on at about 6 calls a second.
    per_second, per_minute, retry_after, nth = 8, 480, 3.0, 30
    faults = {"status_429_every": nth, "retry_after_seconds": retry_after}
    with serve_in_thread(sim_config(per_second, per_minute, **faults)) as sim:
        procs = start_workers(sim, sqlite_budget, per_second, per_minute, calls=12)
        try:
            results = finish(procs)
        finally:
            stop(procs)
        arrivals = list(sim.stats.arrivals)
        assert sim.stats.faults["status_429"] == 1 and sim.stats.rate_limited == 0
    assert [r["answered"] for r in results] == [12] * 4
    assert sum(r["rate_limited"] for r in results) == 1
    tripped_at, tripped_path = arrivals[nth - 1]
    # Calls already past the budget when the 429 arrived may land just after it.
    during = [
        (round(at - tripped_at, 3), instrument_of(p))
        for at, p in arrivals
        if tripped_at + 0.5 <= at < tripped_at + retry_after
    ]
    assert during == [], f"calls during the pause: {during}"
    after = {instrument_of(p) for at, p in arrivals if at >= tripped_at + retry_after}
    others = set(INSTRUMENTS) - {instrument_of(tripped_path)}
    assert others & after, "the other workers never resumed"


def test_budget_store_urls_and_account_names(tmp_path: Path) -> None:
    assert rate_limit_url({"CCDATA_HOME": str(tmp_path)}) == (
        f"sqlite:///{tmp_path / 'rate_budget.sqlite'}"
    )
    assert rate_limit_url({"CCDATA_RATE_LIMIT_URL": REDIS_URL}) == REDIS_URL
    with pytest.raises(ConfigError, match=r"^CCDATA_RATE_LIMIT_URL must be sqlite:///.*\.$"):
        rate_limit_url({"CCDATA_RATE_LIMIT_URL": "postgresql://u:pw@db/x"})
    with pytest.raises(ValueError, match=r"^CCDATA_RATE_LIMIT_URL must start with") as err:
        open_budget("mysql://u:secret@db/x", "acct", 8, 480)
    assert "secret" not in str(err.value)
    name = account_id("https://data-api.coindesk.com", KEY)
    assert KEY not in name and name != account_id("https://data-api.coindesk.com", "other")


def test_a_pause_written_by_one_budget_holds_another_on_the_same_account(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.sqlite'}"
    first = open_budget(url, "acct", 100, 6000)
    second = open_budget(url, "acct", 100, 6000)
    elsewhere = open_budget(url, "other", 100, 6000)
    try:
        first.pause(1.0)
        assert 0.5 < second.paused_for() <= 1.0 and elsewhere.paused_for() == 0

        async def timed() -> float:
            started = time.monotonic()
            await second.acquire()
            return time.monotonic() - started

        assert run(timed()) >= 0.5
    finally:
        first.close()
        second.close()
        elsewhere.close()


def test_an_exhausted_quota_seen_by_one_client_holds_another_on_the_account(
    sqlite_budget: str,
) -> None:
    # The server allows 5 a minute (its clock held still: one minute window, whatever the time);
    # its 5th answer says the minute is used up. Client A sees
    # that; client B, with its own connection to the same budget (as another process has),
    # must not send: the server would refuse it (rate_limited would count it).
    from ccdata_assets.api import CCDataClient
    from ccdata_assets.simulator import serve

    markets = "/spot/v1/markets"

    async def main() -> None:
        async with serve(sim_config(1000, 5, window_at=NOW + 0.5)) as sim:
            account = account_id(sim.base_url, KEY)
            budgets = [open_budget(sqlite_budget, account, 1000, 60_000) for _ in range(2)]
            policy: dict[str, Any] = {"max_retries": 0, "max_retry_after_seconds": 30.0}
            try:
                async with (
                    CCDataClient.connect(sim.base_url, KEY, budget=budgets[0], **policy) as a,
                    CCDataClient.connect(sim.base_url, KEY, budget=budgets[1], **policy) as b,
                ):
                    for _ in range(5):
                        await a.get(markets, {"market": "kraken"})
                    assert budgets[1].paused_for() > 1.0
                    with pytest.raises(TimeoutError):
                        await asyncio.wait_for(b.get(markets, {"market": "kraken"}), 1.0)
            finally:
                for budget in budgets:
                    budget.close()
            assert sim.stats.calls[markets] == 5 and sim.stats.rate_limited == 0

    run(main())
