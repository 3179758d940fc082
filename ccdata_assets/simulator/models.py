"""Price/volume models of instruments: how an instrument's price derives from asset paths."""

from __future__ import annotations

from functools import cache

import numpy as np

from ccdata_assets.simulator.candles import DAY, TradeModel
from ccdata_assets.simulator.catalog import ASSETS_BY_SYMBOL
from ccdata_assets.simulator.futures_universe import FuturesInstrument
from ccdata_assets.simulator.hashing import unit_float
from ccdata_assets.simulator.prices import log_level, slow_noise
from ccdata_assets.simulator.universe import SpotInstrument, asset_path

BASIS_WOBBLE = 0.001  # slow exchange-specific deviation on top of the constant basis


def pair_log_price(base: str, quote: str, t: np.ndarray) -> np.ndarray:
    """Reference log price of base in quote units (the index level, before any venue basis)."""
    out = log_level(asset_path(base), t)
    if quote != "USD":
        out = out - log_level(asset_path(quote), t)
    return out


def pair_daily_vol(base: str, quote: str) -> float:
    vb = ASSETS_BY_SYMBOL[base].daily_vol
    vq = ASSETS_BY_SYMBOL[quote].daily_vol
    return float(np.hypot(vb, vq))


@cache
def spot_model(inst: SpotInstrument) -> TradeModel:
    """The candle model of a spot pair: reference pair price times a small venue basis."""
    base_path = asset_path(inst.base)

    def log_price(t: np.ndarray) -> np.ndarray:
        wobble = slow_noise(inst.key + "|basis", t, BASIS_WOBBLE, 11 * DAY)
        return pair_log_price(inst.base, inst.quote, t) + inst.basis + wobble

    def log_base_usd(t: np.ndarray) -> np.ndarray:
        return log_level(base_path, t)

    return TradeModel(
        key=inst.key,
        first_trade_ts=inst.first_trade_ts,
        retired_ts=inst.retired_ts,
        daily_volume_usd=inst.daily_volume_usd,
        trade_size_usd=inst.trade_size_usd,
        fill_minute=inst.fill_minute,
        fill_hour=inst.fill_hour,
        daily_vol=pair_daily_vol(inst.base, inst.quote),
        log_price=log_price,
        log_base_usd=log_base_usd,
    )


YEAR = 31_557_600


@cache
def futures_model(inst: FuturesInstrument) -> TradeModel:
    """A futures contract trades at the reference pair price plus basis and, if dated, carry."""
    base_path = asset_path(inst.base)
    carry = 0.04 + 0.08 * unit_float("carry", inst.key)

    def log_price(t: np.ndarray) -> np.ndarray:
        out = pair_log_price(inst.base, inst.quote, t) + inst.basis
        out = out + slow_noise(inst.key + "|basis", t, BASIS_WOBBLE, 3 * DAY)
        if inst.expiry_ts is not None:
            out = out + carry * np.maximum(inst.expiry_ts - t, 0) / YEAR
        return out

    def log_base_usd(t: np.ndarray) -> np.ndarray:
        return log_level(base_path, t)

    return TradeModel(
        key=inst.key,
        first_trade_ts=inst.first_trade_ts,
        retired_ts=inst.end_ts,
        daily_volume_usd=inst.daily_volume_usd,
        trade_size_usd=inst.trade_size_usd,
        fill_minute=inst.fill_minute,
        fill_hour=inst.fill_hour,
        daily_vol=pair_daily_vol(inst.base, inst.quote),
        log_price=log_price,
        log_base_usd=log_base_usd,
    )


def funding_rate(inst: FuturesInstrument, t: np.ndarray) -> np.ndarray:
    """Funding rate per interval: mostly the 0.01%/8h baseline, with slow regimes and noise."""
    scale = inst.funding_interval_ms / 28_800_000
    raw = (
        1.0
        + 1.4 * slow_noise(inst.key + "|fr-regime", t, 1.0, 5 * DAY)
        + 0.5 * slow_noise(inst.key + "|fr-hours", t, 1.0, 8 * 3600)
        + 0.15 * slow_noise(inst.key + "|fr-minutes", t, 1.0, 1200)
    )
    return np.clip(raw * 0.0001 * scale, -0.003, 0.003)


def open_interest(inst: FuturesInstrument, t: np.ndarray) -> np.ndarray:
    """Open interest in settlement (base) units: slow swings around the instrument's level."""
    noise = (
        slow_noise(inst.key + "|oi-month", t, 0.35, 30 * DAY)
        + slow_noise(inst.key + "|oi-days", t, 0.12, 3 * DAY)
        + slow_noise(inst.key + "|oi-hours", t, 0.03, 4 * 3600)
        + slow_noise(inst.key + "|oi-minutes", t, 0.004, 600)
    )
    return inst.oi_level * np.exp(noise)
