"""The standalone simulator's flags take effect: the module runs as a real subprocess on a free
port and is asked over real HTTP."""

from __future__ import annotations

import dataclasses
import http.client
import json
import math
import socket
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ccdata_assets.simulator.__main__ import FAULT_FLAGS, build_parser, config_from_args
from ccdata_assets.simulator.config import FaultConfig
from ccdata_assets_tests.support import SIM_NOW as NOW
from ccdata_assets_tests.support import fetch

DAYS = "/spot/v1/historical/days"
PARAMS = {"market": "kraken", "instrument": "BTC-USD", "limit": "5", "to_ts": str(NOW - 86_400)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def simulator(*flags: str) -> Iterator[tuple[str, str]]:
    """(base URL, the config line it printed) of `python -m ccdata_assets.simulator` running."""
    port = _free_port()
    command = [sys.executable, "-m", "ccdata_assets.simulator", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--now", str(NOW), "--no-auth", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        config_line = proc.stdout.readline().strip()
        listening = proc.stdout.readline().strip()
        assert listening == f"ccdata simulator listening on http://127.0.0.1:{port}", (
            config_line + listening + proc.stdout.read()
        )
        yield f"http://127.0.0.1:{port}", config_line
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_every_fault_has_a_flag() -> None:
    assert set(FAULT_FLAGS) == {f.name for f in dataclasses.fields(FaultConfig)}
    args = build_parser().parse_args(
        [flag for spec in FAULT_FLAGS.values() for flag in (spec[0], "7")]
    )
    faults = config_from_args(args).faults
    assert all(getattr(faults, name) in (7, 7.0, "7") for name in FAULT_FLAGS)


def test_bad_values_are_refused_with_one_sentence(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--calls-per-second", "0"])
    assert "--calls-per-second takes a whole number > 0, got '0'." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--fault-delay", "-1"])
    assert "--fault-delay takes seconds >= 0, got '-1'." in capsys.readouterr().err


def test_calls_past_the_per_second_limit_get_429_with_retry_after() -> None:
    with simulator("--calls-per-second", "3", "--calls-per-minute", "1000") as (url, line):
        started = time.monotonic()
        replies = [fetch(url, DAYS, PARAMS) for _ in range(20)]
        elapsed = time.monotonic() - started
    assert "calls per second 3, calls per minute 1000" in line and "faults: none" in line
    ok = [r for r in replies if r.status == 200]
    limited = [r for r in replies if r.status == 429]
    assert len(ok) + len(limited) == 20
    assert 3 <= len(ok) <= 3 * (math.ceil(elapsed) + 1)  # 3 per wall-clock second at most
    assert limited and all(r.headers["Retry-After"] == "1" for r in limited)
    assert all(r.json()["Err"]["type"] == 99 for r in limited)


def test_calls_past_the_per_minute_limit_get_429() -> None:
    with simulator("--calls-per-minute", "4") as (url, line):
        replies = [fetch(url, DAYS, PARAMS) for _ in range(12)]
    assert "calls per minute 4" in line
    statuses = [r.status for r in replies]
    assert 4 <= statuses.count(200) <= 8  # 4 a minute; the minute may turn once meanwhile
    assert statuses.count(429) == 12 - statuses.count(200)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in replies if r.status == 429)


def test_injected_faults_follow_their_flags() -> None:
    flags = [
        "--fault-500-every", "3",
        "--fault-429-every", "5",
        "--fault-retry-after", "7",
        "--fault-drop-connection-every", "8",
        "--fault-delay", "0.2",
        "--fault-extra-field", "NEW_FIELD",
    ]  # fmt: skip
    with simulator(*flags) as (url, line):
        outcomes: list[object] = []
        started = time.monotonic()
        for _ in range(9):
            try:
                outcomes.append(fetch(url, DAYS, PARAMS))
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError) as exc:
                outcomes.append(type(exc).__name__)
        elapsed = time.monotonic() - started
    assert "--fault-500-every 3" in line and "--fault-extra-field NEW_FIELD" in line
    statuses = [o.status if not isinstance(o, str) else "dropped" for o in outcomes]
    assert statuses == [200, 200, 500, 200, 429, 500, 200, "dropped", 500]
    assert outcomes[4].headers["Retry-After"] == "7"
    assert elapsed >= 9 * 0.2
    records = outcomes[0].json()["Data"]
    assert records and all(r["NEW_FIELD"] is not None for r in records)


def test_history_faults_change_the_data() -> None:
    params = {**PARAMS, "limit": "60"}
    with simulator() as (url, _):
        clean = fetch(url, DAYS, params).json()["Data"]
    with simulator("--fault-drop-bucket-every", "4", "--fault-spike-every", "5") as (url, line):
        faulty = fetch(url, DAYS, params).json()["Data"]
    assert "--fault-drop-bucket-every 4, --fault-spike-every 5" in line
    assert len(faulty) < len(clean)  # buckets left out
    by_ts = {r["TIMESTAMP"]: r for r in clean}
    assert any(r["CLOSE"] != by_ts[r["TIMESTAMP"]]["CLOSE"] for r in faulty)  # spiked
    with simulator("--fault-corrupt-every", "3") as (url, _):
        corrupt = fetch(url, DAYS, params).json()["Data"]
    assert json.dumps(corrupt) != json.dumps(clean)
