"""Futures OHLCV, funding rate, open interest and futures markets over real HTTP."""

from __future__ import annotations

import itertools

from ccdata_assets.simulator.futures_universe import futures_instruments
from ccdata_assets_tests.support import SIM_NOW as NOW

DAY, HOUR, MINUTE = 86_400, 3_600, 60
FUT = "/futures/v1/historical"
FUNDING = "/futures/v1/historical/funding-rate"
OI = "/futures/v1/historical/open-interest"
PERP = {"market": "binance", "instrument": "BTC-USDT-VANILLA-PERPETUAL"}

_HEAD = [
    "UNIT", "TIMESTAMP", "TYPE", "MARKET", "INSTRUMENT", "MAPPED_INSTRUMENT", "INDEX_UNDERLYING",
    "QUOTE_CURRENCY", "SETTLEMENT_CURRENCY", "CONTRACT_CURRENCY", "DENOMINATION_TYPE",
]  # fmt: skip
OHLCV_KEYS = [
    *_HEAD, "OPEN", "HIGH", "LOW", "CLOSE", "NUMBER_OF_CONTRACTS", "VOLUME", "QUOTE_VOLUME",
    "VOLUME_BUY", "QUOTE_VOLUME_BUY", "VOLUME_SELL", "QUOTE_VOLUME_SELL", "VOLUME_UNKNOWN",
    "QUOTE_VOLUME_UNKNOWN", "TOTAL_TRADES", "TOTAL_TRADES_BUY", "TOTAL_TRADES_SELL",
    "TOTAL_TRADES_UNKNOWN", "FIRST_TRADE_TIMESTAMP", "LAST_TRADE_TIMESTAMP", "FIRST_TRADE_PRICE",
    "HIGH_TRADE_PRICE", "HIGH_TRADE_TIMESTAMP", "LOW_TRADE_PRICE", "LOW_TRADE_TIMESTAMP", "LAST_TRADE_PRICE",
]  # fmt: skip
FUNDING_KEYS = [*_HEAD, "INTERVAL_MS", "OPEN", "HIGH", "LOW", "CLOSE", "TOTAL_FUNDING_RATE_UPDATES"]
OI_KEYS = [
    *_HEAD, "OPEN_SETTLEMENT", "OPEN_MARK_PRICE", "OPEN_QUOTE", "HIGH_SETTLEMENT",
    "HIGH_SETTLEMENT_MARK_PRICE", "HIGH_MARK_PRICE", "HIGH_MARK_PRICE_SETTLEMENT", "HIGH_QUOTE",
    "HIGH_QUOTE_MARK_PRICE", "LOW_SETTLEMENT", "LOW_SETTLEMENT_MARK_PRICE", "LOW_MARK_PRICE",
    "LOW_MARK_PRICE_SETTLEMENT", "LOW_QUOTE", "LOW_QUOTE_MARK_PRICE", "CLOSE_SETTLEMENT",
    "CLOSE_MARK_PRICE", "CLOSE_QUOTE", "TOTAL_OPEN_INTEREST_UPDATES",
]  # fmt: skip
MARKET_KEYS = [
    "ID", "TYPE", "EXCHANGE_STATUS", "EXCHANGE_INTERNAL_NAME", "URI", "MAPPED_INSTRUMENTS_TOTAL",
    "UNMAPPED_INSTRUMENTS_TOTAL", "INSTRUMENT_STATUS", "TOTAL_TRADES_FUTURES", "TOTAL_OPEN_INTEREST_UPDATES",
    "TOTAL_FUNDING_RATE_UPDATES", "HAS_ORDERBOOK_L2_MINUTE_SNAPSHOTS_ENABLED", "CREATED_ON", "UPDATED_ON",
    "NAME", "LOGO_URL", "LAUNCH_DATE", "HAS_SPOT_TRADING", "HAS_FUTURES_TRADING", "HAS_INDEX_PUBLISHING",
    "HAS_OPTIONS_TRADING", "HAS_DEX_TRADING", "EXCHANGE_DESCRIPTION_SNIPPET", "FUTURES_TRADING_LAUNCH_DATE",
    "FUTURES_TRADING_MECHANISMS", "HAS_PERPETUAL_CONTRACTS", "FUTURES_SETTLEMENT_TYPES",
    "FUTURES_DENOMINATION_TYPES", "EXCHANGE_DESCRIPTION", "EXCHANGE_DESCRIPTION_SUMMARY", "WEBSITE_URL",
    "BLOG_URL", "FUTURES_INTEGRATION_COMMENTS", "FUTURES_TRADES_INTEGRATION_STAGE",
    "FUTURES_TRADES_INTEGRATION_DATE", "HAS_FUTURES_TRADES_POLLING_BACKFILL",
    "FUTURES_FUNDING_RATE_INTEGRATION_STAGE", "FUTURES_FUNDING_RATE_INTEGRATION_DATE",
    "FUTURES_OPEN_INTEREST_INTEGRATION_STAGE", "FUTURES_OPEN_INTEREST_INTEGRATION_DATE",
    "FUTURES_INDEX_INTEGRATION_STAGE", "FUTURES_INDEX_INTEGRATION_DATE",
]  # fmt: skip
INSTRUMENT_KEYS = [
    "TYPE", "INSTRUMENT_STATUS", "INSTRUMENT", "HISTO_SHARD", "MAPPED_INSTRUMENT", "INSTRUMENT_MAPPING",
    "HAS_TRADES_FUTURES", "FIRST_TRADE_FUTURES_TIMESTAMP", "LAST_TRADE_FUTURES_TIMESTAMP",
    "TOTAL_TRADES_FUTURES", "HAS_FUNDING_RATE_UPDATES", "FIRST_FUNDING_RATE_UPDATE_TIMESTAMP",
    "LAST_FUNDING_RATE_UPDATE_TIMESTAMP", "TOTAL_FUNDING_RATE_UPDATES", "HAS_OPEN_INTEREST_UPDATES",
    "FIRST_OPEN_INTEREST_UPDATE_TIMESTAMP", "LAST_OPEN_INTEREST_UPDATE_TIMESTAMP",
    "TOTAL_OPEN_INTEREST_UPDATES", "CONTRACT_EXPIRATION_TS",
]  # fmt: skip

EXPIRED = next(
    i
    for i in futures_instruments()
    if i.market == "binance" and i.expiry_ts and i.expiry_ts < NOW - 30 * DAY
)


def test_ohlcv_shape_contracts_and_price_near_spot(get):
    rows = get(f"{FUT}/hours", **PERP, limit=48, to_ts=NOW - DAY).json()["Data"]
    assert len(rows) == 48 and all(list(r) == OHLCV_KEYS for r in rows)
    assert rows[0]["TYPE"] == "914" and rows[0]["INSTRUMENT"] == "BTCUSDT"
    for r in rows:
        assert abs(r["VOLUME"] - r["NUMBER_OF_CONTRACTS"] * 0.001) < 1e-9
        assert r["LOW"] <= min(r["OPEN"], r["CLOSE"]) <= max(r["OPEN"], r["CLOSE"]) <= r["HIGH"]
    spot = get(
        "/spot/v1/historical/hours",
        market="binance",
        instrument="BTC-USDT",
        limit=48,
        to_ts=NOW - DAY,
    )
    for fut, sp in zip(rows, spot.json()["Data"], strict=True):
        assert abs(fut["CLOSE"] / sp["CLOSE"] - 1) < 0.01
    inverse = get(f"{FUT}/days", market="binance", instrument="BTCUSD_PERP", limit=20).json()[
        "Data"
    ]
    for r in inverse:
        assert r["DENOMINATION_TYPE"] == "INVERSE" and r["SETTLEMENT_CURRENCY"] == "BTC"
        assert r["QUOTE_VOLUME"] == r["NUMBER_OF_CONTRACTS"] * 100  # 100 USD contracts
        assert r["QUOTE_VOLUME"] == r["QUOTE_VOLUME_BUY"] + r["QUOTE_VOLUME_SELL"]


def test_expired_contract_stops_at_expiry_and_has_no_funding(get):
    inst = EXPIRED
    params = {"market": inst.market, "instrument": inst.instrument}
    rows = get(f"{FUT}/hours", **params, limit=100, to_ts=NOW).json()["Data"]
    assert rows[-1]["TIMESTAMP"] == inst.expiry_ts // HOUR * HOUR
    assert rows[-1]["LAST_TRADE_TIMESTAMP"] == inst.expiry_ts
    assert get(f"{FUNDING}/hours", **params).status == 404
    listing = get("/futures/v1/markets/instruments", market="binance", instruments=inst.mapped,
                  instrument_status="EXPIRED").json()["Data"]["binance"]["instruments"][inst.mapped]  # fmt: skip
    assert (
        listing["INSTRUMENT_STATUS"] == "EXPIRED"
        and listing["CONTRACT_EXPIRATION_TS"] == inst.expiry_ts
    )
    assert (
        listing["HAS_FUNDING_RATE_UPDATES"] is False
        and listing["FIRST_FUNDING_RATE_UPDATE_TIMESTAMP"] is None
    )


def test_funding_rate_shape_values_and_history_start(get):
    rows = get(
        f"{FUNDING}/days", market="hyperliquid", instrument="BTC", limit=30, to_ts=NOW - DAY
    ).json()["Data"]
    assert len(rows) == 30 and all(list(r) == FUNDING_KEYS for r in rows)
    assert (
        rows[0]["INTERVAL_MS"] == 3_600_000
        and rows[0]["MAPPED_INSTRUMENT"] == "BTC-USDT-QUANTO-PERPETUAL"
    )
    assert rows[0]["SETTLEMENT_CURRENCY"] == "USDC" and rows[0]["TYPE"] == "934"
    for prev, r in itertools.pairwise(rows):
        assert r["OPEN"] == prev["CLOSE"]
        assert r["LOW"] <= min(r["OPEN"], r["CLOSE"]) <= max(r["OPEN"], r["CLOSE"]) <= r["HIGH"]
        assert r["LOW"] >= -0.003 and r["HIGH"] <= 0.003 and r["TOTAL_FUNDING_RATE_UPDATES"] > 100
    first = get("/futures/v1/markets/instruments", market="hyperliquid", instruments="BTC").json()
    first_ts = first["Data"]["hyperliquid"]["instruments"]["BTC-USDT-QUANTO-PERPETUAL"][
        "FIRST_FUNDING_RATE_UPDATE_TIMESTAMP"
    ]
    early = get(
        f"{FUNDING}/hours", market="hyperliquid", instrument="BTC", to_ts=first_ts - 2 * HOUR
    )
    assert early.status == 404
    assert early.json()["Err"]["message"].startswith(
        f"No HOUR entries available on or before {first_ts - 2 * HOUR}"
    )
    assert early.json()["Err"]["other_info"]["first"] == first_ts
    clipped = get(
        f"{FUNDING}/hours",
        market="hyperliquid",
        instrument="BTC",
        limit=50,
        to_ts=first_ts + 9 * HOUR,
    )
    assert len(clipped.json()["Data"]) == 10


def test_funding_and_oi_closes_agree_across_intervals_and_pages_join(get):
    day_end = (NOW - 3 * DAY) // DAY * DAY - 1
    for path in (FUNDING, OI):
        day = get(f"{path}/days", **PERP, limit=1, to_ts=day_end).json()["Data"][0]
        hour = get(f"{path}/hours", **PERP, limit=1, to_ts=day_end).json()["Data"][0]
        minute = get(f"{path}/minutes", **PERP, limit=1, to_ts=day_end).json()["Data"][0]
        key = "CLOSE" if path == FUNDING else "CLOSE_SETTLEMENT"
        assert day[key] == hour[key] == minute[key]
        page1 = get(f"{path}/hours", **PERP, limit=100, to_ts=day_end).json()["Data"]
        page2 = get(f"{path}/hours", **PERP, limit=100, to_ts=page1[0]["TIMESTAMP"] - HOUR).json()[
            "Data"
        ]
        stamps = [r["TIMESTAMP"] for r in page2 + page1]
        assert stamps == list(range(stamps[0], stamps[-1] + HOUR, HOUR))
        assert page1[0]["OPEN" if path == FUNDING else "OPEN_SETTLEMENT"] == page2[-1][key]


def test_open_interest_shape_arithmetic_and_message_groups(get):
    rows = get(f"{OI}/days", **PERP, limit=60, to_ts=NOW - DAY).json()["Data"]
    assert len(rows) == 60 and all(list(r) == OI_KEYS for r in rows)
    for r in rows:
        assert r["TYPE"] == "944"
        for prefix in ("OPEN", "CLOSE"):
            expected = r[f"{prefix}_SETTLEMENT"] * r[f"{prefix}_MARK_PRICE"]
            assert abs(r[f"{prefix}_QUOTE"] / expected - 1) < 1e-9
        assert r["LOW_SETTLEMENT"] <= min(r["OPEN_SETTLEMENT"], r["CLOSE_SETTLEMENT"])
        assert r["HIGH_SETTLEMENT"] >= max(r["OPEN_SETTLEMENT"], r["CLOSE_SETTLEMENT"])
        assert r["LOW_MARK_PRICE"] <= r["HIGH_MARK_PRICE"] and r["LOW_QUOTE"] <= r["HIGH_QUOTE"]
    detailed = get(
        f"{OI}/hours", **PERP, limit=5, to_ts=NOW - DAY, groups="ID,OHLC_MESSAGE,MESSAGE"
    ).json()
    row = detailed["Data"][0]
    assert "OPEN_SETTLEMENT" not in row and "MAPPED_INSTRUMENT" not in row
    assert (
        row["TIMESTAMP"]
        <= row["FIRST_MESSAGE_TIMESTAMP"]
        <= row["LAST_MESSAGE_TIMESTAMP"]
        < row["TIMESTAMP"] + HOUR
    )
    assert (
        row["LOW_MESSAGE_SETTLEMENT"]
        <= row["FIRST_MESSAGE_SETTLEMENT"]
        <= row["HIGH_MESSAGE_SETTLEMENT"]
    )
    assert len(row) == 2 + 3 + 26 + 1


def test_futures_markets_and_instruments_shapes(get):
    markets = get("/futures/v1/markets").json()["Data"]
    assert {"binance", "bybit", "okex", "bitmex", "deribit", "hyperliquid"} <= set(markets)
    assert all(list(m) == MARKET_KEYS for m in markets.values())
    data = get("/futures/v1/markets/instruments", market="binance").json()["Data"]["binance"]
    assert list(data) == [*MARKET_KEYS, "instruments"]
    insts = data["instruments"]
    assert all(list(v) == INSTRUMENT_KEYS for v in insts.values())
    perp = insts["BTC-USDT-VANILLA-PERPETUAL"]
    assert perp["INSTRUMENT"] == "BTCUSDT" and perp["CONTRACT_EXPIRATION_TS"] is None
    assert perp["HAS_FUNDING_RATE_UPDATES"] and perp["HAS_OPEN_INTEREST_UPDATES"]
    assert perp["FIRST_OPEN_INTEREST_UPDATE_TIMESTAMP"] >= 1_643_500_000
    inverse = insts["BTC-USD-INVERSE-PERPETUAL"]["INSTRUMENT_MAPPING"]
    assert (
        inverse["SETTLEMENT_CURRENCY"],
        inverse["CONTRACT_CURRENCY"],
        inverse["INDEX_UNDERLYING_ID"],
    ) == (
        "BTC",
        "USD",
        1,
    )
    assert any(k.endswith("PERPETUAL") for k in insts) and any(
        v["CONTRACT_EXPIRATION_TS"] for v in insts.values()
    )
    assert get("/futures/v1/markets", market="nope").status == 404
