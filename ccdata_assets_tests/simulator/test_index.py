"""Index (cadli / ccix) history and instruments over real HTTP, and their agreement with spot."""

from __future__ import annotations

import itertools

from ccdata_assets.simulator.index_universe import index_by_market
from ccdata_assets_tests.support import SIM_NOW as NOW

DAY, HOUR, MINUTE = 86_400, 3_600, 60
IDX = "/index/cc/v1/historical"
SAMPLE_KEYS = [
    "UNIT", "TIMESTAMP", "TYPE", "MARKET", "INSTRUMENT", "OPEN", "HIGH", "LOW", "CLOSE",
    "FIRST_MESSAGE_TIMESTAMP", "LAST_MESSAGE_TIMESTAMP", "FIRST_MESSAGE_VALUE", "HIGH_MESSAGE_VALUE",
    "HIGH_MESSAGE_TIMESTAMP", "LOW_MESSAGE_VALUE", "LOW_MESSAGE_TIMESTAMP", "LAST_MESSAGE_VALUE",
    "TOTAL_INDEX_UPDATES", "VOLUME", "QUOTE_VOLUME", "VOLUME_TOP_TIER", "QUOTE_VOLUME_TOP_TIER",
    "VOLUME_DIRECT", "QUOTE_VOLUME_DIRECT", "VOLUME_TOP_TIER_DIRECT", "QUOTE_VOLUME_TOP_TIER_DIRECT",
]  # fmt: skip


def test_index_rows_shape_and_invariants(get):
    for market, unit, path in (
        ("cadli", DAY, "days"),
        ("ccix", HOUR, "hours"),
        ("cadli", MINUTE, "minutes"),
    ):
        rows = get(
            f"{IDX}/{path}", market=market, instrument="BTC-USD", limit=500, to_ts=NOW - DAY
        ).json()["Data"]
        assert len(rows) == 500 and all(list(r) == SAMPLE_KEYS for r in rows)
        assert rows[0]["TYPE"] == "267" and rows[0]["MARKET"] == market
        for prev, r in itertools.pairwise(rows):
            assert r["TIMESTAMP"] - prev["TIMESTAMP"] == unit
            assert r["OPEN"] == prev["CLOSE"]
        for r in rows:
            assert r["LOW"] <= r["LOW_MESSAGE_VALUE"] <= r["HIGH_MESSAGE_VALUE"] <= r["HIGH"]
            assert (
                r["LOW"] <= min(r["OPEN"], r["CLOSE"]) and max(r["OPEN"], r["CLOSE"]) <= r["HIGH"]
            )
            assert r["LAST_MESSAGE_VALUE"] == r["CLOSE"]
            start, end = r["TIMESTAMP"], r["TIMESTAMP"] + unit
            assert start == r["FIRST_MESSAGE_TIMESTAMP"] <= r["LAST_MESSAGE_TIMESTAMP"] == end - 1
            assert (
                start <= r["HIGH_MESSAGE_TIMESTAMP"] < end
                and start <= r["LOW_MESSAGE_TIMESTAMP"] < end
            )
            assert r["VOLUME"] > r["VOLUME_TOP_TIER"] > r["VOLUME_TOP_TIER_DIRECT"] > 0
            assert r["TOTAL_INDEX_UPDATES"] > 0


def test_spot_closes_agree_with_the_index(get):
    to_ts = NOW - 10 * DAY
    index = get(
        f"{IDX}/hours", market="cadli", instrument="BTC-USD", limit=100, to_ts=to_ts
    ).json()["Data"]
    ccix = get(f"{IDX}/hours", market="ccix", instrument="BTC-USD", limit=100, to_ts=to_ts).json()[
        "Data"
    ]
    for market in ("coinbase", "kraken", "bitstamp"):
        spot = get(
            "/spot/v1/historical/hours", market=market, instrument="BTC-USD", limit=100, to_ts=to_ts
        ).json()["Data"]
        for s, i, c in zip(spot, index, ccix, strict=True):
            assert s["TIMESTAMP"] == i["TIMESTAMP"] == c["TIMESTAMP"]
            assert abs(s["CLOSE"] / i["CLOSE"] - 1) < 0.01
            assert c["CLOSE"] == i["CLOSE"]
    eur_index = get(
        f"{IDX}/days", market="cadli", instrument="ETH-EUR", limit=30, to_ts=to_ts
    ).json()["Data"]
    eur_spot = get(
        "/spot/v1/historical/days", market="kraken", instrument="ETH-EUR", limit=30, to_ts=to_ts
    )
    for s, i in zip(eur_spot.json()["Data"], eur_index, strict=True):
        assert abs(s["CLOSE"] / i["CLOSE"] - 1) < 0.01


def test_index_closes_agree_across_intervals_and_with_the_top_list(get):
    day_end = (NOW - 2 * DAY) // DAY * DAY - 1
    closes = {
        path: get(
            f"{IDX}/{path}", market="cadli", instrument="SOL-USD", limit=1, to_ts=day_end
        ).json()["Data"][0]["CLOSE"]
        for path in ("days", "hours", "minutes")
    }
    assert len(set(closes.values())) == 1
    live = get(f"{IDX}/minutes", market="cadli", instrument="BTC-USD", limit=1).json()["Data"][0]
    top = get("/asset/v1/top/list", page_size=10).json()["Data"]["LIST"]
    btc = next(r for r in top if r["SYMBOL"] == "BTC")
    assert abs(live["CLOSE"] / btc["PRICE_USD"] - 1) < 1e-9


def test_index_history_starts_at_first_update(get):
    inst = index_by_market()["ccix"]["ETH-USD"]
    assert inst.first_ts >= 1_546_300_800  # ccix history from 2019
    early = get(f"{IDX}/days", market="ccix", instrument="ETH-USD", to_ts=inst.first_ts - 3 * DAY)
    assert early.status == 404
    assert early.json()["Err"]["message"].startswith("No DAY entries available on or before")
    assert early.json()["Err"]["other_info"]["first"] == inst.first_ts
    rows = get(
        f"{IDX}/days", market="ccix", instrument="ETH-USD", limit=30, to_ts=inst.first_ts + 4 * DAY
    )
    data = rows.json()["Data"]
    assert len(data) == 5 and data[0]["FIRST_MESSAGE_TIMESTAMP"] == inst.first_ts
    assert get(f"{IDX}/days", market="nope", instrument="BTC-USD").status == 404
    assert get(f"{IDX}/days", market="cadli", instrument="NOPE-USD").status == 404


def test_index_instruments_listing(get):
    data = get("/index/cc/v1/markets/instruments", market="cadli").json()["Data"]
    cadli = data["cadli"]["instruments"]
    assert {"BTC-USD", "ETH-USD", "BTC-EUR"} <= set(cadli)
    btc = cadli["BTC-USD"]
    assert btc["INSTRUMENT_STATUS"] == "ACTIVE" and btc["INSTRUMENT_MAPPING"]["BASE_ID"] == 1
    assert btc["FIRST_INDEX_UPDATE_TIMESTAMP"] == index_by_market()["cadli"]["BTC-USD"].first_ts
    assert btc["TOTAL_INDEX_UPDATES"] > 0
    both = get("/index/cc/v1/markets/instruments").json()["Data"]
    assert set(both) == {"cadli", "ccix"} and len(both["ccix"]["instruments"]) < len(cadli)
    some = get(
        "/index/cc/v1/markets/instruments", market="ccix", instruments="BTC-USD,ETH-USD"
    ).json()
    assert set(some["Data"]["ccix"]["instruments"]) == {"BTC-USD", "ETH-USD"}
