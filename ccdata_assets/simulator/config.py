"""Simulator settings: the fixed clock, auth and rate limits, and switchable faults."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

NOW_ENV = "CCDATA_SIM_NOW"
PLATFORM_NOW_ENV = "CCDATA_NOW"


@dataclass(frozen=True)
class FaultConfig:
    """Injected failures, all off by default. "Every Nth" counts requests (or rows) from 1."""

    status_429_every: int = 0  # every Nth request gets 429 + Retry-After
    retry_after_seconds: float = 1.0
    status_500_every: int = 0  # every Nth request gets a 500 error envelope
    delay_seconds: float = 0.0  # added latency on every request
    drop_connection_every: int = 0  # every Nth request: connection closed without a response
    corrupt_every: int = 0  # every Nth bucket of historical data is malformed (kinds rotate)
    drop_bucket_every: int = 0  # every Nth bucket of history is left out of pages (a gap)
    spike_every: int = 0  # every Nth bucket: OPEN/HIGH/LOW/CLOSE x SPIKE_FACTOR (valid outlier)
    extra_field: str = ""  # a field the API might add one day, on every history record


@dataclass(frozen=True)
class SimulatorConfig:
    """How one simulator instance behaves."""

    now: float | None = (
        None  # fixed "now" (epoch s); None = env CCDATA_SIM_NOW / CCDATA_NOW / wall clock
    )
    require_api_key: bool = True
    rate_limit_per_second: int = 50
    rate_limit_per_minute: int = 3000
    # What the rate-limit windows count by (epoch s). None = the wall clock, as a real quota
    # does; never the simulated "now", which a pinned run holds still. Tests pass a fixed or
    # hand-stepped clock so that which window a request lands in is not left to chance.
    rate_limit_clock: Callable[[], float] | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
    page_cache_mb: int = 128  # closed history pages kept in memory; 0 disables


def _parse_instant(name: str, raw: str) -> float:
    """Epoch seconds, or an ISO 8601 time (naive = UTC), as the platform's clock accepts."""
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name} must be epoch seconds or an ISO 8601 time, got {raw!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _pinned_from_env() -> float | None:
    for name in (NOW_ENV, PLATFORM_NOW_ENV):
        raw = os.environ.get(name, "").strip()
        if raw:
            return _parse_instant(name, raw)
    return None


def clock_for(config: SimulatorConfig) -> Callable[[], float]:
    """A zero-argument function returning the simulated "now" in epoch seconds.

    ``config.now`` wins; otherwise CCDATA_SIM_NOW, then the platform's CCDATA_NOW (so a pinned
    platform run and its embedded simulator share one clock), then the wall clock. The
    environment is read on every call, like the platform's clock, and validated up front.
    """
    if config.now is not None:
        value = float(config.now)
        return lambda: value
    _pinned_from_env()  # fail fast on a malformed value

    def now() -> float:
        pinned = _pinned_from_env()
        return time.time() if pinned is None else pinned

    return now
