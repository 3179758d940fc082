"""Simulator settings: the fixed clock, auth and rate limits, and switchable faults."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

NOW_ENV = "CCDATA_SIM_NOW"


@dataclass(frozen=True)
class FaultConfig:
    """Injected failures, all off by default. "Every Nth" counts requests (or rows) from 1."""

    status_429_every: int = 0  # every Nth request gets 429 + Retry-After
    retry_after_seconds: float = 1.0
    status_500_every: int = 0  # every Nth request gets a 500 error envelope
    delay_seconds: float = 0.0  # added latency on every request
    drop_connection_every: int = 0  # every Nth request: connection closed without a response
    corrupt_every: int = 0  # every Nth bucket of historical data is malformed (kinds rotate)


@dataclass(frozen=True)
class SimulatorConfig:
    """How one simulator instance behaves."""

    now: float | None = None  # fixed "now" (epoch seconds); None = env CCDATA_SIM_NOW or wall clock
    require_api_key: bool = True
    rate_limit_per_second: int = 50
    rate_limit_per_minute: int = 3000
    faults: FaultConfig = field(default_factory=FaultConfig)
    page_cache_mb: int = 128  # closed history pages kept in memory; 0 disables


def clock_for(config: SimulatorConfig):
    """A zero-argument function returning the simulated "now" in epoch seconds."""
    fixed = config.now
    if fixed is None:
        raw = os.environ.get(NOW_ENV, "").strip()
        if raw:
            try:
                fixed = float(raw)
            except ValueError as exc:
                raise ValueError(f"{NOW_ENV} must be epoch seconds, got {raw!r}") from exc
    if fixed is not None:
        value = float(fixed)
        return lambda: value
    return time.time
