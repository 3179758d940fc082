"""Deterministic price paths evaluated in closed form at any instant.

Each asset has a log-USD path = anchor level + linear drift + multi-octave value noise. Value
noise is a sum over octaves (periods 1 minute .. ~2 years) of smooth interpolation between hashed
lattice values, with amplitudes growing like sqrt(period) so returns scale like a random walk.
Any timestamp costs O(octaves), so a page of N buckets is O(N) with no walk from genesis, and
the same instant always yields the same price whichever page or interval asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ccdata_assets.simulator.hashing import seed_of, signed, uniform

T_ANCHOR = 1_748_736_000  # 2025-06-01T00:00:00Z: anchor prices are levels around this date
YEAR = 31_557_600
DAY = 86_400
PERIODS: tuple[int, ...] = tuple(60 * 4**k for k in range(11))  # 1 min .. ~728 days
# Value noise of amplitude A over its own period moves ~0.8 A; this brings a whole stack of
# octaves to a daily log-return std close to the configured daily volatility.
_CALIBRATION = 1.1
# Above ~6 weeks amplitudes stop growing (mean reversion around the drift line), so levels stay
# plausible for years while days, hours and minutes keep random-walk-like returns.
_KNEE = 45 * 86_400


@dataclass(frozen=True)
class PathSpec:
    """Parameters of one log-price path (an asset in USD, or a fiat/stablecoin rate)."""

    key: str
    log_anchor: float
    growth_per_year: float
    amplitudes: tuple[float, ...]
    phases: tuple[int, ...]
    seeds: tuple[int, ...]


def make_path(
    key: str, anchor: float, daily_vol: float, growth: float, cap: float = 9.0
) -> PathSpec:
    """Build a path spec; ``cap`` bounds each octave's amplitude (keeps stablecoins near peg)."""
    amps = tuple(min(cap, _CALIBRATION * daily_vol * (min(p, _KNEE) / DAY) ** 0.5) for p in PERIODS)
    seeds = tuple(seed_of("octave", key, k) for k in range(len(PERIODS)))
    phases = tuple(int(seed_of("phase", key, k) % p) for k, p in enumerate(PERIODS))
    raw = PathSpec(key, 0.0, growth, amps, phases, seeds)
    # Shift so that the level at T_ANCHOR is exactly ``anchor`` (keeps table prices meaningful).
    at_anchor = float(value_noise(raw, np.array([T_ANCHOR], dtype=np.int64))[0])
    return PathSpec(key, float(np.log(anchor)) - at_anchor, growth, amps, phases, seeds)


def value_noise(spec: PathSpec, t: np.ndarray) -> np.ndarray:
    """Sum of octaves of smoothstep-interpolated lattice noise at int64 epoch seconds ``t``."""
    out = np.zeros(t.shape, dtype=np.float64)
    for period, amp, phase, seed in zip(
        PERIODS, spec.amplitudes, spec.phases, spec.seeds, strict=True
    ):
        if amp <= 0.0:
            continue
        shifted = t + phase
        n = shifted // period
        f = (shifted - n * period) / period
        s = f * f * (3.0 - 2.0 * f)
        v0, v1 = _lattice(seed, n)
        out += amp * (v0 + (v1 - v0) * s)
    return out


def _lattice(seed: int, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lattice values at cells n and n+1, hashing each distinct cell once when cells repeat."""
    if n.size == 0:
        return n.astype(np.float64), n.astype(np.float64)
    lo = int(n.min())
    span = int(n.max()) - lo + 2
    if span <= 2 * n.size:
        lat = signed(seed, np.arange(lo, lo + span, dtype=np.int64))
        i = n - lo
        return lat[i], lat[i + 1]
    return signed(seed, n), signed(seed, n + 1)


def log_level(spec: PathSpec, t: np.ndarray) -> np.ndarray:
    """Natural log of the level at epoch seconds ``t`` (int64 array)."""
    t = np.asarray(t, dtype=np.int64)
    drift = spec.growth_per_year * ((t - T_ANCHOR) / YEAR)
    return spec.log_anchor + drift + value_noise(spec, t)


def slow_noise(key: str, t: np.ndarray, amplitude: float, period: int) -> np.ndarray:
    """One octave of smooth noise in [-amplitude, amplitude]; used for basis and activity."""
    t = np.asarray(t, dtype=np.int64)
    seed = seed_of("slow", key, period)
    shifted = t + int(seed_of("slowphase", key) % period)
    n = shifted // period
    f = (shifted - n * period) / period
    s = f * f * (3.0 - 2.0 * f)
    v0 = signed(seed, n)
    v1 = signed(seed, n + 1)
    return amplitude * (v0 + (v1 - v0) * s)


@cache
def _flat_zero() -> PathSpec:
    return PathSpec(
        "USD", 0.0, 0.0, tuple(0.0 for _ in PERIODS), (0,) * len(PERIODS), (0,) * len(PERIODS)
    )


def usd_path() -> PathSpec:
    """The numeraire: USD is 1 at every instant."""
    return _flat_zero()


def jitter(key: str, idx: np.ndarray) -> np.ndarray:
    """Uniform [0,1) noise keyed by a string, for per-bucket decisions."""
    return uniform(seed_of("jitter", key), idx)
