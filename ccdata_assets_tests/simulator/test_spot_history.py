"""Spot OHLCV over real HTTP: shape, paging, clipping, fills, the open candle and invariants."""

from __future__ import annotations

import itertools

import pytest

from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets.simulator.universe import SpotInstrument, get_universe
from ccdata_assets_tests.support import SIM_NOW as NOW
from ccdata_assets_tests.support import fetch

DAYS, HOURS, MINUTES = (
    "/spot/v1/historical/days",
    "/spot/v1/historical/hours",
    "/spot/v1/historical/minutes",
)

# Key order and JSON types of the docs sample spot_historical_days__The-TIE.json.
SAMPLE_KEYS = [
    ("UNIT", str), ("TIMESTAMP", int), ("TYPE", str), ("MARKET", str), ("INSTRUMENT", str),
    ("MAPPED_INSTRUMENT", str), ("BASE", str), ("QUOTE", str), ("BASE_ID", int), ("QUOTE_ID", int),
    ("TRANSFORM_FUNCTION", str), ("OPEN", float), ("HIGH", float), ("LOW", float), ("CLOSE", float),
    ("FIRST_TRADE_TIMESTAMP", int), ("LAST_TRADE_TIMESTAMP", int), ("FIRST_TRADE_PRICE", float),
    ("HIGH_TRADE_PRICE", float), ("HIGH_TRADE_TIMESTAMP", int), ("LOW_TRADE_PRICE", float),
    ("LOW_TRADE_TIMESTAMP", int), ("LAST_TRADE_PRICE", float), ("TOTAL_TRADES", int),
    ("TOTAL_TRADES_BUY", int), ("TOTAL_TRADES_SELL", int), ("TOTAL_TRADES_UNKNOWN", int),
    ("VOLUME", float), ("QUOTE_VOLUME", float), ("VOLUME_BUY", float), ("QUOTE_VOLUME_BUY", float),
    ("VOLUME_SELL", float), ("QUOTE_VOLUME_SELL", float), ("VOLUME_UNKNOWN", float),
    ("QUOTE_VOLUME_UNKNOWN", float),
]  # fmt: skip
OHLC_TRADE = {
    "FIRST_TRADE_TIMESTAMP", "LAST_TRADE_TIMESTAMP", "FIRST_TRADE_PRICE", "HIGH_TRADE_PRICE",
    "HIGH_TRADE_TIMESTAMP", "LOW_TRADE_PRICE", "LOW_TRADE_TIMESTAMP", "LAST_TRADE_PRICE",
}  # fmt: skip
DAY, HOUR, MINUTE = 86_400, 3_600, 60


def _pick(predicate) -> SpotInstrument:
    for inst in get_universe().spot:
        if predicate(inst):
            return inst
    raise AssertionError("universe has no instrument for this test")


ILLIQUID = _pick(
    lambda i: (
        i.status_at(NOW) == "ACTIVE" and i.fill_hour > 0.05 and i.first_trade_ts < NOW - 60 * DAY
    )
)
RETIRED = _pick(
    lambda i: (
        i.retired_ts is not None
        and i.retired_ts < NOW - 30 * DAY
        and i.first_trade_ts < i.retired_ts - 200 * DAY
        and i.market not in ("ftx", "bittrex")
    )
)
RECENT = _pick(
    lambda i: NOW - 300 * DAY < i.first_trade_ts < NOW - 40 * DAY and i.retired_ts is None
)


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def test_row_shape_and_types_match_the_docs_sample(get):
    reply = get(DAYS, market="kraken", instrument="BTC-USD", limit=3, to_ts=NOW - 10 * DAY)
    assert reply.status == 200
    body = reply.json()
    assert list(body) == ["Data", "Err"] and body["Err"] == {}
    for row in body["Data"]:
        assert list(row) == [k for k, _ in SAMPLE_KEYS]
        for key, kind in SAMPLE_KEYS:
            assert _number(row[key]) if kind is float else type(row[key]) is kind, key
        assert row["TYPE"] == "954" and row["UNIT"] == "DAY" and row["INSTRUMENT"] == "XXBTZUSD"
        assert (row["MAPPED_INSTRUMENT"], row["BASE_ID"], row["QUOTE_ID"]) == ("BTC-USD", 1, 5)


def test_unmapped_instrument_id_serves_the_same_bytes(get):
    mapped = get(HOURS, market="kraken", instrument="BTC-USD", limit=50, to_ts=NOW - DAY)
    unmapped = get(HOURS, market="Kraken", instrument="XXBTZUSD", limit=50, to_ts=NOW - DAY)
    assert mapped.status == unmapped.status == 200
    assert mapped.body == unmapped.body


@pytest.mark.parametrize(
    ("path", "limit", "status"),
    [(DAYS, 0, 400), (DAYS, 5001, 400), (HOURS, 2001, 400), (MINUTES, 2001, 400), (DAYS, "x", 400),
     (DAYS, 5000, 200), (MINUTES, 2000, 200), (HOURS, 1, 200)],
)  # fmt: skip
def test_limit_bounds(get, path, limit, status):
    reply = get(path, market="bitstamp", instrument="BTC-USD", limit=limit, to_ts=NOW - DAY)
    assert reply.status == status
    if status == 400:
        assert reply.json()["Data"] == {}
        assert reply.json()["Err"]["other_info"]["param"] == "limit"
    else:
        assert len(reply.json()["Data"]) == limit  # exactly limit rows when history allows


def test_default_limit_is_30_and_other_params_are_validated(get):
    assert len(get(DAYS, market="kraken", instrument="BTC-USD").json()["Data"]) == 30
    assert get(DAYS, market="kraken", instrument="BTC-USD", aggregate=2).status == 400
    assert get(DAYS, market="kraken", instrument="BTC-USD", fill="maybe").status == 400
    bad_group = get(DAYS, market="kraken", instrument="BTC-USD", groups="OHLC,NOPE")
    assert bad_group.status == 400 and bad_group.json()["Err"]["other_info"]["param"] == "groups"


def test_groups_select_fields(get):
    rows = get(DAYS, market="kraken", instrument="BTC-USD", limit=2, groups="OHLC,VOLUME").json()[
        "Data"
    ]
    assert set(rows[0]) == {"UNIT", "TIMESTAMP", "OPEN", "HIGH", "LOW", "CLOSE"} | {
        k for k, _ in SAMPLE_KEYS if "VOLUME" in k
    }


def test_unknown_market_and_instrument_are_404_with_param(get):
    market = get(DAYS, market="nosuchmarket", instrument="BTC-USD")
    assert market.status == 404 and market.json()["Err"]["other_info"]["param"] == "market"
    inst = get(DAYS, market="kraken", instrument="NOPE-USD")
    assert inst.status == 404 and inst.json()["Err"]["other_info"]["param"] == "instrument"


@pytest.mark.parametrize(
    ("path", "unit", "limit"), [(DAYS, DAY, 400), (HOURS, HOUR, 700), (MINUTES, MINUTE, 900)]
)
def test_to_ts_is_inclusive_and_backward_paging_joins_cleanly(get, path, unit, limit):
    to_ts = NOW - 3 * DAY + 1234  # inside a bucket
    first = get(path, market="kraken", instrument="BTC-USD", limit=limit, to_ts=to_ts).json()[
        "Data"
    ]
    assert first[-1]["TIMESTAMP"] == to_ts // unit * unit  # the bucket holding to_ts is included
    pages = [first]
    for _ in range(2):
        earliest = pages[-1][0]["TIMESTAMP"]
        pages.append(
            get(
                path, market="kraken", instrument="BTC-USD", limit=limit, to_ts=earliest - unit
            ).json()["Data"]
        )
    stamps = [r["TIMESTAMP"] for page in reversed(pages) for r in page]
    assert stamps == list(range(stamps[0], stamps[-1] + unit, unit))  # no gap, no duplicate
    whole = get(path, market="kraken", instrument="BTC-USD", limit=3 * limit, to_ts=to_ts)
    if 3 * limit <= (5000 if unit == DAY else 2000):
        assert whole.json()["Data"] == [r for page in reversed(pages) for r in page]


def test_to_ts_before_first_trade_is_404_naming_first_trade(get):
    inst = RECENT
    reply = get(
        DAYS, market=inst.market, instrument=inst.mapped, to_ts=inst.first_trade_ts - 2 * DAY
    )
    assert reply.status == 404
    err = reply.json()["Err"]
    assert "FIRST_TRADE_SPOT_TIMESTAMP" in err["message"]
    assert err["other_info"]["first"] == inst.first_trade_ts


def test_limit_reaching_before_listing_is_clipped(get):
    inst = RECENT
    to_ts = inst.first_trade_ts + 10 * DAY
    rows = get(DAYS, market=inst.market, instrument=inst.mapped, limit=100, to_ts=to_ts).json()[
        "Data"
    ]
    assert len(rows) == 11
    assert rows[0]["TIMESTAMP"] == inst.first_trade_ts // DAY * DAY
    assert rows[0]["FIRST_TRADE_TIMESTAMP"] == inst.first_trade_ts


def test_retired_instrument_has_no_rows_after_its_last_trade(get):
    inst = RETIRED
    assert inst.retired_ts is not None
    rows = get(DAYS, market=inst.market, instrument=inst.mapped, limit=50, to_ts=NOW).json()["Data"]
    assert len(rows) == 50
    assert rows[-1]["TIMESTAMP"] == inst.retired_ts // DAY * DAY
    assert rows[-1]["LAST_TRADE_TIMESTAMP"] == inst.retired_ts


def test_fill_rows_are_flat_with_trade_keys_absent_and_fill_false_omits_them(get):
    inst = ILLIQUID
    params = {
        "market": inst.market,
        "instrument": inst.mapped,
        "limit": 2000,
        "to_ts": NOW - 2 * DAY,
    }
    rows = get(MINUTES, **params).json()["Data"]
    assert len(rows) == 2000
    fills = [i for i, r in enumerate(rows) if r["TOTAL_TRADES"] == 0]
    assert 20 < len(fills) < 1500
    for i in fills:
        row = rows[i]
        assert not OHLC_TRADE & set(row)
        assert row["OPEN"] == row["HIGH"] == row["LOW"] == row["CLOSE"]
        assert all(row[k] == 0 for k in row if "VOLUME" in k or k.startswith("TOTAL_TRADES"))
        if i > 0:
            assert row["OPEN"] == rows[i - 1]["CLOSE"]
    traded = [r for r in rows if r["TOTAL_TRADES"] > 0]
    assert all(set(r) >= OHLC_TRADE for r in traded)
    no_fill = get(MINUTES, **params, fill="false").json()["Data"]
    assert no_fill == traded
    hours = get(HOURS, **{**params, "limit": 2000}).json()["Data"]
    assert any(r["TOTAL_TRADES"] == 0 for r in hours)  # illiquid pairs also have silent hours


def test_open_candle_is_partial_and_completes_once_the_bucket_closes(get):
    rows = get(DAYS, market="kraken", instrument="BTC-USD", limit=3).json()["Data"]
    live = rows[-1]
    assert live["TIMESTAMP"] == NOW // DAY * DAY and live["LAST_TRADE_TIMESTAMP"] <= NOW
    minute = get(MINUTES, market="kraken", instrument="BTC-USD", limit=1).json()["Data"][-1]
    assert minute["TIMESTAMP"] == NOW // MINUTE * MINUTE
    assert live["CLOSE"] == minute["CLOSE"] or minute["TOTAL_TRADES"] == 0
    later = SimulatorConfig(
        now=NOW + DAY, rate_limit_per_second=1000, rate_limit_per_minute=100_000
    )
    with serve_in_thread(later) as tomorrow:
        params = {"market": "kraken", "instrument": "BTC-USD", "limit": "1", "to_ts": str(NOW)}
        closed = fetch(tomorrow.base_url, DAYS, params).json()["Data"][0]
    assert closed["TIMESTAMP"] == live["TIMESTAMP"] and closed["OPEN"] == live["OPEN"]
    assert closed["LAST_TRADE_TIMESTAMP"] > NOW
    elapsed = (NOW - live["TIMESTAMP"] + 1) / DAY
    assert abs(live["QUOTE_VOLUME"] / closed["QUOTE_VOLUME"] / elapsed - 1) < 0.05
    assert live["TOTAL_TRADES"] < closed["TOTAL_TRADES"]


def test_ohlc_invariants_over_large_pages(get):
    cases = [
        (DAYS, "bitstamp", "BTC-USD", 5000),
        (HOURS, "binance", "ETH-USDT", 2000),
        (MINUTES, ILLIQUID.market, ILLIQUID.mapped, 2000),
    ]
    for path, market, instrument, limit in cases:
        rows = get(path, market=market, instrument=instrument, limit=limit, to_ts=NOW - DAY).json()[
            "Data"
        ]
        unit = {DAYS: DAY, HOURS: HOUR, MINUTES: MINUTE}[path]
        for prev, row in itertools.pairwise(rows):
            assert row["OPEN"] == prev["CLOSE"]
            assert row["TIMESTAMP"] - prev["TIMESTAMP"] == unit
        for r in rows:
            assert (
                0
                < r["LOW"]
                <= min(r["OPEN"], r["CLOSE"])
                <= max(r["OPEN"], r["CLOSE"])
                <= r["HIGH"]
            )
            trades = r["TOTAL_TRADES_BUY"] + r["TOTAL_TRADES_SELL"] + r["TOTAL_TRADES_UNKNOWN"]
            assert r["TOTAL_TRADES"] == trades
            parts = r["VOLUME_BUY"] + r["VOLUME_SELL"] + r["VOLUME_UNKNOWN"]
            assert abs(r["VOLUME"] - parts) <= 1e-9 * max(1.0, r["VOLUME"])
            if r["TOTAL_TRADES"] == 0:
                continue
            assert r["VOLUME"] > 0 and r["QUOTE_VOLUME"] > 0
            vwap = r["QUOTE_VOLUME"] / r["VOLUME"]
            assert r["LOW"] * 0.999 <= vwap <= r["HIGH"] * 1.001
            start, end = r["TIMESTAMP"], r["TIMESTAMP"] + unit
            assert start <= r["FIRST_TRADE_TIMESTAMP"] <= r["LAST_TRADE_TIMESTAMP"] < end
            for k in ("HIGH_TRADE_TIMESTAMP", "LOW_TRADE_TIMESTAMP"):
                assert r["FIRST_TRADE_TIMESTAMP"] <= r[k] <= r["LAST_TRADE_TIMESTAMP"]
            assert r["LOW"] <= r["LOW_TRADE_PRICE"] <= r["HIGH_TRADE_PRICE"] <= r["HIGH"]
            assert r["LAST_TRADE_PRICE"] == r["CLOSE"]


def test_day_hour_and_minute_closes_agree(get):
    to_ts = (NOW - 5 * DAY) // DAY * DAY - 1  # last second of a closed day
    days = get(DAYS, market="coinbase", instrument="ETH-USD", limit=3, to_ts=to_ts).json()["Data"]
    hours = get(HOURS, market="coinbase", instrument="ETH-USD", limit=72, to_ts=to_ts).json()[
        "Data"
    ]
    by_hour = {r["TIMESTAMP"]: r for r in hours}
    for day in days:
        last_hour = by_hour[day["TIMESTAMP"] + DAY - HOUR]
        assert last_hour["CLOSE"] == day["CLOSE"]
        minute = get(
            MINUTES,
            market="coinbase",
            instrument="ETH-USD",
            limit=1,
            to_ts=day["TIMESTAMP"] + DAY - 1,
        ).json()["Data"][0]
        assert minute["TIMESTAMP"] == day["TIMESTAMP"] + DAY - MINUTE
        assert minute["CLOSE"] == day["CLOSE"]
        first_hour = by_hour[day["TIMESTAMP"]]
        assert first_hour["OPEN"] == day["OPEN"]


def test_same_asset_closes_agree_across_exchanges(get):
    closes = []
    for market in ("kraken", "coinbase", "bitstamp", "gemini"):
        row = get(DAYS, market=market, instrument="BTC-USD", limit=1, to_ts=NOW - 7 * DAY).json()[
            "Data"
        ][0]
        closes.append(row["CLOSE"])
    assert max(closes) / min(closes) < 1.01
    assert 10_000 < min(closes) < 1_000_000
