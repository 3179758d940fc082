"""Parse functions against the example responses from the official docs (shared/reference/samples)."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from ccdata_assets.datasets.catalog import ASSETS, SPOT_EXCHANGES, SPOT_INSTRUMENTS, TIME_SERIES
from ccdata_assets.datasets.parse import parse_records
from ccdata_assets.datasets.spec import SnapshotSpec, TableOutput

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "samples"
SPOT_1D = TIME_SERIES[0]


def sample(name: str):
    path = SAMPLES / f"{name}__The-TIE.json"
    if not path.exists():
        pytest.fail(f"Docs sample {path} is missing; the tests expect shared/ beside the checkout.")
    return json.loads(path.read_text())["Data"]


def parse_candles(rows):
    return parse_records(
        rows,
        table_name=SPOT_1D.table,
        fields=SPOT_1D.fields,
        required=SPOT_1D.required_fields,
        rules=SPOT_1D.rules,
        data_set=SPOT_1D.name,
        partition_key="2025-06-05|kraken:BTC-USD",
    )


def parse_snapshot(spec: SnapshotSpec, output: TableOutput, payload, stamps=None):
    records = [{**r, **(stamps or {})} for r in spec.records(payload)]
    return parse_records(
        records,
        table_name=output.table,
        fields=output.fields,
        required=output.key_fields,
        rules=output.rules,
        data_set=output.name,
        partition_key=None,
    )


def test_spot_day_candle_maps_every_documented_field() -> None:
    parsed = parse_candles(sample("spot_historical_days"))
    assert parsed.quarantined.is_empty()
    row = parsed.clean.row(0, named=True)
    assert row["datetime"] == datetime(2025, 6, 5)
    assert (row["exchange"], row["symbol"], row["symbol_unmapped"]) == (
        "kraken",
        "BTC-USD",
        "XXBTZUSD",
    )
    assert (row["base"], row["quote"], row["base_id"], row["quote_id"]) == ("BTC", "USD", 1, 5)
    assert (row["open"], row["high"], row["low"], row["close"]) == (
        104745.4,
        105948.1,
        103816.5,
        103816.6,
    )
    assert row["last_trade_timestamp"] == datetime(2025, 6, 5, 16, 39, 54)
    assert row["total_trades"] == 15141 and row["volume"] == pytest.approx(570.57588134)
    assert row["quote_volume_unknown"] == 0


def test_fill_candle_without_trade_fields_is_kept_with_nulls() -> None:
    candle = dict(sample("spot_historical_days")[0])
    for key in [k for k in candle if "_TRADE_" in k]:
        del candle[key]
    candle.update(OPEN=1.0, HIGH=1.0, LOW=1.0, CLOSE=1.0, VOLUME=0, TOTAL_TRADES=0)
    parsed = parse_candles([candle])
    assert parsed.quarantined.is_empty()
    assert parsed.clean.get_column("first_trade_timestamp").to_list() == [None]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"HIGH": 1.0}, "HIGH is below"),
        ({"VOLUME": -3}, "volume field"),
        ({"CLOSE": "n/a"}, "CLOSE is not a valid Float64: n/a"),
        ({"TIMESTAMP": None}, "missing TIMESTAMP"),
        ({"OPEN": 0}, "zero or negative"),
        ({"TIMESTAMP": 1749081600 + 3607}, "not the start of a 1d bucket"),
    ],
)
def test_bad_candles_go_to_quarantine_with_their_reason(change, reason) -> None:
    good = sample("spot_historical_days")[0]
    parsed = parse_candles([good, {**good, **change}])
    assert parsed.clean.height == 1
    assert parsed.quarantined.height == 1
    quarantined = parsed.quarantined.row(0, named=True)
    assert reason in quarantined["reason"]
    assert json.loads(quarantined["raw_json"]) == {**good, **change}
    assert quarantined["data_set"] == "spot_ohlcv_1d"


def test_spot_instruments_sample() -> None:
    parsed = parse_snapshot(
        SPOT_INSTRUMENTS, SPOT_INSTRUMENTS.outputs[0], sample("spot_markets_instruments")
    )
    row = parsed.clean.row(0, named=True)
    assert (row["exchange_internal_name"], row["mapped_instrument_symbol"]) == ("kraken", "BTC-USD")
    assert row["exchange_instrument_symbol_raw"] == "XXBTZUSD"
    assert (row["base_asset_symbol"], row["quote_asset_id"]) == ("BTC", 5)
    assert row["instrument_status_on_exchange"] == "ACTIVE" and row["has_trades"] is True
    assert row["first_trade_datetime"] == datetime(2013, 10, 6, 21, 34, 15)


def test_spot_markets_sample() -> None:
    stamps = {"_RETRIEVED_AT": 1749168000}
    parsed = parse_snapshot(
        SPOT_EXCHANGES, SPOT_EXCHANGES.outputs[0], sample("spot_markets"), stamps
    )
    row = parsed.clean.row(0, named=True)
    assert row["exchange_internal_name"] == "kraken"
    assert (row["instruments_active_count"], row["instruments_retired_count"]) == (1042, 132)
    assert row["total_trades_exchange_level"] == 1379154158
    assert row["api_data_retrieved_datetime"] == datetime(2025, 6, 6)


def test_asset_top_list_sample_fills_assets_and_market_data() -> None:
    payload = sample("asset_top_list")
    stamps = {"_SNAPSHOT_DAY": 1749168000, "_RETRIEVED_AT": 1749170000}
    assets = parse_snapshot(ASSETS, ASSETS.outputs[0], payload, stamps).clean
    market = parse_snapshot(ASSETS, ASSETS.outputs[1], payload, stamps).clean
    assert assets.select("asset_id", "symbol", "name", "id_legacy").row(0) == (
        1,
        "BTC",
        "Bitcoin",
        1182,
    )
    assert assets.get_column("launch_date").to_list() == [datetime(2009, 1, 3)]
    row = market.row(0, named=True)
    assert row["snapshot_ts"] == datetime(2025, 6, 6)
    assert row["spot_moving_30_day_quote_volume_usd"] == pytest.approx(631284848967.291)
    assert row["price_usd"] == pytest.approx(102564.643975363)


def test_top_list_page_count_comes_from_stats() -> None:
    from ccdata_assets.datasets.payloads import top_list_pages

    assert top_list_pages(sample("asset_top_list")) == 340
