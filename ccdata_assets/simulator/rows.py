"""Column fields shared by the trade-candle endpoints (spot and futures OHLCV).

Volumes are quantised once per row and split in integers, so BUY + SELL + UNKNOWN equals the
total exactly in the served decimals, as in the real API's samples.
"""

from __future__ import annotations

from dataclasses import fields as dc_fields

import numpy as np

from ccdata_assets.simulator import jsonrows as jr
from ccdata_assets.simulator.candles import Candles

OHLC_TRADE_KEYS = (
    "FIRST_TRADE_TIMESTAMP",
    "LAST_TRADE_TIMESTAMP",
    "FIRST_TRADE_PRICE",
    "HIGH_TRADE_PRICE",
    "HIGH_TRADE_TIMESTAMP",
    "LOW_TRADE_PRICE",
    "LOW_TRADE_TIMESTAMP",
    "LAST_TRADE_PRICE",
)
TRADE_KEYS = ("TOTAL_TRADES", "TOTAL_TRADES_BUY", "TOTAL_TRADES_SELL", "TOTAL_TRADES_UNKNOWN")
VOLUME_KEYS = (
    "VOLUME",
    "QUOTE_VOLUME",
    "VOLUME_BUY",
    "QUOTE_VOLUME_BUY",
    "VOLUME_SELL",
    "QUOTE_VOLUME_SELL",
    "VOLUME_UNKNOWN",
    "QUOTE_VOLUME_UNKNOWN",
)
OHLC_KEYS = ("OPEN", "HIGH", "LOW", "CLOSE")
PRICE_SIG = 7
VOLUME_SIG = 12
VOLUME_MIN_EXP = -8


def select(c: Candles, mask: np.ndarray) -> Candles:
    """The candles where ``mask`` is true (``fill=false`` drops no-trade buckets)."""
    return Candles(**{f.name: getattr(c, f.name)[mask] for f in dc_fields(c)})


def split_exact(
    total: np.ndarray, share: np.ndarray, side_unknown: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split integer totals into (buy, sell, unknown) integers that add up exactly."""
    if side_unknown:
        zero = np.zeros_like(total)
        return zero, zero, total
    buy = np.rint(total * share).astype(np.int64)
    return buy, total - buy, np.zeros_like(total)


def candle_fields(c: Candles, side_unknown: bool) -> dict[str, jr.Field]:
    """Every OHLC/OHLC_TRADE/TRADE/VOLUME field of trade candles, keyed by API name."""
    present = None if c.traded.all() else c.traded
    close_m, close_e = jr.quantize(c.close, PRICE_SIG)  # shared: LAST_TRADE_PRICE is the close
    out: dict[str, jr.Field] = {
        "OPEN": jr.decimals("OPEN", c.open, PRICE_SIG),
        "HIGH": jr.decimals("HIGH", c.high, PRICE_SIG),
        "LOW": jr.decimals("LOW", c.low, PRICE_SIG),
        "CLOSE": jr.exact("CLOSE", close_m, close_e),
        "FIRST_TRADE_TIMESTAMP": jr.ints("FIRST_TRADE_TIMESTAMP", c.first_ts, present),
        "LAST_TRADE_TIMESTAMP": jr.ints("LAST_TRADE_TIMESTAMP", c.last_ts, present),
        "FIRST_TRADE_PRICE": jr.decimals(
            "FIRST_TRADE_PRICE", c.first_px, PRICE_SIG, present=present
        ),
        "HIGH_TRADE_PRICE": jr.decimals("HIGH_TRADE_PRICE", c.high_px, PRICE_SIG, present=present),
        "HIGH_TRADE_TIMESTAMP": jr.ints("HIGH_TRADE_TIMESTAMP", c.high_ts, present),
        "LOW_TRADE_PRICE": jr.decimals("LOW_TRADE_PRICE", c.low_px, PRICE_SIG, present=present),
        "LOW_TRADE_TIMESTAMP": jr.ints("LOW_TRADE_TIMESTAMP", c.low_ts, present),
        "LAST_TRADE_PRICE": jr.Field(
            "LAST_TRADE_PRICE", mant=close_m, exp=close_e, present=present
        ),
    }
    buy, sell, unknown = split_exact(c.trades, c.buy_share, side_unknown)
    out["TOTAL_TRADES"] = jr.ints("TOTAL_TRADES", c.trades)
    out["TOTAL_TRADES_BUY"] = jr.ints("TOTAL_TRADES_BUY", buy)
    out["TOTAL_TRADES_SELL"] = jr.ints("TOTAL_TRADES_SELL", sell)
    out["TOTAL_TRADES_UNKNOWN"] = jr.ints("TOTAL_TRADES_UNKNOWN", unknown)
    for name, values in (("VOLUME", c.volume), ("QUOTE_VOLUME", c.quote_volume)):
        m, e = jr.quantize(values, VOLUME_SIG, VOLUME_MIN_EXP)
        b, s, u = split_exact(m, c.buy_share, side_unknown)
        out[name] = jr.exact(name, m, e)
        buy_key = "VOLUME_BUY" if name == "VOLUME" else "QUOTE_VOLUME_BUY"
        out[buy_key] = jr.exact(buy_key, b, e)
        sell_key = buy_key.replace("BUY", "SELL")
        out[sell_key] = jr.exact(sell_key, s, e)
        unk_key = buy_key.replace("BUY", "UNKNOWN")
        out[unk_key] = jr.exact(unk_key, u, e)
    return out


def assemble(
    layout: tuple[tuple[str, str | None], ...],
    available: dict[str, jr.Field],
    groups: frozenset[str] | None,
) -> list[jr.Field]:
    """Fields in API order, keeping those whose group was requested (ungrouped keys always)."""
    return [
        available[key]
        for key, group in layout
        if group is None or groups is None or group in groups
    ]
