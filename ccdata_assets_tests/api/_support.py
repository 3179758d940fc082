"""Shared pieces of the API tests: a fixed simulated clock and fast client/simulator settings."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from ccdata_assets.simulator import FaultConfig, SimulatorConfig

T = TypeVar("T")

NOW = 1_767_270_896  # 2026-01-01T12:34:56Z
DAY, HOUR = 86_400, 3_600
HOURS = "/spot/v1/historical/hours"
DAYS = "/spot/v1/historical/days"
BTC_USD = {"market": "kraken", "instrument": "BTC-USD"}
KEY = "sk-SECRET-123"
# Client settings that keep tests fast: the limiter barely binds, backoff is tiny.
FAST: dict[str, Any] = {
    "calls_per_second": 1000.0,
    "calls_per_minute": 60_000.0,
    "backoff_initial_seconds": 0.01,
    "backoff_max_seconds": 0.05,
}


def sim_config(
    per_second: int = 1000,
    per_minute: int = 60_000,
    window_at: float | None = None,
    **faults: Any,
) -> SimulatorConfig:
    """`window_at` holds the simulator's rate-limit clock at that instant, so every request lands
    in the same 1 s and 60 s windows however long the test takes (None: the wall clock)."""
    return SimulatorConfig(
        now=NOW,
        rate_limit_per_second=per_second,
        rate_limit_per_minute=per_minute,
        rate_limit_clock=None if window_at is None else (lambda: window_at),
        faults=FaultConfig(**faults),
    )


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
