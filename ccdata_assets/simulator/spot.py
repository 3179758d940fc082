"""Spot endpoints: ``/spot/v1/historical/{days,hours,minutes}``, ``/spot/v1/markets`` and
``/spot/v1/markets/instruments``. Pure functions from (query, now) to body bytes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ccdata_assets.simulator import jsonrows as jr
from ccdata_assets.simulator.candles import UNIT_NAMES, build_candles
from ccdata_assets.simulator.errors import (
    ApiError,
    dumps,
    instrument_not_found,
    market_not_found,
)
from ccdata_assets.simulator.faults import corrupt_overrides
from ccdata_assets.simulator.models import spot_model
from ccdata_assets.simulator.params import parse_history, parse_list
from ccdata_assets.simulator.rows import (
    OHLC_KEYS,
    OHLC_TRADE_KEYS,
    TRADE_KEYS,
    VOLUME_KEYS,
    assemble,
    candle_fields,
    select,
)
from ccdata_assets.simulator.universe import SpotInstrument, get_universe

SPOT_GROUPS = ("ID", "MAPPING", "MAPPING_ADVANCED", "OHLC", "OHLC_TRADE", "TRADE", "VOLUME")
SPOT_LAYOUT: tuple[tuple[str, str | None], ...] = (
    ("UNIT", None),
    ("TIMESTAMP", None),
    ("TYPE", "ID"),
    ("MARKET", "ID"),
    ("INSTRUMENT", "ID"),
    ("MAPPED_INSTRUMENT", "MAPPING"),
    ("BASE", "MAPPING"),
    ("QUOTE", "MAPPING"),
    ("BASE_ID", "MAPPING_ADVANCED"),
    ("QUOTE_ID", "MAPPING_ADVANCED"),
    ("TRANSFORM_FUNCTION", "MAPPING_ADVANCED"),
    *((k, "OHLC") for k in OHLC_KEYS),
    *((k, "OHLC_TRADE") for k in OHLC_TRADE_KEYS),
    *((k, "TRADE") for k in TRADE_KEYS),
    *((k, "VOLUME") for k in VOLUME_KEYS),
)
INSTRUMENT_STATUSES = (
    "ACTIVE",
    "IGNORED",
    "RETIRED",
    "EXPIRED",
    "READY_FOR_DECOMMISSIONING",
    "RETIRED_UNMAPPED",
)
MARKETS_PATH = "/spot/v1/markets"
INSTRUMENTS_PATH = "/spot/v1/markets/instruments"


def visible_spot(market: str, instrument: str, now: int) -> SpotInstrument:
    """The instrument a request names, or the real API's 404 for market/instrument."""
    universe = get_universe()
    if market not in universe.spot_by_market:
        raise market_not_found(market, "TRADE_SPOT", MARKETS_PATH)
    inst = universe.find_spot(market, instrument)
    if inst is None or inst.status_at(now) is None:
        raise instrument_not_found(market, instrument, INSTRUMENTS_PATH)
    return inst


def page_starts(first_data_ts: int, to_ts: int, cutoff: int, unit: int, limit: int) -> np.ndarray:
    """Bucket starts of a page: the last ``limit`` buckets up to and including to_ts's bucket,
    clipped to the first data bucket and to the bucket holding ``cutoff``. Caller checks 404."""
    last = (min(to_ts, cutoff) // unit) * unit
    first = (first_data_ts // unit) * unit
    start = max(first, last - (limit - 1) * unit)
    return np.arange(start, last + unit, unit, dtype=np.int64)


def spot_history(query: Mapping[str, str], unit: int, now: int, corrupt_every: int = 0) -> bytes:
    """Body bytes of one spot OHLCV request."""
    q = parse_history(query, unit, SPOT_GROUPS)
    inst = visible_spot(q.market, q.instrument, now)
    model = spot_model(inst)
    to_ts = now if q.to_ts is None else q.to_ts
    if (to_ts // unit) * unit < (inst.first_trade_ts // unit) * unit:
        raise ApiError(
            404,
            f"Invalid: to_ts parameter. The requested to_ts {to_ts} is before the "
            f"FIRST_TRADE_SPOT_TIMESTAMP ({inst.first_trade_ts}) of {inst.mapped} on {inst.market}. "
            "There is no data before the first trade; check FIRST_TRADE_SPOT_TIMESTAMP on "
            f"the {INSTRUMENTS_PATH} endpoint.",
            {
                "param": "to_ts",
                "values": [to_ts],
                "first": inst.first_trade_ts,
                "instrument_status": inst.status_at(now),
            },
        )
    starts = page_starts(inst.first_trade_ts, to_ts, model.cutoff(now), unit, q.limit)
    candles = build_candles(model, unit, starts, now)
    if not q.fill:
        candles = select(candles, candles.traded)
    n = candles.ts.size
    available = candle_fields(candles, inst.side_unknown)
    available.update(
        {
            "UNIT": jr.const("UNIT", UNIT_NAMES[unit]),
            "TIMESTAMP": jr.ints("TIMESTAMP", candles.ts),
            "TYPE": jr.const("TYPE", "954"),
            "MARKET": jr.const("MARKET", inst.market),
            "INSTRUMENT": jr.const("INSTRUMENT", inst.instrument),
            "MAPPED_INSTRUMENT": jr.const("MAPPED_INSTRUMENT", inst.mapped),
            "BASE": jr.const("BASE", inst.base),
            "QUOTE": jr.const("QUOTE", inst.quote),
            "BASE_ID": jr.const("BASE_ID", inst.base_id),
            "QUOTE_ID": jr.const("QUOTE_ID", inst.quote_id),
            "TRANSFORM_FUNCTION": jr.const("TRANSFORM_FUNCTION", ""),
        }
    )
    fields = assemble(SPOT_LAYOUT, available, q.groups)
    overrides = corrupt_overrides(fields, candles.ts, unit, corrupt_every, inst.key)
    return jr.encode_rows(n, fields, overrides, prefix=b'{"Data":[', suffix=b'],"Err":{}}')


def _status_counts(insts: list[SpotInstrument], now: int) -> dict[str, int]:
    counts = dict.fromkeys(("ACTIVE", "IGNORED", "RETIRED", "EXPIRED", "RETIRED_UNMAPPED"), 0)
    for inst in insts:
        status = inst.status_at(now)
        if status is not None:
            counts[status] += 1
    return counts


def _market_header(market: str, insts: list[SpotInstrument], now: int) -> dict[str, object]:
    ex = get_universe().exchanges[market]
    visible = [i for i in insts if i.status_at(now) is not None]
    closed = ex.closed is not None and ex.closed <= now
    return {
        "TYPE": "602",
        "EXCHANGE_STATUS": "RETIRED" if closed else "ACTIVE",
        "MAPPED_INSTRUMENTS_TOTAL": len(visible),
        "UNMAPPED_INSTRUMENTS_TOTAL": 0,
        "INSTRUMENT_STATUS": _status_counts(insts, now),
        "TOTAL_TRADES_SPOT": sum(i.total_trades_at(now) for i in visible),
        "HAS_ORDERBOOK_L2_MINUTE_SNAPSHOTS_ENABLED": ex.grade_points >= 60 and not closed,
    }


def _markets(query: Mapping[str, str]) -> list[str]:
    universe = get_universe()
    market = (query.get("market") or "").strip().lower()
    if not market:
        return list(universe.spot_by_market)
    if market not in universe.spot_by_market:
        raise market_not_found(market, "TRADE_SPOT", MARKETS_PATH)
    return [market]


def spot_markets(query: Mapping[str, str], now: int) -> bytes:
    """``/spot/v1/markets``: one summary object per exchange."""
    universe = get_universe()
    data = {
        m: _market_header(m, list(universe.spot_by_market[m].values()), now)
        for m in _markets(query)
    }
    return dumps({"Data": data, "Err": {}})


def instrument_entry(inst: SpotInstrument, now: int) -> dict[str, object]:
    """One ``instruments`` entry, as in the docs sample."""
    return {
        "TYPE": "612",
        "INSTRUMENT_STATUS": inst.status_at(now),
        "INSTRUMENT": inst.instrument,
        "HISTO_SHARD": inst.histo_shard,
        "MAPPED_INSTRUMENT": inst.mapped,
        "INSTRUMENT_MAPPING": {
            "MAPPED_INSTRUMENT": inst.mapped,
            "BASE": inst.base,
            "BASE_ID": inst.base_id,
            "QUOTE": inst.quote,
            "QUOTE_ID": inst.quote_id,
            "TRANSFORM_FUNCTION": "",
            "CREATED_ON": inst.mapping_created_on,
        },
        "HAS_TRADES_SPOT": True,
        "FIRST_TRADE_SPOT_TIMESTAMP": inst.first_trade_ts,
        "LAST_TRADE_SPOT_TIMESTAMP": inst.last_trade_at(now),
        "TOTAL_TRADES_SPOT": inst.total_trades_at(now),
    }


def parse_statuses(query: Mapping[str, str]) -> set[str]:
    statuses = [s.upper() for s in parse_list(query, "instrument_status")] or ["ACTIVE"]
    bad = [s for s in statuses if s not in INSTRUMENT_STATUSES]
    if bad:
        raise ApiError(
            400,
            f"Bad request: instrument_status parameter. Values {','.join(bad)} are not valid; "
            f"allowed values are {','.join(INSTRUMENT_STATUSES)}.",
            {"param": "instrument_status", "values": bad},
        )
    return set(statuses)


def spot_instruments(query: Mapping[str, str], now: int) -> bytes:
    """``/spot/v1/markets/instruments``: markets with their instruments, filtered by status."""
    universe = get_universe()
    markets = _markets(query)
    statuses = parse_statuses(query)
    wanted = parse_list(query, "instruments") or parse_list(query, "instrument")
    data: dict[str, object] = {}
    found: set[str] = set()
    for m in markets:
        insts = list(universe.spot_by_market[m].values())
        entries: dict[str, object] = {}
        pool = insts
        if wanted:
            pool = [i for w in wanted if (i := universe.find_spot(m, w)) is not None]
        for inst in pool:
            status = inst.status_at(now)
            if status is None:
                continue
            found.add(inst.mapped)
            found.add(inst.instrument)
            if status in statuses:
                entries[inst.mapped] = instrument_entry(inst, now)
        header = _market_header(m, insts, now)
        header["instruments"] = entries
        data[m] = header
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ApiError(
            404,
            f"Not found: instruments parameter. Values {','.join(missing)} not integrated yet"
            + (f" on {markets[0]}." if len(markets) == 1 else "."),
            {"param": "instruments", "values": missing},
        )
    return dumps({"Data": data, "Err": {}})
