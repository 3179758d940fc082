"""Message-driven series (funding rates, open interest, index values) sampled per bucket.

Unlike trade candles these have no empty buckets: a value is published continuously. OHLC
follows the real samples: OPEN is the previous bucket's close (the value in force when the
bucket starts), CLOSE is the last message at or before the bucket end (or now), and the
FIRST/HIGH/LOW/LAST_MESSAGE_* fields describe the messages inside the bucket. The same instant
always yields the same value, so closes agree across days, hours and minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ccdata_assets.simulator.hashing import seed_of, uniform

INTERIOR_SAMPLES = 6


@dataclass
class Grid:
    """Sample instants per bucket: column 0 = previous close instant, then the messages."""

    starts: np.ndarray
    times: np.ndarray  # (n, 3 + interior): prev-close, first msg, interior..., last msg
    has_prev: np.ndarray  # False for the first data bucket (OPEN = first message)
    span: np.ndarray  # seconds of data in the bucket


def grid(
    starts: np.ndarray,
    unit: int,
    first_ts: int,
    cutoff: int,
    key: str,
    interior: int = INTERIOR_SAMPLES,
) -> Grid:
    """Sample instants for buckets ``starts`` of an instrument whose data begins at ``first_ts``."""
    t_first = np.maximum(starts, first_ts)
    t_last = np.minimum(starts + unit - 1, cutoff)
    span = np.maximum(t_last - t_first, 0)
    bucket = starts // unit
    seed = seed_of(key, "grid", unit)
    cols = [starts - 1, t_first]
    for j in range(interior):
        u = uniform(seed ^ (j + 1), bucket)
        cols.append(t_first + np.floor(span * (j + u) / interior).astype(np.int64))
    cols.append(t_last)
    has_prev = starts > first_ts
    times = np.stack(cols, axis=1)
    times[~has_prev, 0] = t_first[~has_prev]
    return Grid(starts, times, has_prev, span)


def evaluate(g: Grid, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``fn`` at every grid instant, evaluating each previous-close instant only once.

    Column 0 of row i (start - 1) is row i-1's last message instant, so it is copied.
    """
    inner = fn(g.times[:, 1:].ravel()).reshape(g.times.shape[0], -1)
    first_open = fn(g.times[:1, 0])
    return np.concatenate([np.concatenate((first_open, inner[:-1, -1]))[:, None], inner], axis=1)


@dataclass
class Ohlc:
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    first_v: np.ndarray
    first_t: np.ndarray
    high_v: np.ndarray
    high_t: np.ndarray
    high_i: np.ndarray  # column index (into the grid) of the high message
    low_v: np.ndarray
    low_t: np.ndarray
    low_i: np.ndarray
    last_v: np.ndarray
    last_t: np.ndarray


def ohlc(values: np.ndarray, g: Grid) -> Ohlc:
    """OHLC and message extremes of sampled ``values`` (same shape as ``g.times``)."""
    msgs = values[:, 1:]
    rows = np.arange(values.shape[0])
    hi = np.argmax(msgs, axis=1) + 1
    lo = np.argmin(msgs, axis=1) + 1
    return Ohlc(
        open=values[:, 0],
        high=np.maximum(values[rows, hi], values[:, 0]),
        low=np.minimum(values[rows, lo], values[:, 0]),
        close=values[:, -1],
        first_v=values[:, 1],
        first_t=g.times[:, 1],
        high_v=values[rows, hi],
        high_t=g.times[rows, hi],
        high_i=hi,
        low_v=values[rows, lo],
        low_t=g.times[rows, lo],
        low_i=lo,
        last_v=values[:, -1],
        last_t=g.times[:, -1],
    )


def update_counts(key: str, unit: int, g: Grid, per_day: float) -> np.ndarray:
    """Messages per bucket: proportional to covered time, at least one."""
    u = uniform(seed_of(key, "updates", unit), g.starts // unit)
    return np.maximum(1, np.rint(per_day * (g.span + 1) / 86_400 * (0.8 + 0.4 * u))).astype(
        np.int64
    )
