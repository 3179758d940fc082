"""Markets, instruments, Min API exchanges and the asset top list over real HTTP."""

from __future__ import annotations

from ccdata_assets.simulator.catalog import grade_for
from ccdata_assets.simulator.universe import get_universe
from ccdata_assets_tests.support import SIM_NOW as NOW

MARKET_KEYS = [
    "TYPE", "EXCHANGE_STATUS", "MAPPED_INSTRUMENTS_TOTAL", "UNMAPPED_INSTRUMENTS_TOTAL",
    "INSTRUMENT_STATUS", "TOTAL_TRADES_SPOT", "HAS_ORDERBOOK_L2_MINUTE_SNAPSHOTS_ENABLED",
]  # fmt: skip
INSTRUMENT_KEYS = [
    "TYPE", "INSTRUMENT_STATUS", "INSTRUMENT", "HISTO_SHARD", "MAPPED_INSTRUMENT", "INSTRUMENT_MAPPING",
    "HAS_TRADES_SPOT", "FIRST_TRADE_SPOT_TIMESTAMP", "LAST_TRADE_SPOT_TIMESTAMP", "TOTAL_TRADES_SPOT",
]  # fmt: skip
MAPPING_KEYS = [
    "MAPPED_INSTRUMENT",
    "BASE",
    "BASE_ID",
    "QUOTE",
    "QUOTE_ID",
    "TRANSFORM_FUNCTION",
    "CREATED_ON",
]
STATUS_KEYS = ["ACTIVE", "IGNORED", "RETIRED", "EXPIRED", "RETIRED_UNMAPPED"]
EXCHANGE_KEYS = {
    "Id", "Name", "Url", "LogoUrl", "ItemType", "CentralizationType", "InternalName", "GradePoints",
    "Grade", "GradePointsSplit", "AffiliateURL", "Country", "OrderBook", "Trades", "Description",
    "FullAddress", "Fees", "DepositMethods", "WithdrawalMethods", "Sponsored", "Recommended", "Rating",
    "SortOrder", "TOTALVOLUME24H", "DISPLAYTOTALVOLUME24H",
}  # fmt: skip
SPLIT_KEYS = {
    "Legal", "KYCAndTransactionRisk", "Team", "DataProvision", "AssetQualityAndDiversity",
    "MarketQuality", "Security", "NegativeReportsPenalty",
}  # fmt: skip


def test_spot_markets_shape_and_404(get):
    body = get("/spot/v1/markets", market="kraken").json()
    assert list(body["Data"]) == ["kraken"]
    kraken = body["Data"]["kraken"]
    assert list(kraken) == MARKET_KEYS
    assert list(kraken["INSTRUMENT_STATUS"]) == STATUS_KEYS
    assert kraken["TYPE"] == "602" and isinstance(kraken["TOTAL_TRADES_SPOT"], int)
    everything = get("/spot/v1/markets").json()["Data"]
    assert len(everything) >= 30 and "binance" in everything and "upbit" in everything
    assert everything["ftx"]["EXCHANGE_STATUS"] == "RETIRED"
    missing = get("/spot/v1/markets", market="nosuch")
    assert missing.status == 404 and missing.json()["Err"]["other_info"]["param"] == "market"


def test_spot_instruments_match_the_universe_and_filter_by_status(get):
    universe = get_universe()
    body = get("/spot/v1/markets/instruments", market="kraken").json()
    kraken = body["Data"]["kraken"]
    assert list(kraken) == [*MARKET_KEYS, "instruments"]
    active = kraken["instruments"]
    expected = {
        i.mapped for i in universe.spot_by_market["kraken"].values() if i.status_at(NOW) == "ACTIVE"
    }
    assert set(active) == expected
    btc = active["BTC-USD"]
    assert list(btc) == INSTRUMENT_KEYS and list(btc["INSTRUMENT_MAPPING"]) == MAPPING_KEYS
    assert (
        btc["INSTRUMENT"] == "XXBTZUSD"
        and btc["TYPE"] == "612"
        and btc["INSTRUMENT_STATUS"] == "ACTIVE"
    )
    assert (
        btc["FIRST_TRADE_SPOT_TIMESTAMP"]
        == universe.spot_by_market["kraken"]["BTC-USD"].first_trade_ts
    )
    assert NOW - 600 <= btc["LAST_TRADE_SPOT_TIMESTAMP"] <= NOW
    assert kraken["INSTRUMENT_STATUS"]["ACTIVE"] == len(active)

    both = get(
        "/spot/v1/markets/instruments", market="kraken", instrument_status="ACTIVE,RETIRED"
    ).json()
    retired = {
        k: v
        for k, v in both["Data"]["kraken"]["instruments"].items()
        if v["INSTRUMENT_STATUS"] == "RETIRED"
    }
    assert len(retired) == kraken["INSTRUMENT_STATUS"]["RETIRED"] > 0
    for entry in retired.values():
        assert entry["LAST_TRADE_SPOT_TIMESTAMP"] < NOW

    some = get(
        "/spot/v1/markets/instruments", market="kraken", instruments="BTC-USD,ETH-USD"
    ).json()
    assert set(some["Data"]["kraken"]["instruments"]) == {"BTC-USD", "ETH-USD"}
    assert (
        get("/spot/v1/markets/instruments", market="kraken", instruments="NOPE-USD").status == 404
    )
    assert (
        get("/spot/v1/markets/instruments", market="kraken", instrument_status="BOGUS").status
        == 400
    )


def test_instruments_of_all_markets_cover_the_universe(get):
    data = get("/spot/v1/markets/instruments", instrument_status="ACTIVE,RETIRED").json()["Data"]
    served = {(m, k) for m, v in data.items() for k in v["instruments"]}
    expected = {(i.market, i.mapped) for i in get_universe().spot if i.status_at(NOW) is not None}
    assert served == expected
    assert 1000 <= len(served) <= 3000


def test_exchanges_general_min_api_shape(get):
    body = get("/data/exchanges/general").json()
    assert body["Response"] == "Success" and body["Type"] == 100
    data = body["Data"]
    markets = set(get_universe().exchanges) | {"bitmex", "deribit", "hyperliquid"}
    assert {e["InternalName"].lower() for e in data.values()} == markets
    grades = set()
    for ex_id, ex in data.items():
        assert set(ex) == EXCHANGE_KEYS and set(ex["GradePointsSplit"]) == SPLIT_KEYS
        assert ex["Id"] == ex_id and isinstance(ex["Id"], str) and isinstance(ex["SortOrder"], str)
        assert isinstance(ex["GradePoints"], str) and all(
            isinstance(v, str) for v in ex["GradePointsSplit"].values()
        )
        assert ex["Grade"] == grade_for(float(ex["GradePoints"]))
        split_sum = sum(float(v) for v in ex["GradePointsSplit"].values())
        assert abs(split_sum - float(ex["GradePoints"])) < 0.1
        assert isinstance(ex["TOTALVOLUME24H"]["BTC"], int | float)
        grades.add(ex["Grade"])
    assert {"AAA", "AA", "A", "BB"} <= grades and grades & {"B", "C", "D", "E", "F"}


def test_top_list_pages_sorted_by_market_cap(get):
    first = get("/asset/v1/top/list", page=1, page_size=10).json()["Data"]
    total = first["STATS"]["TOTAL_ASSETS"]
    assert first["STATS"] == {"PAGE": 1, "PAGE_SIZE": 10, "TOTAL_ASSETS": total} and total >= 60
    rows = []
    for page in range(1, total // 10 + 2):
        rows += get("/asset/v1/top/list", page=page, page_size=10).json()["Data"]["LIST"]
    assert len(rows) == total and len({r["ID"] for r in rows}) == total
    caps = [r["CIRCULATING_MKT_CAP_USD"] for r in rows]
    assert caps == sorted(caps, reverse=True)
    btc = next(r for r in rows if r["SYMBOL"] == "BTC")
    assert btc["ID"] == 1 and btc["TYPE"] == "162" and btc["TOPLIST_BASE_RANK"]["LAUNCH_DATE"] == 1
    assert 10_000 < btc["PRICE_USD"] < 1_000_000
    assert (
        btc["SPOT_MOVING_30_DAY_QUOTE_VOLUME_USD"] > btc["SPOT_MOVING_24_HOUR_QUOTE_VOLUME_USD"] > 0
    )
    by_volume = get(
        "/asset/v1/top/list", page_size=100, sort_by="SPOT_MOVING_24_HOUR_QUOTE_VOLUME_USD"
    )
    vols = [r["SPOT_MOVING_24_HOUR_QUOTE_VOLUME_USD"] for r in by_volume.json()["Data"]["LIST"]]
    assert vols == sorted(vols, reverse=True)
    assert get("/asset/v1/top/list", page_size=5).status == 400
    assert get("/asset/v1/top/list", sort_by="NOPE").status == 400


def test_top_list_price_matches_spot(get):
    rows = get("/asset/v1/top/list", page_size=100).json()["Data"]["LIST"]
    eth = next(r for r in rows if r["SYMBOL"] == "ETH")
    spot = get(
        "/spot/v1/historical/minutes", market="coinbase", instrument="ETH-USD", limit=1
    ).json()["Data"][0]
    assert abs(spot["CLOSE"] / eth["PRICE_USD"] - 1) < 0.01
