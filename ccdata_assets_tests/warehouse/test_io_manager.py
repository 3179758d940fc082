"""Real Dagster range runs (dates x dynamic instruments) through the IO manager, on both backends."""

# No `from __future__ import annotations`: Dagster reads the context annotation at runtime.

from datetime import date, datetime, timedelta

import dagster as dg
import polars as pl
import pytest

from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse import (
    Batch,
    BatchStream,
    Warehouse,
    WarehouseIOManager,
    WarehouseResource,
    load_table,
    table_metadata,
)
from ccdata_assets.warehouse.batches import AfterWrites
from ccdata_assets.warehouse.resource import ENV_FIELDS
from ccdata_assets.warehouse.settings import WarehouseSettings, warehouse_settings
from ccdata_assets_tests.support import step_error

TABLE = "cc_ohlcv_spot_1h_raw"
PARTITIONS = dg.MultiPartitionsDefinition(
    {
        "date": dg.DailyPartitionsDefinition(start_date="2024-01-01"),
        "instrument": dg.DynamicPartitionsDefinition(name="toy_instruments"),
    }
)
METADATA = {
    **table_metadata(load_table(TABLE)),
    "ccdata/time_column": "datetime",
    "ccdata/instrument_columns": ["exchange", "symbol"],
}


def day_of_candles(date: str, instrument: str) -> pl.DataFrame:
    exchange, symbol = instrument.split(":", 1)
    start = datetime.fromisoformat(date)
    return pl.DataFrame(
        {
            "datetime": [start + timedelta(hours=h) for h in range(24)],
            "exchange": exchange,
            "symbol_unmapped": symbol.replace("-", ""),
            "symbol": symbol,
            "close": [float(h) for h in range(24)],
        }
    )


@dg.asset(partitions_def=PARTITIONS, metadata=METADATA)
def toy_candles(context: dg.AssetExecutionContext) -> BatchStream:
    keys = context.partition_keys  # the whole rectangle of the range run

    def batches():
        for key in keys:
            dims = PARTITIONS.get_partition_key_from_str(key).keys_by_dimension
            day = day_of_candles(dims["date"], dims["instrument"])
            bad = day.filter(pl.col("close") == 23.0).with_columns(reason=pl.lit("close too big"))
            yield Batch(
                day.filter(pl.col("close") < 23.0), bad.with_columns(partition_key=pl.lit(key))
            )

    return BatchStream(batches(), metadata=lambda: {"source": "toy", "batches": len(keys)})


@dg.asset(partitions_def=PARTITIONS)
def toy_summary(toy_candles: pl.DataFrame) -> dg.MaterializeResult:
    assert isinstance(toy_candles, pl.DataFrame)
    pairs = sorted(set(toy_candles.select("exchange", "symbol").iter_rows()))
    return dg.MaterializeResult(
        metadata={
            "rows": toy_candles.height,
            "pairs": str(pairs),
            "first": str(toy_candles["datetime"].min()),
            "last": str(toy_candles["datetime"].max()),
            "close_type": str(toy_candles.schema["close"]),
        }
    )


@pytest.fixture
def io_env(backend_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The backend's settings as real environment variables, as `dagster dev` would see them."""
    for name in ENV_FIELDS.values():
        monkeypatch.delenv(name, raising=False)
    for name, value in backend_env.items():
        monkeypatch.setenv(name, value)
    return backend_env


def run_range(instance: dg.DagsterInstance, start: str, end: str) -> dg.ExecuteInProcessResult:
    defs = dg.Definitions(
        assets=[toy_candles, toy_summary],
        resources={"io_manager": WarehouseIOManager.from_env()},
    )
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": start,
            "dagster/asset_partition_range_end": end,
        },
    )


def test_range_run_streams_batches_and_loads_them_back(io_env: dict[str, str]) -> None:
    warehouse = Warehouse(warehouse_settings(io_env))
    # Rows outside the run's rectangle, which the downstream load must not return.
    warehouse.upsert(TABLE, day_of_candles("2024-01-02", "binance:ETH-USDT"))
    warehouse.upsert(TABLE, day_of_candles("2024-01-05", "kraken:BTC-USD"))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(
        "toy_instruments", ["kraken:BTC-USD", "kraken:ETH-USD", "binance:ETH-USDT"]
    )

    for _ in range(2):  # the second run changes nothing
        result = run_range(instance, "2024-01-01|kraken:BTC-USD", "2024-01-03|kraken:ETH-USD")
        assert result.success
        written = result.asset_materializations_for_node("toy_candles")
        assert len(written) == 6  # 3 dates x 2 instruments
        meta = {k: v.value for k, v in written[0].metadata.items()}
        assert meta["rows_written_in_run"] == 6 * 23 and meta["rows_quarantined_in_run"] == 6
        assert meta["source"] == "toy" and meta["batches"] == 6
        assert meta["dagster/table_name"] == f"{warehouse.database}.{TABLE}"
        # The schema lives on the definition, not on each of the run's partition events.
        assert "dagster/column_schema" not in meta
        schema = table_metadata(load_table(TABLE))["dagster/column_schema"]
        assert [c.name for c in schema.columns][:3] == ["datetime", "exchange", "symbol_unmapped"]

        summary = result.asset_materializations_for_node("toy_summary")[0].metadata
        assert summary["rows"].value == 6 * 23
        assert summary["pairs"].value == "[('kraken', 'BTC-USD'), ('kraken', 'ETH-USD')]"
        assert summary["first"].value == "2024-01-01 00:00:00"
        assert summary["last"].value == "2024-01-03 22:00:00"
        assert summary["close_type"].value == "Float64"

        stored = warehouse.read(TABLE)
        assert stored.height == 6 * 23 + 2 * 24
        quarantined = warehouse.read(f"{TABLE}_quarantine")
        assert quarantined.height == 6
        assert set(quarantined["reason"]) == {"close too big"}
        assert set(quarantined["data_set"]) == {TABLE}
        assert "2024-01-03|kraken:ETH-USD" in set(quarantined["partition_key"])
        assert quarantined["raw_json"].str.contains('"close":23.0').all()


def test_a_point_in_the_stream_sees_every_batch_before_it_written_and_a_bad_write_fails(
    io_env: dict[str, str],
) -> None:
    """Batches are written in a worker thread while the stream makes the next: an AfterWrites
    point still runs only once the batches before it are in the table, and a write that fails
    fails the run with nothing after it written."""
    warehouse = Warehouse(warehouse_settings(io_env))
    # Big enough that its write is still running when the point is reached, were it not waited.
    first = pl.concat(
        day_of_candles(str(date(2024, 1, 1) + timedelta(days=d)), "kraken:BTC-USD")
        for d in range(1000)
    )
    seen: list[int] = []

    @dg.asset(metadata=METADATA)
    def toy_points() -> BatchStream:
        def batches():
            yield Batch(first)
            yield AfterWrites(lambda: seen.append(warehouse.read(TABLE).height))
            yield Batch(first.head(24).with_columns(symbol=pl.lit(None, pl.String)))  # NULL key
            yield Batch(day_of_candles("2020-01-01", "kraken:BTC-USD"))

        return BatchStream(batches())

    result = dg.materialize(
        [toy_points],
        resources={"io_manager": WarehouseIOManager.from_env()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert "have a NULL key column" in step_error(result)
    assert seen == [first.height]
    assert warehouse.read(TABLE).height == first.height  # nothing after the failed write


def test_resource_keeps_the_password_out_of_config(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"S2_HOST": "db.example", "S2_PASSWORD": "s3cr3t", "S2_DATABASE": "market"}
    resource = WarehouseResource.from_env(env)
    assert resource.password == "S2_PASSWORD" and resource.host == "S2_HOST"
    assert isinstance(resource.password, dg.EnvVar)
    assert "s3cr3t" not in repr(resource)
    with pytest.raises(ConfigError, match="S2_PASSWORD"):
        WarehouseResource.from_settings(
            WarehouseSettings(database="market", host="db.example", password="s3cr3t")
        )
    for name in ENV_FIELDS.values():
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from_settings = WarehouseResource.from_settings(warehouse_settings())
    assert from_settings.password == "S2_PASSWORD"
    assert from_settings.settings().password == "s3cr3t"  # resolved only when used


def test_output_without_table_metadata_is_refused(local_env: dict[str, str]) -> None:
    @dg.asset
    def untagged() -> pl.DataFrame:
        return pl.DataFrame({"a": [1]})

    resource = WarehouseResource(local_dir=local_env["CCDATA_HOME"])
    with pytest.raises(ConfigError, match="needs ccdata/table and ccdata/table_ddl metadata"):
        dg.materialize([untagged], resources={"io_manager": WarehouseIOManager(warehouse=resource)})
