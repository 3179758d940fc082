"""Index endpoints: ``/index/cc/v1/historical/{days,hours,minutes}`` and
``/index/cc/v1/markets/instruments`` for the cadli and ccix families.

The instruments listing's field names beyond TOTAL_INDEX_UPDATES were not captured from the
real API; they mirror the spot listing (FIRST/LAST_INDEX_UPDATE_TIMESTAMP, INSTRUMENT_MAPPING).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ccdata_assets.simulator import jsonrows as jr
from ccdata_assets.simulator import series
from ccdata_assets.simulator.candles import DAY, UNIT_NAMES
from ccdata_assets.simulator.errors import ApiError, dumps, instrument_not_found, market_not_found
from ccdata_assets.simulator.faults import corrupt_overrides
from ccdata_assets.simulator.hashing import logistic, seed_of
from ccdata_assets.simulator.index_universe import (
    INDEX_MARKETS,
    IndexInstrument,
    asset_ids,
    index_by_market,
)
from ccdata_assets.simulator.models import pair_daily_vol, pair_log_price
from ccdata_assets.simulator.params import parse_history, parse_list
from ccdata_assets.simulator.prices import slow_noise
from ccdata_assets.simulator.rows import OHLC_KEYS, VOLUME_MIN_EXP, VOLUME_SIG, assemble
from ccdata_assets.simulator.spot import page_starts, parse_statuses

INSTRUMENTS_PATH = "/index/cc/v1/markets/instruments"
MARKETS_PATH = "/index/cc/v1/markets"
GROUPS = ("ID", "OHLC", "OHLC_MESSAGE", "MESSAGE", "VOLUME")
MESSAGE_KEYS = (
    "FIRST_MESSAGE_TIMESTAMP",
    "LAST_MESSAGE_TIMESTAMP",
    "FIRST_MESSAGE_VALUE",
    "HIGH_MESSAGE_VALUE",
    "HIGH_MESSAGE_TIMESTAMP",
    "LOW_MESSAGE_VALUE",
    "LOW_MESSAGE_TIMESTAMP",
    "LAST_MESSAGE_VALUE",
)
INDEX_VOLUME_KEYS = (
    "VOLUME",
    "QUOTE_VOLUME",
    "VOLUME_TOP_TIER",
    "QUOTE_VOLUME_TOP_TIER",
    "VOLUME_DIRECT",
    "QUOTE_VOLUME_DIRECT",
    "VOLUME_TOP_TIER_DIRECT",
    "QUOTE_VOLUME_TOP_TIER_DIRECT",
)
LAYOUT: tuple[tuple[str, str | None], ...] = (
    ("UNIT", None),
    ("TIMESTAMP", None),
    ("TYPE", "ID"),
    ("MARKET", "ID"),
    ("INSTRUMENT", "ID"),
    *((k, "OHLC") for k in OHLC_KEYS),
    *((k, "OHLC_MESSAGE") for k in MESSAGE_KEYS),
    ("TOTAL_INDEX_UPDATES", "MESSAGE"),
    *((k, "VOLUME") for k in INDEX_VOLUME_KEYS),
)
TYPE_CODE = "267"
PRICE_SIG = 15


def visible_index(market: str, instrument: str, now: int) -> IndexInstrument:
    if market not in INDEX_MARKETS:
        raise market_not_found(market, "INDEX", MARKETS_PATH)
    inst = index_by_market()[market].get(instrument.upper())
    if inst is None or inst.status_at(now) is None:
        raise instrument_not_found(market, instrument, INSTRUMENTS_PATH)
    return inst


def index_level(inst: IndexInstrument, t: np.ndarray) -> np.ndarray:
    """The index value (reference pair price, no venue basis) at instants ``t``."""
    return np.exp(pair_log_price(inst.base, inst.quote, t))


def index_history(query: Mapping[str, str], unit: int, now: int, corrupt_every: int = 0) -> bytes:
    """One page of index OHLC with message statistics and aggregated volumes."""
    q = parse_history(query, unit, GROUPS)
    inst = visible_index(q.market, q.instrument, now)
    to_ts = now if q.to_ts is None else q.to_ts
    if (to_ts // unit) * unit < (inst.first_ts // unit) * unit:
        raise ApiError(
            404,
            f"No {UNIT_NAMES[unit]} entries available on or before {to_ts}. The first index update "
            f"(FIRST_INDEX_UPDATE_TIMESTAMP) for {inst.instrument} on {inst.market} is at {inst.first_ts}.",
            {"param": "to_ts", "values": [to_ts], "first": inst.first_ts},
        )
    starts = page_starts(inst.first_ts, to_ts, now, unit, q.limit)
    g = series.grid(starts, unit, inst.first_ts, now, inst.key, interior=3)
    values = series.evaluate(g, lambda t: index_level(inst, t))
    o = series.ohlc(values, g)
    bucket = starts // unit
    seed = seed_of(inst.key, "index", unit)
    sigma = pair_daily_vol(inst.base, inst.quote) * np.sqrt((g.span + 1) / DAY)
    # Ticks between samples reach a little beyond the sampled extremes.
    high_v = o.high_v * np.exp(0.35 * sigma * np.abs(logistic(seed ^ 1, bucket)))
    low_v = o.low_v * np.exp(-0.35 * sigma * np.abs(logistic(seed ^ 2, bucket)))
    available: dict[str, jr.Field] = {
        "UNIT": jr.const("UNIT", UNIT_NAMES[unit]),
        "TIMESTAMP": jr.ints("TIMESTAMP", starts),
        "TYPE": jr.const("TYPE", TYPE_CODE),
        "MARKET": jr.const("MARKET", inst.market),
        "INSTRUMENT": jr.const("INSTRUMENT", inst.instrument),
        "OPEN": jr.decimals("OPEN", o.open, PRICE_SIG),
        "HIGH": jr.decimals("HIGH", np.maximum(high_v, o.open), PRICE_SIG),
        "LOW": jr.decimals("LOW", np.minimum(low_v, o.open), PRICE_SIG),
        "CLOSE": jr.decimals("CLOSE", o.close, PRICE_SIG),
        "FIRST_MESSAGE_TIMESTAMP": jr.ints("FIRST_MESSAGE_TIMESTAMP", o.first_t),
        "LAST_MESSAGE_TIMESTAMP": jr.ints("LAST_MESSAGE_TIMESTAMP", o.last_t),
        "FIRST_MESSAGE_VALUE": jr.decimals("FIRST_MESSAGE_VALUE", o.first_v, PRICE_SIG),
        "HIGH_MESSAGE_VALUE": jr.decimals("HIGH_MESSAGE_VALUE", high_v, PRICE_SIG),
        "HIGH_MESSAGE_TIMESTAMP": jr.ints("HIGH_MESSAGE_TIMESTAMP", o.high_t),
        "LOW_MESSAGE_VALUE": jr.decimals("LOW_MESSAGE_VALUE", low_v, PRICE_SIG),
        "LOW_MESSAGE_TIMESTAMP": jr.ints("LOW_MESSAGE_TIMESTAMP", o.low_t),
        "LAST_MESSAGE_VALUE": jr.decimals("LAST_MESSAGE_VALUE", o.last_v, PRICE_SIG),
        "TOTAL_INDEX_UPDATES": jr.ints(
            "TOTAL_INDEX_UPDATES", series.update_counts(inst.key, unit, g, inst.updates_per_day)
        ),
    }
    activity = np.exp(
        slow_noise(inst.key + "|activity", starts, 0.45, 30 * DAY)
        + 0.3 * logistic(seed ^ 3, bucket)
    )
    base_usd = np.exp(pair_log_price(inst.base, "USD", g.times[:, -1]))
    volume = inst.daily_volume_usd * (g.span + 1) / DAY * activity / base_usd
    vwap = (o.open + o.high_v + o.low_v + o.close) / 4.0
    shares = {"": 1.0, "_TOP_TIER": 0.62, "_DIRECT": 0.16, "_TOP_TIER_DIRECT": 0.12}
    for suffix, share in shares.items():
        part = volume * share
        available[f"VOLUME{suffix}"] = jr.decimals(
            f"VOLUME{suffix}", part, VOLUME_SIG, VOLUME_MIN_EXP
        )
        available[f"QUOTE_VOLUME{suffix}"] = jr.decimals(
            f"QUOTE_VOLUME{suffix}", part * vwap, VOLUME_SIG, -8
        )
    fields = assemble(LAYOUT, available, q.groups)
    overrides = corrupt_overrides(fields, starts, unit, corrupt_every, inst.key)
    return jr.encode_rows(starts.size, fields, overrides, b'{"Data":[', b'],"Err":{}}')


def instrument_entry(inst: IndexInstrument, now: int) -> dict[str, object]:
    base_id, quote_id = asset_ids(inst)
    elapsed_days = max(0.0, (now - inst.first_ts) / DAY)
    return {
        "TYPE": "616",
        "INSTRUMENT_STATUS": inst.status_at(now),
        "INSTRUMENT": inst.instrument,
        "HISTO_SHARD": inst.histo_shard,
        "MAPPED_INSTRUMENT": inst.instrument,
        "INSTRUMENT_MAPPING": {
            "MAPPED_INSTRUMENT": inst.instrument,
            "BASE": inst.base,
            "BASE_ID": base_id,
            "QUOTE": inst.quote,
            "QUOTE_ID": quote_id,
            "TRANSFORM_FUNCTION": "",
            "CREATED_ON": inst.mapping_created_on,
        },
        "HAS_INDEX_UPDATES": True,
        "FIRST_INDEX_UPDATE_TIMESTAMP": inst.first_ts,
        "LAST_INDEX_UPDATE_TIMESTAMP": now,
        "TOTAL_INDEX_UPDATES": int(inst.updates_per_day * elapsed_days),
    }


def index_instruments_endpoint(query: Mapping[str, str], now: int) -> bytes:
    """``/index/cc/v1/markets/instruments`` (market optional; instruments filter; status filter)."""
    market = (query.get("market") or "").strip().lower()
    if market and market not in INDEX_MARKETS:
        raise market_not_found(market, "INDEX", MARKETS_PATH)
    markets = [market] if market else list(INDEX_MARKETS)
    statuses = parse_statuses(query)
    wanted = [
        w.upper() for w in parse_list(query, "instruments") or parse_list(query, "instrument")
    ]
    data: dict[str, object] = {}
    found: set[str] = set()
    for m in markets:
        insts = [i for i in index_by_market()[m].values() if i.status_at(now) is not None]
        found.update(i.instrument for i in insts)
        pool = [i for i in insts if not wanted or i.instrument in wanted]
        entries = {
            i.instrument: instrument_entry(i, now) for i in pool if i.status_at(now) in statuses
        }
        data[m] = {
            "TYPE": "608",
            "EXCHANGE_STATUS": "ACTIVE",
            "MAPPED_INSTRUMENTS_TOTAL": len(insts),
            "UNMAPPED_INSTRUMENTS_TOTAL": 0,
            "INSTRUMENT_STATUS": {
                "ACTIVE": len(insts),
                "IGNORED": 0,
                "RETIRED": 0,
                "EXPIRED": 0,
                "RETIRED_UNMAPPED": 0,
            },
            "TOTAL_INDEX_UPDATES": sum(
                int(i.updates_per_day * (now - i.first_ts) / DAY) for i in insts
            ),
            "instruments": entries,
        }
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ApiError(
            404,
            f"Not found: instruments parameter. Values {','.join(missing)} not integrated yet.",
            {"param": "instruments", "values": missing},
        )
    return dumps({"Data": data, "Err": {}})
