"""Per-key rate limiting over the real API's five fixed windows, and its response headers.

Windows are aligned to wall-clock time (not the simulated "now"), as a real quota is. Only the
second and minute limits are configurable; hour/day/month limits follow from the minute limit
so they never bind first but still appear in the headers (§0.4 format).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOWS = (1, 60, 3600, 86_400, 2_592_000)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the exhausted window resets (0 when allowed)
    headers: dict[str, str]


class RateLimiter:
    """Counts calls per API key; a rejected call is not counted."""

    def __init__(self, per_second: int, per_minute: int, clock: Callable[[], float] = time.time):
        self.limits = (
            per_second,
            per_minute,
            per_minute * 60,
            per_minute * 60 * 24,
            per_minute * 60 * 24 * 30,
        )
        self._clock = clock
        self._counts: dict[str, list[tuple[int, int]]] = {}

    def _state(self, key: str, now: float) -> list[int]:
        slots = self._counts.setdefault(key, [(-1, 0)] * len(WINDOWS))
        used = []
        for i, w in enumerate(WINDOWS):
            idx, count = slots[i]
            used.append(count if idx == int(now // w) else 0)
        return used

    def check(self, key: str, consume: bool = True) -> Decision:
        """Decide on one call by ``key`` and build the headers describing the quota after it."""
        now = self._clock()
        used = self._state(key, now)
        resets = [max(1, math.ceil((int(now // w) + 1) * w - now)) for w in WINDOWS]
        exhausted = [
            i for i, (u, lim) in enumerate(zip(used, self.limits, strict=True)) if u >= lim
        ]
        allowed = not exhausted
        if allowed and consume:
            slots = self._counts[key]
            for i, w in enumerate(WINDOWS):
                used[i] += 1
                slots[i] = (int(now // w), used[i])
        remaining = [max(0, lim - u) for u, lim in zip(used, self.limits, strict=True)]
        retry_after = max(resets[i] for i in exhausted) if exhausted else 0
        return Decision(allowed, retry_after, self._headers(remaining, resets))

    def _headers(self, remaining: list[int], resets: list[int]) -> dict[str, str]:
        def fmt(values: list[int]) -> str:
            body = ", ".join(f"{v};window={w}" for v, w in zip(values, WINDOWS, strict=True))
            return f"{values[-1]}, {body}"

        tight = min(range(len(WINDOWS)), key=lambda i: remaining[i] / self.limits[i])
        return {
            "X-RateLimit-Limit": fmt(list(self.limits)),
            "X-RateLimit-Remaining": str(remaining[tight]),
            "X-RateLimit-Reset": str(resets[tight]),
            "X-RateLimit-Remaining-All": fmt(remaining),
            "X-RateLimit-Reset-All": fmt(resets),
        }
