"""Trade candles (spot and futures OHLCV) for a contiguous page of buckets, in closed form.

Rules that make pages consistent with each other whatever the paging:
- A traded bucket closes at the path price of its end instant (or of the cutoff, for the
  still-open bucket and for a delisted pair's last bucket), so a day, its last hour and its last
  minute close at the same price.
- A bucket's open is the close of the nearest earlier traded bucket; fill (no-trade) buckets
  carry that close flat. Fill decisions are per-bucket hashes with structural limits (the last
  minute of an hour and the last hour of a day always trade; fill hours never follow each other),
  so runs of fill buckets are bounded and a fixed lookback always finds the previous close.
- Minutes inside a fill hour are fill minutes, so hour and minute data agree about silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ccdata_assets.simulator.hashing import logistic, seed_of, uniform
from ccdata_assets.simulator.prices import slow_noise

MINUTE, HOUR, DAY = 60, 3600, 86_400
UNIT_NAMES = {MINUTE: "MINUTE", HOUR: "HOUR", DAY: "DAY"}
# Longest possible run of fill buckets is 119 minutes / 1 hour / 0 days (see fill_flags).
_LOOKBACK = {MINUTE: 128, HOUR: 4, DAY: 2}
_ACTIVITY_SPREAD = {MINUTE: 0.7, HOUR: 0.45, DAY: 0.25}

LogPrice = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class TradeModel:
    """What the candle generator needs to know about one traded instrument."""

    key: str
    first_trade_ts: int
    retired_ts: int | None
    daily_volume_usd: float
    trade_size_usd: float
    fill_minute: float
    fill_hour: float
    daily_vol: float
    log_price: LogPrice  # instrument price in quote units
    log_base_usd: LogPrice  # base asset in USD, to turn USD volume into base units

    def cutoff(self, now: int) -> int:
        """Last instant that can hold a trade: now, or the delisting time."""
        return now if self.retired_ts is None else min(now, self.retired_ts)


@dataclass
class Candles:
    """Column arrays for one page, ascending by bucket start."""

    ts: np.ndarray
    traded: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    first_ts: np.ndarray
    last_ts: np.ndarray
    high_ts: np.ndarray
    low_ts: np.ndarray
    first_px: np.ndarray
    high_px: np.ndarray
    low_px: np.ndarray
    trades: np.ndarray
    buy_share: np.ndarray  # share of trades and volume on the buy side
    volume_usd: np.ndarray
    volume: np.ndarray  # base units
    quote_volume: np.ndarray  # quote units


def _contains(starts: np.ndarray, unit: int, t: int | None) -> np.ndarray:
    if t is None:
        return np.zeros(starts.shape, dtype=bool)
    return (starts <= t) & (t < starts + unit)


def fill_flags(model: TradeModel, unit: int, starts: np.ndarray) -> np.ndarray:
    """True where a bucket has no trade (before listing/cutoff logic is applied)."""
    if unit == DAY:
        return np.zeros(starts.shape, dtype=bool)
    hours = starts - starts % HOUR
    hour_fill = np.zeros(starts.shape, dtype=bool)
    if model.fill_hour > 0.0:
        seed = seed_of(model.key, "fill-hour")
        idx = hours // HOUR
        raw = uniform(seed, idx) < model.fill_hour
        raw_prev = uniform(seed, idx - 1) < model.fill_hour
        hour_fill = raw & ~raw_prev & (idx % 24 != 23)
        hour_fill &= ~_contains(hours, HOUR, model.first_trade_ts)
        hour_fill &= ~_contains(hours, HOUR, model.retired_ts)
    if unit == HOUR:
        return hour_fill
    idx = starts // MINUTE
    raw = uniform(seed_of(model.key, "fill-minute"), idx) < model.fill_minute
    flags = (raw & (idx % 60 != 59)) | hour_fill
    flags &= ~_contains(starts, MINUTE, model.first_trade_ts)
    flags &= ~_contains(starts, MINUTE, model.retired_ts)
    return flags


def build_candles(model: TradeModel, unit: int, starts: np.ndarray, now: int) -> Candles:
    """Candles for the contiguous bucket starts ``starts`` (all at or after the listing bucket)."""
    n = starts.size
    cutoff = model.cutoff(now)
    look = _LOOKBACK[unit]
    all_s = np.arange(int(starts[0]) - look * unit, int(starts[-1]) + unit, unit, dtype=np.int64)
    exists = (all_s + unit > model.first_trade_ts) & (all_s <= cutoff)
    traded_all = exists & ~fill_flags(model, unit, all_s)
    close_t = np.minimum(all_s + unit, cutoff)
    close_all = np.full(all_s.shape, np.nan)
    close_all[traded_all] = np.exp(model.log_price(close_t[traded_all]))
    pos = np.where(traded_all, np.arange(all_s.size), -1)
    last_traded = np.maximum.accumulate(pos)
    prev_traded = np.concatenate(([-1], last_traded[:-1]))

    page = slice(all_s.size - n, None)
    traded = traded_all[page]
    prev = prev_traded[page]
    close_t_page = close_t[page]
    have_prev = prev >= 0
    open_ = np.empty(n)
    open_[have_prev] = close_all[prev[have_prev]]
    if not have_prev.all():
        first_instant = np.maximum(starts[~have_prev], model.first_trade_ts)
        open_[~have_prev] = np.exp(model.log_price(first_instant))
    close = np.where(traded, close_all[page], open_)

    bucket = starts // unit
    seed = seed_of(model.key, "candle", unit)
    es = np.maximum(starts, model.first_trade_ts)
    ee = np.minimum(starts + unit, cutoff + 1)
    span = np.maximum(ee - es, 1)

    activity = np.exp(
        slow_noise(model.key + "|activity", starts, 0.45, 30 * DAY)
        + _ACTIVITY_SPREAD[unit] * logistic(seed ^ 1, bucket)
    )
    volume_usd = model.daily_volume_usd * (span / DAY) * activity
    expected_trades = volume_usd / model.trade_size_usd
    trades = np.maximum(1, np.floor(expected_trades + uniform(seed ^ 2, bucket))).astype(np.int64)
    volume_usd = np.maximum(
        volume_usd, model.trade_size_usd * (0.05 + 0.5 * uniform(seed ^ 3, bucket))
    )

    gap = span / (trades + 1.0)
    first_ts = es + np.floor(uniform(seed ^ 4, bucket) * np.minimum(gap, span - 1)).astype(np.int64)
    first_ts = np.where(
        _contains(starts, unit, model.first_trade_ts), model.first_trade_ts, first_ts
    )
    last_ts = ee - 1 - np.floor(uniform(seed ^ 5, bucket) * gap).astype(np.int64)
    last_ts = np.where(_contains(starts, unit, model.retired_ts), cutoff, last_ts)
    last_ts = np.where(trades == 1, first_ts, np.maximum(last_ts, first_ts))

    sigma = model.daily_vol * np.sqrt(span / DAY)
    single = trades == 1
    scale = np.where(single, 0.0, np.minimum(1.0, trades / 5.0))
    first_px = np.where(single, close, open_ * np.exp(0.08 * sigma * logistic(seed ^ 6, bucket)))
    hi_ex = np.exp(0.5 * sigma * scale * np.abs(logistic(seed ^ 7, bucket)))
    lo_ex = np.exp(-0.5 * sigma * scale * np.abs(logistic(seed ^ 8, bucket)))
    high_px = np.maximum(first_px, close) * hi_ex
    low_px = np.minimum(first_px, close) * lo_ex
    high = np.maximum(high_px, open_)
    low = np.minimum(low_px, open_)
    width = last_ts - first_ts + 1
    high_ts = first_ts + np.floor(uniform(seed ^ 9, bucket) * width).astype(np.int64)
    low_ts = first_ts + np.floor(uniform(seed ^ 10, bucket) * width).astype(np.int64)

    buy_share = np.clip(0.5 + 0.07 * logistic(seed ^ 11, bucket), 0.05, 0.95)
    base_usd = np.exp(model.log_base_usd(close_t_page))
    volume = volume_usd / base_usd
    vwap = np.clip((open_ + high + low + close) / 4.0, low, high)
    quote_volume = volume * vwap

    zero_i = np.zeros(n, dtype=np.int64)
    return Candles(
        ts=starts,
        traded=traded,
        open=open_,
        high=np.where(traded, high, open_),
        low=np.where(traded, low, open_),
        close=close,
        first_ts=first_ts,
        last_ts=last_ts,
        high_ts=high_ts,
        low_ts=low_ts,
        first_px=first_px,
        high_px=high_px,
        low_px=low_px,
        trades=np.where(traded, trades, zero_i),
        buy_share=buy_share,
        volume_usd=np.where(traded, volume_usd, 0.0),
        volume=np.where(traded, volume, 0.0),
        quote_volume=np.where(traded, quote_volume, 0.0),
    )
