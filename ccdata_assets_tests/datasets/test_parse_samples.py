"""Parse functions against the example responses from the official docs (shared/reference/samples)."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from ccdata_assets.datasets import parse
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
    return parse.parse_series(SPOT_1D, rows, "2025-06-05|kraken:BTC-USD")


def parse_snapshot(spec: SnapshotSpec, output: TableOutput, payload, stamps=None):
    records = [{**r, **(stamps or {})} for r in spec.records(payload)]
    return parse_records(
        records,
        table=output.table,
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
    # Fields the legacy table has no column for are reported, not silently dropped.
    assert "HISTO_SHARD" in parsed.unmapped and "MAPPED_INSTRUMENT" not in parsed.unmapped


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


def spec_named(name: str):
    return next(spec for spec in TIME_SERIES if spec.name == name)


def parse_series(name: str, rows, market: str, instrument: str):
    spec = spec_named(name)
    extra = spec.page_fields(market, instrument) if spec.page_fields else {}
    return parse.parse_series(spec, [{**extra, **row} for row in rows])


def test_futures_hour_candles_sample() -> None:
    parsed = parse_series(
        "futures_ohlcv_1h", sample("futures_historical_hours"), "binance", "BTCUSDT"
    )
    assert parsed.quarantined.is_empty() and parsed.clean.height == 2
    row = parsed.clean.row(0, named=True)
    assert (row["market"], row["instrument"]) == ("binance", "BTCUSDT")
    assert row["mapped_instrument"] == "BTC-USDT-VANILLA-PERPETUAL"
    assert (row["close"], row["number_of_contracts"]) == (104359.6, 7328289)
    assert row["datetime"] == datetime(2025, 6, 17, 18)


def test_funding_rate_sample_maps_ohlc_to_fr_columns() -> None:
    parsed = parse_series(
        "futures_funding_rate_1d", sample("futures_funding_rate_days"), "hyperliquid", "BTC"
    )
    assert parsed.quarantined.is_empty()
    row = parsed.clean.row(0, named=True)
    assert (row["close_fr"], row["interval_ms"]) == (1.25e-05, 3_600_000)
    assert row["mapped_instrument"] == "BTC-USDT-QUANTO-PERPETUAL"


def test_open_interest_sample_maps_settlement_and_quote() -> None:
    parsed = parse_series(
        "futures_open_interest_1d", sample("futures_open_interest_days"), "binance", "BTCUSDT"
    )
    assert parsed.quarantined.is_empty()
    row = parsed.clean.row(0, named=True)
    assert row["close_oi_contracts"] == 78013.262
    assert row["close_oi_quote"] == pytest.approx(8327556857.4948)
    assert row["close_mark_price"] is not None


def test_index_day_sample_splits_the_instrument_into_asset_and_quote() -> None:
    parsed = parse_series("index_ohlcv_1d", sample("index_cc_historical_days"), "cadli", "BTC-USD")
    assert parsed.quarantined.is_empty()
    row = parsed.clean.row(0, named=True)
    assert (row["market"], row["instrument"], row["asset"], row["quote"]) == (
        "cadli",
        "BTC-USD",
        "BTC",
        "USD",
    )
    assert row["close"] == pytest.approx(104394.303202528) and row["total_index_updates"] == 226581


def test_futures_instruments_and_markets_samples() -> None:
    from ccdata_assets.datasets.catalog import FUTURES_EXCHANGES, FUTURES_INSTRUMENTS

    payload = sample("futures_markets_instruments")
    instruments = parse_snapshot(FUTURES_INSTRUMENTS, FUTURES_INSTRUMENTS.outputs[0], payload)
    assert instruments.quarantined.is_empty()
    row = instruments.clean.filter(
        instruments.clean["mapped_instrument_symbol"] == "BTC-USD-INVERSE-PERPETUAL"
    ).row(0, named=True)
    assert (row["exchange_internal_name"], row["exchange_instrument_symbol_raw"]) == (
        "binance",
        "BTCUSD_PERP",
    )
    assert row["first_trade_datetime"] == datetime(2020, 8, 11, 7, 2, 31)
    assert row["contract_expiration_datetime"] is None
    stamps = {"_RETRIEVED_AT": 1749168000}
    markets = parse_snapshot(
        FUTURES_EXCHANGES, FUTURES_EXCHANGES.outputs[0], sample("futures_markets"), stamps
    ).clean
    binance = markets.filter(markets["exchange_internal_name"] == "binance").row(0, named=True)
    assert (binance["instruments_active_count"], binance["instruments_expired_count"]) == (523, 145)
    assert binance["total_trades_exchange_level"] == 131986387884
