"""Create, upsert, re-upsert and read on a real MariaDB and on the embedded SQLite file."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ccdata_assets.warehouse import Warehouse, WarehouseConnectionError, load_table, table_names
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets_tests.support import NASTY, T0, candles


def sorted_read(warehouse: Warehouse, table: str, **filters) -> pl.DataFrame:
    key = list(load_table(table).primary_key)
    return warehouse.read(table, **filters).sort(key)


def test_every_table_and_its_quarantine_can_be_created(warehouse: Warehouse) -> None:
    with warehouse.connect() as session:
        for name in table_names():
            for table in (name, f"{name}_quarantine"):
                session.ensure_table(table)
                empty = session.read(table)
                assert empty.is_empty() and empty.schema == load_table(table).polars_schema()


def test_upsert_is_idempotent_and_keeps_bookkeeping(warehouse: Warehouse) -> None:
    frame = candles(30)
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    assert warehouse.upsert("cc_ohlcv_spot_1h_raw", frame) == 30
    after = datetime.now(UTC).replace(tzinfo=None)
    first = sorted_read(warehouse, "cc_ohlcv_spot_1h_raw")
    assert first.height == 30
    assert first["close"].to_list() == frame["close"].to_list()
    assert first["first_trade_timestamp"].to_list() == frame["first_trade_timestamp"].to_list()
    assert first["base"].null_count() == 30  # not in the frame: default
    collected = first["collected_at"]
    assert collected.null_count() == 0
    assert before <= collected.min() and collected.max() <= after  # stamped during the upsert

    warehouse.upsert("cc_ohlcv_spot_1h_raw", frame)
    assert_frame_equal(sorted_read(warehouse, "cc_ohlcv_spot_1h_raw"), first)

    changed = frame.head(5).with_columns(pl.col("close") * 2)
    warehouse.upsert(
        "cc_ohlcv_spot_1h_raw",
        changed.select("datetime", "exchange", "symbol", "symbol_unmapped", "close"),
    )
    after = sorted_read(warehouse, "cc_ohlcv_spot_1h_raw")
    assert after["close"].head(5).to_list() == changed["close"].to_list()
    assert after["open"].to_list() == first["open"].to_list()  # not written: kept
    assert after["collected_at"].to_list() == collected.to_list()


def test_updated_at_moves_only_when_values_change(warehouse: Warehouse) -> None:
    past = datetime(2020, 5, 5, 12, 0, 0)
    row = {
        "exchange_internal_name": ["kraken"],
        "mapped_instrument_symbol": ["BTC-USD"],
        "has_trades": [True],
        "total_trades_instrument_level": [10],
    }
    warehouse.upsert(
        "cc_instruments_spot", pl.DataFrame({**row, "created_at": [past], "updated_at": [past]})
    )
    warehouse.upsert("cc_instruments_spot", pl.DataFrame(row))  # same values
    same = warehouse.read("cc_instruments_spot")
    assert same["created_at"].to_list() == same["updated_at"].to_list() == [past]
    assert same["has_trades"].to_list() == [True]

    warehouse.upsert("cc_instruments_spot", pl.DataFrame({**row, "has_trades": [False]}))
    moved = warehouse.read("cc_instruments_spot")
    assert moved["has_trades"].to_list() == [False]
    assert moved["created_at"].to_list() == [past]
    assert moved["updated_at"][0] > datetime(2024, 1, 1)


def test_values_are_normalised_on_write(warehouse: Warehouse) -> None:
    eastern = timezone(timedelta(hours=-5))
    frame = pl.DataFrame(
        {
            "asset_id": [1, 2, 3, 4],
            "snapshot_ts": [datetime(2024, 3, 1, 7, 0, 0, 999_999, tzinfo=eastern)] * 4,
            "price_usd": [math.nan, math.inf, -math.inf, 1.25],
        }
    ).with_columns(pl.col("snapshot_ts").dt.cast_time_unit("ns"))
    warehouse.upsert("cc_asset_market_data", frame)
    got = warehouse.read("cc_asset_market_data").sort("asset_id")
    assert got["snapshot_ts"].to_list() == [datetime(2024, 3, 1, 12, 0, 0)] * 4  # UTC, seconds
    assert got["price_usd"].to_list() == [None, None, None, 1.25]


def test_strings_round_trip_exactly(warehouse: Warehouse) -> None:
    frame = pl.DataFrame(
        {
            "internal_name": [f"ex{i}" for i in range(len(NASTY))],
            "exchange_api_id": [str(i) for i in range(len(NASTY))],
            "name": [v if v is not None else "none" for v in NASTY],
            "description": NASTY,
            "item_types": ['["Cryptocurrency", "Stock \\"x\\""]'] * len(NASTY),
        }
    )
    warehouse.upsert("cc_exchanges_general", frame)
    got = warehouse.read("cc_exchanges_general").sort("exchange_api_id", descending=False)
    got = got.sort(pl.col("exchange_api_id").cast(pl.Int64))
    assert got["description"].to_list() == NASTY
    assert got["name"].to_list() == frame["name"].to_list()
    assert got["item_types"].to_list() == frame["item_types"].to_list()


def test_read_filters(warehouse: Warehouse) -> None:
    table = "cc_ohlcv_spot_1h_raw"
    warehouse.upsert(table, candles(48, exchange="kraken", symbol="BTC-USD"))
    warehouse.upsert(table, candles(48, exchange="kraken", symbol="ETH-USD"))
    warehouse.upsert(table, candles(48, exchange="binance", symbol="BTC-USD"))
    day2 = warehouse.read(
        table,
        time_column="datetime",
        start=datetime(2024, 1, 2, tzinfo=UTC),
        end=datetime(2024, 1, 3),
        equals={"exchange": ["kraken", "binance"], "symbol": ["ETH-USD", "BTC-USD"]},
        columns=["datetime", "exchange", "symbol", "close"],
    )
    assert day2.columns == ["datetime", "exchange", "symbol", "close"]
    pairs = sorted(set(day2.select("exchange", "symbol").iter_rows()))
    assert pairs == [("binance", "BTC-USD"), ("kraken", "ETH-USD")]  # zipped, not crossed
    assert day2.height == 48
    assert day2["datetime"].min() == datetime(2024, 1, 2)
    assert day2["datetime"].max() == datetime(2024, 1, 2, 23)
    one = warehouse.read(table, equals={"symbol": ["ETH-USD"]}, columns=["symbol"])
    assert one.height == 48
    none = warehouse.read(table, time_column="datetime", start=datetime(2030, 1, 1))
    assert none.is_empty() and none.schema == load_table(table).polars_schema()


def test_query_for_checks(warehouse: Warehouse) -> None:
    warehouse.upsert("cc_ohlcv_spot_1h_raw", candles(5))
    counts = warehouse.query(
        "SELECT exchange, COUNT(*) AS n FROM cc_ohlcv_spot_1h_raw WHERE close > %s GROUP BY exchange",
        [101.0],
    )
    assert counts.rows() == [("kraken", 4)]
    empty = warehouse.query("SELECT exchange FROM cc_ohlcv_spot_1h_raw WHERE close < 0")
    assert empty.is_empty() and empty.columns == ["exchange"]


def test_large_frames_are_written_in_chunks(backend_env: dict[str, str]) -> None:
    warehouse = Warehouse(warehouse_settings(backend_env), chunk_rows=7)
    frame = pl.concat([candles(25, symbol=s) for s in ("A-USD", "B-USD")])
    assert warehouse.upsert("cc_ohlcv_spot_1h_raw", frame) == 50
    assert warehouse.read("cc_ohlcv_spot_1h_raw").height == 50


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        (pl.DataFrame({"asset_id": [1], "snapshot_ts": [T0], "nope": [1]}), "no column"),
        (pl.DataFrame({"asset_id": [1]}), r"needs column\(s\) \['snapshot_ts'\]"),
        (pl.DataFrame({"asset_id": [1, None], "snapshot_ts": [T0, T0]}), "NULL key"),
    ],
)
def test_bad_frames_are_refused(warehouse: Warehouse, frame: pl.DataFrame, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        warehouse.upsert("cc_asset_market_data", frame)
    assert warehouse.read("cc_asset_market_data").is_empty()


def test_missing_ddl_columns_are_added(warehouse: Warehouse) -> None:
    """A legacy index table without the new `instrument` column gets it on first use."""
    with warehouse.connect() as session:
        quote = session.dialect.quote
        session.query(
            f"CREATE TABLE {quote('cc_ohlcv_spot_indices_1d_raw')} ({quote('datetime')} DATETIME "
            f"NOT NULL, {quote('market')} VARCHAR(255) NOT NULL, {quote('asset')} VARCHAR(255) "
            f"NOT NULL, {quote('close')} DOUBLE, PRIMARY KEY ({quote('datetime')}, "
            f"{quote('market')}, {quote('asset')}))"
        )
        session.upsert(
            "cc_ohlcv_spot_indices_1d_raw",
            pl.DataFrame(
                {
                    "datetime": [T0],
                    "market": ["cadli"],
                    "asset": ["BTC"],
                    "instrument": ["BTC-USD"],
                    "close": [42_000.5],
                }
            ),
        )
        got = session.read("cc_ohlcv_spot_indices_1d_raw", equals={"instrument": ["BTC-USD"]})
    assert got.select("asset", "close").rows() == [("BTC", 42_000.5)]
    assert got["collected_at"].null_count() == 0


def test_reads_never_create_or_alter_tables(warehouse: Warehouse) -> None:
    """Sensors and checks only read: the schema changes where rows are written and in the
    explicit step (`python -m ccdata_assets.warehouse`), never under a read."""
    index = "cc_ohlcv_spot_indices_1d_raw"
    with warehouse.connect() as session:
        missing = session.read("cc_assets")
        assert missing.is_empty() and missing.schema == load_table("cc_assets").polars_schema()
        assert not session.table_exists("cc_assets")

        quote = session.dialect.quote
        session.execute(
            f"CREATE TABLE {quote(index)} ({quote('datetime')} DATETIME NOT NULL, "
            f"{quote('market')} VARCHAR(255) NOT NULL, {quote('asset')} VARCHAR(255) NOT NULL, "
            f"{quote('close')} DOUBLE, PRIMARY KEY ({quote('datetime')}, {quote('market')}, "
            f"{quote('asset')}))"
        )
        session.execute(
            f"INSERT INTO {quote(index)} VALUES (%s, %s, %s, %s)",
            ["2024-01-01 00:00:00", "cadli", "BTC", 42_000.5],
        )
        legacy = session.read(index)  # lacks the additive `instrument` column: read as null
        assert legacy.schema == load_table(index).polars_schema()
        assert legacy.select("asset", "instrument", "close").rows() == [("BTC", None, 42_000.5)]
        assert "instrument" not in session.stored_columns(index)

    names = warehouse.ensure_tables()
    assert set(names) >= {"cc_assets", "cc_assets_quarantine", index}
    with warehouse.connect() as session:
        assert all(session.table_exists(name) for name in names)
        assert "instrument" in session.stored_columns(index)
        assert session.read(index)["close"].to_list() == [42_000.5]


def test_unusable_embedded_directory_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    settings = warehouse_settings({"CCDATA_HOME": str(blocker)})
    with pytest.raises(WarehouseConnectionError, match=r"set CCDATA_HOME to a writable directory"):
        Warehouse(settings).read("cc_assets")
