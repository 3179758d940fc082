"""Auth, rate limits, faults and cross-process determinism, each against its own server."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import subprocess
import sys
import time

import pytest

from ccdata_assets.simulator import FaultConfig, SimulatorConfig, serve_in_thread
from ccdata_assets.simulator.config import NOW_ENV, PLATFORM_NOW_ENV, clock_for
from ccdata_assets.simulator.faults import CORRUPTION_KINDS
from ccdata_assets.simulator.limits import WINDOWS
from ccdata_assets_tests.support import SIM_NOW as NOW
from ccdata_assets_tests.support import fetch

DAYS = "/spot/v1/historical/days"
PARAMS = {"market": "kraken", "instrument": "BTC-USD", "limit": "5", "to_ts": str(NOW - 86_400)}
WINDOW_RE = r"^\d+, (\d+;window=\d+, ){4}\d+;window=2592000$"


def test_missing_key_is_401_with_the_real_body_and_keys_are_accepted_three_ways(sim):
    reply = fetch(sim.base_url, DAYS, PARAMS, key=None)
    assert reply.status == 401
    err = reply.json()["Err"]
    assert reply.json()["Data"] == {}
    assert err["message"].startswith("API key required, please refer to the documentation")
    assert "X-RateLimit-Limit" in reply.headers
    assert fetch(sim.base_url, DAYS, PARAMS, key="abc").status == 200
    assert fetch(sim.base_url, DAYS, {**PARAMS, "api_key": "abc"}, key=None).status == 200
    with serve_in_thread(SimulatorConfig(now=NOW, require_api_key=False)) as open_sim:
        assert fetch(open_sim.base_url, DAYS, PARAMS, key=None).status == 200


def test_rate_limit_headers_and_429_with_retry_after():
    # The rate-limit clock stands still 30.5 s into a minute, so the burst cannot straddle a
    # minute boundary however slowly it runs: the minute window resets in 29.5 s, sent as 30.
    window_at = NOW + 30.5  # NOW is on a whole minute
    config = SimulatorConfig(
        now=NOW,
        rate_limit_per_second=1000,
        rate_limit_per_minute=5,
        rate_limit_clock=lambda: window_at,
    )
    with serve_in_thread(config) as sim:
        replies = [fetch(sim.base_url, DAYS, PARAMS, key="k1") for _ in range(15)]
        other_key = fetch(sim.base_url, DAYS, PARAMS, key="k2")
    assert [r.status for r in replies] == [200] * 5 + [429] * 10
    ok, limited = replies[:5], replies[5:]
    for r in replies:
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining-All", "X-RateLimit-Reset-All"):
            assert r.headers[name].count(";window=") == len(WINDOWS)
            assert re.match(WINDOW_RE, r.headers[name]), r.headers[name]
        assert (
            r.headers["X-RateLimit-Remaining"].isdigit()
            and r.headers["X-RateLimit-Reset"].isdigit()
        )
    first = ok[0].headers["X-RateLimit-Remaining-All"]
    assert "4;window=60" in first and "999;window=1" in first
    for r in limited:
        assert r.headers["Retry-After"] == "30"
        assert "30;window=60" in r.headers["X-RateLimit-Reset-All"]
        body = r.json()
        assert body["Data"] == {} and "rate limit" in body["Err"]["message"]
        assert "0;window=60" in r.headers["X-RateLimit-Remaining-All"]
    assert other_key.status == 200  # limits are per key
    assert sim.stats.status_429 == len(limited) == sim.stats.rate_limited
    assert sim.stats.calls[DAYS] == 16 and sim.stats.total == 16


def test_injected_status_faults_and_retry_after():
    faults = FaultConfig(status_429_every=2, retry_after_seconds=3, status_500_every=5)
    with serve_in_thread(SimulatorConfig(now=NOW, faults=faults)) as sim:
        statuses = [fetch(sim.base_url, DAYS, PARAMS) for _ in range(10)]
    codes = [r.status for r in statuses]
    assert codes == [200, 429, 200, 429, 500, 429, 200, 429, 200, 500]
    assert statuses[1].headers["Retry-After"] == "3"
    assert all("X-RateLimit-Remaining-All" in r.headers for r in statuses)
    assert statuses[4].json()["Err"]["message"]
    assert sim.stats.faults["status_429"] == 4 and sim.stats.faults["status_500"] == 2


def test_dropped_connections_and_delay():
    faults = FaultConfig(drop_connection_every=2, delay_seconds=0.05)
    outcomes = []
    with serve_in_thread(SimulatorConfig(now=NOW, faults=faults)) as sim:
        host, port = sim.base_url.removeprefix("http://").split(":")
        for _ in range(4):
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            started = time.monotonic()
            try:
                conn.request(
                    "GET", "/spot/v1/markets?market=kraken", headers={"authorization": "Apikey k"}
                )
                outcomes.append(str(conn.getresponse().status))
            except (http.client.HTTPException, ConnectionError) as exc:
                outcomes.append(type(exc).__name__)
            finally:
                conn.close()
            assert time.monotonic() - started >= 0.05
    assert outcomes[0] == outcomes[2] == "200"
    assert outcomes[1] in ("RemoteDisconnected", "ConnectionResetError")
    assert outcomes[3] in ("RemoteDisconnected", "ConnectionResetError")
    assert sim.stats.faults["drop_connection"] == 2


def test_corrupt_rows_rotate_kinds_and_are_stable_across_fetches():
    with serve_in_thread(SimulatorConfig(now=NOW, faults=FaultConfig(corrupt_every=7))) as sim:
        params = {**PARAMS, "limit": "300"}
        first = fetch(sim.base_url, DAYS, params)
        again = fetch(sim.base_url, DAYS, params)
    assert first.body == again.body
    rows = first.json()["Data"]
    bad = []
    for r in rows:
        if "TIMESTAMP" not in r:
            bad.append("missing_timestamp")
        elif r["TIMESTAMP"] % 86_400:
            bad.append("misaligned_timestamp")
        elif isinstance(r["CLOSE"], str):
            bad.append("non_numeric")
        elif r["HIGH"] < r["LOW"]:
            bad.append("high_below_low")
        elif r["VOLUME"] < 0:
            bad.append("negative_volume")
    assert 300 // 7 - 1 <= len(bad) <= 300 // 7 + 1
    assert set(bad) == set(CORRUPTION_KINDS)


def test_clock_comes_from_config_then_environment(monkeypatch):
    monkeypatch.delenv(NOW_ENV, raising=False)
    monkeypatch.setenv(PLATFORM_NOW_ENV, "2026-01-31T12:00:00")
    clock = clock_for(SimulatorConfig())
    assert clock() == 1_769_860_800  # the platform's pinned clock, ISO form, naive = UTC
    monkeypatch.setenv(NOW_ENV, "1700000000")
    assert clock() == 1_700_000_000  # CCDATA_SIM_NOW wins, and is read per call
    assert clock_for(SimulatorConfig(now=5.0))() == 5.0
    monkeypatch.setenv(NOW_ENV, "yesterday")
    with pytest.raises(ValueError, match=NOW_ENV):
        clock_for(SimulatorConfig())
    monkeypatch.delenv(NOW_ENV)
    monkeypatch.delenv(PLATFORM_NOW_ENV)
    assert abs(clock_for(SimulatorConfig())() - time.time()) < 5


def test_same_request_same_bytes_in_another_process(sim):
    urls = [
        (DAYS, {**PARAMS, "limit": "2000"}),
        ("/spot/v1/historical/minutes", {**PARAMS, "limit": "500"}),
        ("/spot/v1/historical/hours", {"market": "binance", "instrument": "SOLUSDT", "limit": "300",
                                        "to_ts": str(NOW - 86_400 * 40)}),
    ]  # fmt: skip
    here = [hashlib.sha256(fetch(sim.base_url, p, q).body).hexdigest() for p, q in urls]
    script = (
        "import hashlib, json, sys\n"
        "from ccdata_assets.simulator import SimulatorConfig, serve_in_thread\n"
        "from ccdata_assets_tests.support import fetch\n"
        "urls = json.loads(sys.argv[1])\n"
        # A different "now": closed buckets must not depend on it.
        f"with serve_in_thread(SimulatorConfig(now={NOW + 400 * 86_400})) as sim:\n"
        "    print(json.dumps([hashlib.sha256(fetch(sim.base_url, p, q).body).hexdigest() for p, q in urls]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(urls)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,  # a fresh interpreter builds the universe: slow on a loaded machine
    )
    assert json.loads(out.stdout) == here


def test_closed_pages_are_cached_and_live_pages_are_not():
    with serve_in_thread(SimulatorConfig(now=NOW)) as sim:
        closed = [fetch(sim.base_url, DAYS, {**PARAMS, "limit": "500"}) for _ in range(3)]
        live = [fetch(sim.base_url, DAYS, {**PARAMS, "to_ts": str(NOW)}) for _ in range(2)]
        default = [
            fetch(sim.base_url, DAYS, {"market": "kraken", "instrument": "BTC-USD"})
            for _ in range(2)
        ]
    assert closed[0].body == closed[1].body == closed[2].body
    assert live[0].body == live[1].body and default[0].body == default[1].body
    assert sim.stats.page_cache_hits == 2
    with serve_in_thread(SimulatorConfig(now=NOW, page_cache_mb=0)) as uncached:
        assert fetch(uncached.base_url, DAYS, {**PARAMS, "limit": "500"}).body == closed[0].body
        assert uncached.stats.page_cache_hits == 0


@pytest.mark.parametrize("path", ["/nope", "/spot/v1/historical/weeks"])
def test_unknown_paths_use_the_error_envelope(sim, path):
    reply = fetch(sim.base_url, path)
    assert reply.status == 404
    assert reply.json()["Data"] == {} and reply.json()["Err"]["message"]
