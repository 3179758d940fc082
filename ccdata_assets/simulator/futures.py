"""Futures endpoints: OHLCV, funding rate and open interest history, markets and instruments.

Default field groups reproduce the docs samples' key sets (futures OHLCV without
MAPPING_ADVANCED; funding and open interest without the OHLC_MESSAGE group); asking for groups
explicitly returns exactly those groups.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ccdata_assets.simulator import jsonrows as jr
from ccdata_assets.simulator import series
from ccdata_assets.simulator.candles import UNIT_NAMES, Candles, build_candles
from ccdata_assets.simulator.errors import ApiError, dumps, instrument_not_found, market_not_found
from ccdata_assets.simulator.faults import corrupt_overrides
from ccdata_assets.simulator.futures_universe import (
    VENUES_BY_MARKET,
    FuturesInstrument,
    find_futures,
    futures_by_market,
)
from ccdata_assets.simulator.hashing import unit_float
from ccdata_assets.simulator.models import funding_rate, futures_model, open_interest
from ccdata_assets.simulator.params import HistoryQuery, parse_history, parse_list
from ccdata_assets.simulator.rows import (
    OHLC_KEYS,
    OHLC_TRADE_KEYS,
    TRADE_KEYS,
    VOLUME_KEYS,
    VOLUME_MIN_EXP,
    VOLUME_SIG,
    assemble,
    candle_fields,
    select,
    split_exact,
)
from ccdata_assets.simulator.spot import page_starts, parse_statuses
from ccdata_assets.simulator.universe import get_universe

MARKETS_PATH = "/futures/v1/markets"
INSTRUMENTS_PATH = "/futures/v1/markets/instruments"
MAPPING_KEYS = (
    "MAPPED_INSTRUMENT",
    "INDEX_UNDERLYING",
    "QUOTE_CURRENCY",
    "SETTLEMENT_CURRENCY",
    "CONTRACT_CURRENCY",
    "DENOMINATION_TYPE",
)
MAPPING_ADVANCED_KEYS = (
    "INDEX_UNDERLYING_ID",
    "QUOTE_CURRENCY_ID",
    "SETTLEMENT_CURRENCY_ID",
    "CONTRACT_CURRENCY_ID",
    "TRANSFORM_FUNCTION",
)
_HEAD: tuple[tuple[str, str | None], ...] = (
    ("UNIT", None),
    ("TIMESTAMP", None),
    ("TYPE", "ID"),
    ("MARKET", "ID"),
    ("INSTRUMENT", "ID"),
    *((k, "MAPPING") for k in MAPPING_KEYS),
    *((k, "MAPPING_ADVANCED") for k in MAPPING_ADVANCED_KEYS),
)

OHLCV_GROUPS = ("ID", "MAPPING", "MAPPING_ADVANCED", "OHLC", "OHLC_TRADE", "TRADE", "VOLUME")
OHLCV_DEFAULT = frozenset(OHLCV_GROUPS) - {"MAPPING_ADVANCED"}
OHLCV_LAYOUT = (
    *_HEAD,
    *((k, "OHLC") for k in OHLC_KEYS),
    ("NUMBER_OF_CONTRACTS", "VOLUME"),
    *((k, "VOLUME") for k in VOLUME_KEYS),
    *((k, "TRADE") for k in TRADE_KEYS),
    *((k, "OHLC_TRADE") for k in OHLC_TRADE_KEYS),
)

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
FUNDING_GROUPS = ("ID", "MAPPING", "MAPPING_ADVANCED", "VALUE", "OHLC", "OHLC_MESSAGE", "MESSAGE")
FUNDING_DEFAULT = frozenset({"ID", "MAPPING", "VALUE", "OHLC", "MESSAGE"})
FUNDING_LAYOUT = (
    *_HEAD,
    ("INTERVAL_MS", "VALUE"),
    *((k, "OHLC") for k in OHLC_KEYS),
    *((k, "OHLC_MESSAGE") for k in MESSAGE_KEYS),
    ("TOTAL_FUNDING_RATE_UPDATES", "MESSAGE"),
)

_OI_OHLC = (
    "OPEN_SETTLEMENT", "OPEN_MARK_PRICE", "OPEN_QUOTE",
    "HIGH_SETTLEMENT", "HIGH_SETTLEMENT_MARK_PRICE", "HIGH_MARK_PRICE", "HIGH_MARK_PRICE_SETTLEMENT",
    "HIGH_QUOTE", "HIGH_QUOTE_MARK_PRICE",
    "LOW_SETTLEMENT", "LOW_SETTLEMENT_MARK_PRICE", "LOW_MARK_PRICE", "LOW_MARK_PRICE_SETTLEMENT",
    "LOW_QUOTE", "LOW_QUOTE_MARK_PRICE",
    "CLOSE_SETTLEMENT", "CLOSE_MARK_PRICE", "CLOSE_QUOTE",
)  # fmt: skip
_OI_MESSAGE = (
    "FIRST_MESSAGE_TIMESTAMP", "FIRST_MESSAGE_SETTLEMENT", "FIRST_MESSAGE_MARK_PRICE", "FIRST_MESSAGE_QUOTE",
    "HIGH_MESSAGE_SETTLEMENT", "HIGH_MESSAGE_SETTLEMENT_MARK_PRICE", "HIGH_MESSAGE_SETTLEMENT_TIMESTAMP",
    "HIGH_MESSAGE_MARK_PRICE", "HIGH_MESSAGE_MARK_PRICE_SETTLEMENT", "HIGH_MESSAGE_MARK_PRICE_TIMESTAMP",
    "HIGH_MESSAGE_QUOTE", "HIGH_MESSAGE_QUOTE_MARK_PRICE", "HIGH_MESSAGE_QUOTE_TIMESTAMP",
    "LOW_MESSAGE_SETTLEMENT", "LOW_MESSAGE_SETTLEMENT_MARK_PRICE", "LOW_MESSAGE_SETTLEMENT_TIMESTAMP",
    "LOW_MESSAGE_MARK_PRICE", "LOW_MESSAGE_MARK_PRICE_SETTLEMENT", "LOW_MESSAGE_MARK_PRICE_TIMESTAMP",
    "LOW_MESSAGE_QUOTE", "LOW_MESSAGE_QUOTE_MARK_PRICE", "LOW_MESSAGE_QUOTE_TIMESTAMP",
    "LAST_MESSAGE_TIMESTAMP", "LAST_MESSAGE_SETTLEMENT", "LAST_MESSAGE_MARK_PRICE", "LAST_MESSAGE_QUOTE",
)  # fmt: skip
OI_GROUPS = ("ID", "MAPPING", "MAPPING_ADVANCED", "OHLC", "OHLC_MESSAGE", "MESSAGE")
OI_DEFAULT = frozenset({"ID", "MAPPING", "OHLC", "MESSAGE"})
OI_LAYOUT = (
    *_HEAD,
    *((k, "OHLC") for k in _OI_OHLC),
    *((k, "OHLC_MESSAGE") for k in _OI_MESSAGE),
    ("TOTAL_OPEN_INTEREST_UPDATES", "MESSAGE"),
)
ENVELOPE = (b'{"Data":[', b'],"Err":{}}')


def visible_futures(market: str, instrument: str, now: int) -> FuturesInstrument:
    if market not in VENUES_BY_MARKET:
        raise market_not_found(market, "FUTURES", MARKETS_PATH)
    inst = find_futures(market, instrument)
    if inst is None or inst.status_at(now) is None:
        raise instrument_not_found(market, instrument, INSTRUMENTS_PATH)
    return inst


def _head_fields(
    inst: FuturesInstrument, unit: int, ts: np.ndarray, type_code: str
) -> dict[str, jr.Field]:
    values: dict[str, object] = {
        "UNIT": UNIT_NAMES[unit],
        "TYPE": type_code,
        "MARKET": inst.market,
        "INSTRUMENT": inst.instrument,
        "MAPPED_INSTRUMENT": inst.mapped,
        "INDEX_UNDERLYING": inst.base,
        "QUOTE_CURRENCY": inst.quote,
        "SETTLEMENT_CURRENCY": inst.settlement,
        "CONTRACT_CURRENCY": inst.contract_currency,
        "DENOMINATION_TYPE": inst.denomination,
        **inst.ids(),
        "TRANSFORM_FUNCTION": "",
    }
    out = {k: jr.const(k, v) for k, v in values.items()}
    out["TIMESTAMP"] = jr.ints("TIMESTAMP", ts)
    return out


def _groups(q: HistoryQuery, default: frozenset[str]) -> frozenset[str]:
    return q.groups if q.groups is not None else default


def _not_before(inst: FuturesInstrument, to_ts: int, first: int, unit: int, what: str) -> None:
    if (to_ts // unit) * unit < (first // unit) * unit:
        raise ApiError(
            404,
            f"No {UNIT_NAMES[unit]} entries available on or before {to_ts}. The first {what} "
            f"for {inst.mapped} on {inst.market} is at {first}.",
            {"param": "to_ts", "values": [to_ts], "first": first},
        )


def _contract_volumes(c: Candles, inst: FuturesInstrument) -> dict[str, jr.Field]:
    """VOLUME (base/settlement coin), QUOTE_VOLUME and NUMBER_OF_CONTRACTS from whole contracts."""
    traded = c.traded
    vwap = np.where(traded, c.quote_volume / np.where(c.volume > 0, c.volume, 1.0), 1.0)
    size_exp = round(float(np.log10(inst.contract_size)))
    if inst.denomination == "INVERSE":
        contracts = np.where(
            traded, np.maximum(1, np.rint(c.volume_usd / inst.contract_size)), 0
        ).astype(np.int64)
        qm, qe = contracts * int(inst.contract_size), np.zeros_like(contracts)
        vm, ve = jr.quantize(np.where(traded, qm / vwap, 0.0), VOLUME_SIG, VOLUME_MIN_EXP)
    else:
        contracts = np.where(
            traded, np.maximum(1, np.rint(c.volume / inst.contract_size)), 0
        ).astype(np.int64)
        vm, ve = contracts, np.full_like(contracts, size_exp)
        qm, qe = jr.quantize(
            np.where(traded, contracts * inst.contract_size * vwap, 0.0), VOLUME_SIG, -4
        )
    out = {"NUMBER_OF_CONTRACTS": jr.ints("NUMBER_OF_CONTRACTS", contracts)}
    for name, m, e in (("VOLUME", vm, ve), ("QUOTE_VOLUME", qm, qe)):
        b, s, u = split_exact(m, c.buy_share, False)
        out[name] = jr.exact(name, m, e)
        buy_key = "VOLUME_BUY" if name == "VOLUME" else "QUOTE_VOLUME_BUY"
        out[buy_key] = jr.exact(buy_key, b, e)
        out[buy_key.replace("BUY", "SELL")] = jr.exact(buy_key.replace("BUY", "SELL"), s, e)
        out[buy_key.replace("BUY", "UNKNOWN")] = jr.exact(buy_key.replace("BUY", "UNKNOWN"), u, e)
    return out


def futures_history(query: Mapping[str, str], unit: int, now: int, corrupt_every: int = 0) -> bytes:
    """``/futures/v1/historical/{days,hours,minutes}``."""
    q = parse_history(query, unit, OHLCV_GROUPS)
    inst = visible_futures(q.market, q.instrument, now)
    to_ts = now if q.to_ts is None else q.to_ts
    if (to_ts // unit) * unit < (inst.first_trade_ts // unit) * unit:
        raise ApiError(
            404,
            f"Invalid: to_ts parameter. The requested to_ts {to_ts} is before the "
            f"FIRST_TRADE_FUTURES_TIMESTAMP ({inst.first_trade_ts}) of {inst.mapped} on {inst.market}.",
            {"param": "to_ts", "values": [to_ts], "first": inst.first_trade_ts},
        )
    starts = page_starts(inst.first_trade_ts, to_ts, inst.cutoff(now), unit, q.limit)
    candles = build_candles(futures_model(inst), unit, starts, now)
    if not q.fill:
        candles = select(candles, candles.traded)
    available = candle_fields(candles, side_unknown=False)
    available.update(_contract_volumes(candles, inst))
    available.update(_head_fields(inst, unit, candles.ts, "914"))
    fields = assemble(OHLCV_LAYOUT, available, _groups(q, OHLCV_DEFAULT))
    overrides = corrupt_overrides(fields, candles.ts, unit, corrupt_every, inst.key)
    return jr.encode_rows(candles.ts.size, fields, overrides, *ENVELOPE)


def funding_history(query: Mapping[str, str], unit: int, now: int, corrupt_every: int = 0) -> bytes:
    """``/futures/v1/historical/funding-rate/{days,hours,minutes}`` (perpetuals only)."""
    q = parse_history(query, unit, FUNDING_GROUPS)
    inst = visible_futures(q.market, q.instrument, now)
    if inst.funding_first_ts is None:
        raise ApiError(
            404,
            f"Not found: instrument parameter. {inst.mapped} on {inst.market} has no funding rate "
            "updates (HAS_FUNDING_RATE_UPDATES is false).",
            {"param": "instrument", "values": [q.instrument]},
        )
    to_ts = now if q.to_ts is None else q.to_ts
    first = inst.funding_first_ts
    _not_before(inst, to_ts, first, unit, "funding rate update")
    starts = page_starts(first, to_ts, inst.cutoff(now), unit, q.limit)
    g = series.grid(starts, unit, first, inst.cutoff(now), inst.key + "|fr")
    o = series.ohlc(series.evaluate(g, lambda t: funding_rate(inst, t)), g)
    available = _head_fields(inst, unit, starts, "934")
    available["INTERVAL_MS"] = jr.const("INTERVAL_MS", inst.funding_interval_ms)
    sig, min_exp = 6, -10
    for key, values in (("OPEN", o.open), ("HIGH", o.high), ("LOW", o.low), ("CLOSE", o.close)):
        available[key] = jr.decimals(key, values, sig, min_exp)
    for key, values in (("FIRST_MESSAGE_VALUE", o.first_v), ("HIGH_MESSAGE_VALUE", o.high_v)):
        available[key] = jr.decimals(key, values, sig, min_exp)
    for key, values in (("LOW_MESSAGE_VALUE", o.low_v), ("LAST_MESSAGE_VALUE", o.last_v)):
        available[key] = jr.decimals(key, values, sig, min_exp)
    for key, stamps in (
        ("FIRST_MESSAGE_TIMESTAMP", o.first_t),
        ("LAST_MESSAGE_TIMESTAMP", o.last_t),
        ("HIGH_MESSAGE_TIMESTAMP", o.high_t),
        ("LOW_MESSAGE_TIMESTAMP", o.low_t),
    ):
        available[key] = jr.ints(key, stamps)
    counts = series.update_counts(inst.key + "|fr", unit, g, inst.funding_updates_per_day())
    available["TOTAL_FUNDING_RATE_UPDATES"] = jr.ints("TOTAL_FUNDING_RATE_UPDATES", counts)
    fields = assemble(FUNDING_LAYOUT, available, _groups(q, FUNDING_DEFAULT))
    overrides = corrupt_overrides(fields, starts, unit, corrupt_every, inst.key + "|fr")
    return jr.encode_rows(starts.size, fields, overrides, *ENVELOPE)


def _pick(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return values[np.arange(values.shape[0]), idx]


def open_interest_history(
    query: Mapping[str, str], unit: int, now: int, corrupt_every: int = 0
) -> bytes:
    """``/futures/v1/historical/open-interest/{days,hours,minutes}``."""
    q = parse_history(query, unit, OI_GROUPS)
    inst = visible_futures(q.market, q.instrument, now)
    if inst.oi_first_ts is None:
        raise ApiError(
            404,
            f"Not found: instrument parameter. {inst.mapped} on {inst.market} has no open interest "
            "updates (HAS_OPEN_INTEREST_UPDATES is false).",
            {"param": "instrument", "values": [q.instrument]},
        )
    to_ts = now if q.to_ts is None else q.to_ts
    first = inst.oi_first_ts
    _not_before(inst, to_ts, first, unit, "open interest update")
    cutoff = inst.cutoff(now)
    starts = page_starts(first, to_ts, cutoff, unit, q.limit)
    g = series.grid(starts, unit, first, cutoff, inst.key + "|oi")
    settle = series.evaluate(g, lambda t: open_interest(inst, t))
    log_price = futures_model(inst).log_price
    mark = series.evaluate(g, lambda t: np.exp(log_price(t)))
    settle = jr.to_float(*jr.quantize(settle, 10, -3))  # serve what the exchange reports
    mark = jr.to_float(*jr.quantize(mark, 10, -8))
    quote = settle * mark
    available = _head_fields(inst, unit, starts, "944")
    cols = {"SETTLEMENT": settle, "MARK_PRICE": mark, "QUOTE": quote}
    sig = {"SETTLEMENT": 10, "MARK_PRICE": 10, "QUOTE": 14}
    min_exp = {"SETTLEMENT": -3, "MARK_PRICE": -8, "QUOTE": -4}

    def dec(key: str, kind: str, values: np.ndarray) -> None:
        available[key] = jr.decimals(key, values, sig[kind], min_exp[kind])

    for kind, values in cols.items():
        dec(f"OPEN_{kind}", kind, values[:, 0])
        dec(f"CLOSE_{kind}", kind, values[:, -1])
        dec(f"FIRST_MESSAGE_{kind}", kind, values[:, 1])
        dec(f"LAST_MESSAGE_{kind}", kind, values[:, -1])
    available["FIRST_MESSAGE_TIMESTAMP"] = jr.ints("FIRST_MESSAGE_TIMESTAMP", g.times[:, 1])
    available["LAST_MESSAGE_TIMESTAMP"] = jr.ints("LAST_MESSAGE_TIMESTAMP", g.times[:, -1])
    others = {
        "SETTLEMENT": ("MARK_PRICE",),
        "MARK_PRICE": ("SETTLEMENT",),
        "QUOTE": ("MARK_PRICE",),
    }
    for kind, values in cols.items():
        for side, pick in (("HIGH", np.argmax), ("LOW", np.argmin)):
            all_i = pick(values, axis=1)  # OHLC extremes include the open (previous close)
            msg_i = pick(values[:, 1:], axis=1) + 1  # message extremes are inside the bucket
            dec(f"{side}_{kind}", kind, _pick(values, all_i))
            dec(f"{side}_MESSAGE_{kind}", kind, _pick(values, msg_i))
            available[f"{side}_MESSAGE_{kind}_TIMESTAMP"] = jr.ints(
                f"{side}_MESSAGE_{kind}_TIMESTAMP", _pick(g.times, msg_i)
            )
            for other in others[kind]:
                dec(f"{side}_{kind}_{other}", other, _pick(cols[other], all_i))
                dec(f"{side}_MESSAGE_{kind}_{other}", other, _pick(cols[other], msg_i))
    counts = series.update_counts(inst.key + "|oi", unit, g, inst.oi_updates_per_day())
    available["TOTAL_OPEN_INTEREST_UPDATES"] = jr.ints("TOTAL_OPEN_INTEREST_UPDATES", counts)
    fields = assemble(OI_LAYOUT, available, _groups(q, OI_DEFAULT))
    overrides = corrupt_overrides(fields, starts, unit, corrupt_every, inst.key + "|oi")
    return jr.encode_rows(starts.size, fields, overrides, *ENVELOPE)


def _status_counts(insts: list[FuturesInstrument], now: int) -> dict[str, int]:
    counts = dict.fromkeys(("ACTIVE", "IGNORED", "RETIRED", "EXPIRED", "RETIRED_UNMAPPED"), 0)
    for inst in insts:
        status = inst.status_at(now)
        if status is not None:
            counts[status] += 1
    return counts


def _stage(market: str, what: str) -> str:
    return "IN_PRODUCTION" if unit_float("stage", market, what) < 0.8 else "BACKLOG"


def market_header(market: str, now: int) -> dict[str, object]:
    """The futures market object, with the key set of the docs sample (binance)."""
    venue = VENUES_BY_MARKET[market]
    insts = list(futures_by_market()[market].values())
    visible = [i for i in insts if i.status_at(now) is not None]
    spot_ex = get_universe().exchanges.get(venue.spot_market or "")
    denominations = sorted({i.denomination for i in insts})
    integration = max(venue.launch, 1_640_995_200)
    return {
        "ID": venue.exchange_id,
        "TYPE": "604",
        "EXCHANGE_STATUS": "ACTIVE",
        "EXCHANGE_INTERNAL_NAME": market,
        "URI": market,
        "MAPPED_INSTRUMENTS_TOTAL": len(visible),
        "UNMAPPED_INSTRUMENTS_TOTAL": 0,
        "INSTRUMENT_STATUS": _status_counts(insts, now),
        "TOTAL_TRADES_FUTURES": sum(i.total_trades_at(now) for i in visible),
        "TOTAL_OPEN_INTEREST_UPDATES": sum(
            int(i.oi_updates_per_day() * max(0, i.cutoff(now) - i.oi_first_ts) / 86_400)
            for i in visible
            if i.oi_first_ts is not None
        ),
        "TOTAL_FUNDING_RATE_UPDATES": sum(
            int(i.funding_updates_per_day() * max(0, i.cutoff(now) - i.funding_first_ts) / 86_400)
            for i in visible
            if i.funding_first_ts is not None
        ),
        "HAS_ORDERBOOK_L2_MINUTE_SNAPSHOTS_ENABLED": venue.size >= 0.1,
        "CREATED_ON": 1_709_305_140 + venue.exchange_id * 3600,
        "UPDATED_ON": now - now % 3600,
        "NAME": venue.name,
        "LOGO_URL": f"https://resources.cryptocompare.com/exchange-management/{venue.exchange_id}/logo.png",
        "LAUNCH_DATE": spot_ex.launch if spot_ex is not None else venue.launch,
        "HAS_SPOT_TRADING": spot_ex is not None,
        "HAS_FUTURES_TRADING": True,
        "HAS_INDEX_PUBLISHING": venue.size >= 0.3,
        "HAS_OPTIONS_TRADING": market in ("binance", "okex", "deribit", "bybit"),
        "HAS_DEX_TRADING": market == "hyperliquid",
        "EXCHANGE_DESCRIPTION_SNIPPET": f"{venue.name} offers perpetual and dated crypto futures (simulated profile).",
        "FUTURES_TRADING_LAUNCH_DATE": venue.launch,
        "FUTURES_TRADING_MECHANISMS": [{"NAME": "ORDER_BOOK"}],
        "HAS_PERPETUAL_CONTRACTS": True,
        "FUTURES_SETTLEMENT_TYPES": [{"NAME": "CASH_SETTLEMENT"}],
        "FUTURES_DENOMINATION_TYPES": [{"NAME": d} for d in denominations],
        "EXCHANGE_DESCRIPTION": f"## {venue.name}\n{venue.name} is a simulated derivatives venue.",
        "EXCHANGE_DESCRIPTION_SUMMARY": f"{venue.name} derivatives venue (simulated).",
        "WEBSITE_URL": f"https://www.{market}.com",
        "BLOG_URL": f"https://www.{market}.com/blog",
        "FUTURES_INTEGRATION_COMMENTS": "",
        "FUTURES_TRADES_INTEGRATION_STAGE": "IN_PRODUCTION",
        "FUTURES_TRADES_INTEGRATION_DATE": integration,
        "HAS_FUTURES_TRADES_POLLING_BACKFILL": False,
        "FUTURES_FUNDING_RATE_INTEGRATION_STAGE": "IN_PRODUCTION",
        "FUTURES_FUNDING_RATE_INTEGRATION_DATE": integration,
        "FUTURES_OPEN_INTEREST_INTEGRATION_STAGE": "IN_PRODUCTION",
        "FUTURES_OPEN_INTEREST_INTEGRATION_DATE": max(integration, venue.oi_start),
        "FUTURES_INDEX_INTEGRATION_STAGE": _stage(market, "index"),
        "FUTURES_INDEX_INTEGRATION_DATE": integration,
    }


def instrument_entry(inst: FuturesInstrument, now: int) -> dict[str, object]:
    cutoff = inst.cutoff(now)
    has_fr = inst.funding_first_ts is not None
    has_oi = inst.oi_first_ts is not None
    lag = int(30 * unit_float("lag", inst.key))
    last_trade = (
        cutoff
        if inst.end_ts is not None and inst.end_ts <= now
        else max(inst.first_trade_ts, now - lag)
    )
    ids = inst.ids()
    return {
        "TYPE": "614",
        "INSTRUMENT_STATUS": inst.status_at(now),
        "INSTRUMENT": inst.instrument,
        "HISTO_SHARD": inst.histo_shard,
        "MAPPED_INSTRUMENT": inst.mapped,
        "INSTRUMENT_MAPPING": {
            "MAPPED_INSTRUMENT": inst.mapped,
            "INDEX_UNDERLYING": inst.base,
            "INDEX_UNDERLYING_ID": ids["INDEX_UNDERLYING_ID"],
            "QUOTE_CURRENCY": inst.quote,
            "QUOTE_CURRENCY_ID": ids["QUOTE_CURRENCY_ID"],
            "SETTLEMENT_CURRENCY": inst.settlement,
            "SETTLEMENT_CURRENCY_ID": ids["SETTLEMENT_CURRENCY_ID"],
            "CONTRACT_CURRENCY": inst.contract_currency,
            "CONTRACT_CURRENCY_ID": ids["CONTRACT_CURRENCY_ID"],
            "DENOMINATION_TYPE": inst.denomination,
            "TRANSFORM_FUNCTION": "",
            "CREATED_ON": inst.mapping_created_on,
        },
        "HAS_TRADES_FUTURES": True,
        "FIRST_TRADE_FUTURES_TIMESTAMP": inst.first_trade_ts,
        "LAST_TRADE_FUTURES_TIMESTAMP": last_trade,
        "TOTAL_TRADES_FUTURES": inst.total_trades_at(now),
        "HAS_FUNDING_RATE_UPDATES": has_fr,
        "FIRST_FUNDING_RATE_UPDATE_TIMESTAMP": inst.funding_first_ts,
        "LAST_FUNDING_RATE_UPDATE_TIMESTAMP": last_trade if has_fr else None,
        "TOTAL_FUNDING_RATE_UPDATES": (
            int(
                inst.funding_updates_per_day()
                * max(0, cutoff - (inst.funding_first_ts or cutoff))
                / 86_400
            )
        ),
        "HAS_OPEN_INTEREST_UPDATES": has_oi,
        "FIRST_OPEN_INTEREST_UPDATE_TIMESTAMP": inst.oi_first_ts,
        "LAST_OPEN_INTEREST_UPDATE_TIMESTAMP": last_trade if has_oi else None,
        "TOTAL_OPEN_INTEREST_UPDATES": (
            int(inst.oi_updates_per_day() * max(0, cutoff - (inst.oi_first_ts or cutoff)) / 86_400)
        ),
        "CONTRACT_EXPIRATION_TS": inst.expiry_ts,
    }


def _markets(query: Mapping[str, str]) -> list[str]:
    market = (query.get("market") or "").strip().lower()
    if not market:
        return list(VENUES_BY_MARKET)
    if market not in VENUES_BY_MARKET:
        raise market_not_found(market, "FUTURES", MARKETS_PATH)
    return [market]


def futures_markets(query: Mapping[str, str], now: int) -> bytes:
    """``/futures/v1/markets``."""
    return dumps({"Data": {m: market_header(m, now) for m in _markets(query)}, "Err": {}})


def futures_instruments_endpoint(query: Mapping[str, str], now: int) -> bytes:
    """``/futures/v1/markets/instruments`` filtered by status and optional instrument list."""
    markets = _markets(query)
    statuses = parse_statuses(query)
    wanted = parse_list(query, "instruments") or parse_list(query, "instrument")
    data: dict[str, object] = {}
    found: set[str] = set()
    for m in markets:
        pool = list(futures_by_market()[m].values())
        if wanted:
            pool = [i for w in wanted if (i := find_futures(m, w)) is not None]
        entries: dict[str, object] = {}
        for inst in pool:
            status = inst.status_at(now)
            if status is None:
                continue
            found.update((inst.mapped, inst.instrument))
            if status in statuses:
                entries[inst.mapped] = instrument_entry(inst, now)
        header = market_header(m, now)
        header["instruments"] = entries
        data[m] = header
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ApiError(
            404,
            f"Not found: instruments parameter. Values {','.join(missing)} not integrated yet.",
            {"param": "instruments", "values": missing},
        )
    return dumps({"Data": data, "Err": {}})
