"""Request counters that tests and benchmarks read while the server runs."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

ARRIVALS_KEPT = 100_000


@dataclass
class SimulatorStats:
    """Counts per path and per outcome. Mutated only on the server's event loop."""

    calls: Counter[str] = field(default_factory=Counter)  # path -> requests received
    statuses: Counter[int] = field(default_factory=Counter)  # HTTP status -> responses sent
    faults: Counter[str] = field(default_factory=Counter)  # injected fault kind -> count
    total: int = 0
    status_429: int = 0  # HTTP 429 responses (rate limit and injected)
    rate_limited: int = 0  # calls refused by the rate limiter (Data API 429 + Min API Type 99)
    page_cache_hits: int = 0  # history pages served from the closed-page cache
    # (wall-clock arrival, path and query) of the latest requests, oldest first, so tests can
    # count any window of the server's own log (rate limits across client processes).
    arrivals: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=ARRIVALS_KEPT))

    def reset(self) -> None:
        self.calls.clear()
        self.statuses.clear()
        self.faults.clear()
        self.total = 0
        self.status_429 = 0
        self.rate_limited = 0
        self.page_cache_hits = 0
        self.arrivals.clear()
