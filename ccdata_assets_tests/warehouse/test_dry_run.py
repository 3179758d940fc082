"""A run tagged ccdata/dry_run=true fetches and validates as usual, reports what it would write
and leaves the warehouse exactly as it was: no rows, no tables, no source marker, no migration.
It leaves Dagster's asset status as it was too: no materialisation (a partition it covers stays
missing, or materialised by its last real run), only observations with the counts.

Proven on MariaDB (SHOW TABLES, CHECKSUM TABLE and row counts) and on the embedded SQLite file
(its tables and a hash of each table's full content), both on a filled and an empty warehouse.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from typing import Any

import dagster as dg
import polars as pl
import pytest
import singlestoredb

from ccdata_assets.definitions import build_definitions
from ccdata_assets.partitions import range_tags
from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.connection import sqlite_path
from ccdata_assets.warehouse.ddl import load_table
from ccdata_assets.warehouse.dry_run import DRY_RUN_TAG, is_dry_run
from ccdata_assets.warehouse.io_manager import WarehouseIOManager, table_metadata
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets.warehouse.warehouse import Warehouse

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
INSTRUMENTS = ["kraken:BTC-USD", "kraken:ETH-USD"]
DRY = {DRY_RUN_TAG: "true"}
ENV = {
    "CCDATA_NOW": "2026-06-15T12:30:00",
    "CCDATA_START_DATE": "2026-01-01",
    "CCDATA_SPOT_EXCHANGES": "kraken",
    "CCDATA_TOP_N_ASSETS": "2",
}


def _mariadb_state(env: dict[str, str]) -> dict[str, Any]:
    """Every table of the database with its checksum and row count."""
    conn = singlestoredb.connect(
        host=env["S2_HOST"],
        port=int(env["S2_PORT"]),
        user=env["S2_USER"],
        password=env["S2_PASSWORD"],
        database=env["S2_DATABASE"],
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            tables = sorted(row[0] for row in cur.fetchall())
            state: dict[str, Any] = {}
            for table in tables:
                cur.execute(f"CHECKSUM TABLE `{table}`")
                checksum = cur.fetchall()[0][1]
                cur.execute(f"SELECT COUNT(*) FROM `{table}`")
                state[table] = (checksum, cur.fetchall()[0][0])
            return state
    finally:
        conn.close()


def _sqlite_state(env: dict[str, str]) -> dict[str, Any] | None:
    """Every table of the embedded file with its DDL, row count and a hash of its sorted rows;
    None when the file does not exist."""
    path = sqlite_path(warehouse_settings(env))
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        state: dict[str, Any] = {}
        for name, ddl in tables:
            rows = sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{name}"'))
            state[name] = (ddl, len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return state
    finally:
        conn.close()


@pytest.fixture(params=["mariadb", "sqlite"])
def backend(request, monkeypatch) -> tuple[dict[str, str], Any]:
    """(environment, state function) of a fresh MariaDB database or embedded warehouse."""
    if request.param == "mariadb":
        env, state = request.getfixturevalue("mysql_env"), _mariadb_state
    else:
        env, state = request.getfixturevalue("local_env"), _sqlite_state
    for name, value in {**env, **ENV}.items():
        monkeypatch.setenv(name, value)
    return env, state


def _run(job: str, instance: dg.DagsterInstance, tags: dict[str, str]) -> Any:
    result = (
        build_definitions()
        .resolve_job_def(job)
        .execute_in_process(instance=instance, tags=tags, run_config=QUIET)
    )
    assert result.success
    return result


def _observations(result: Any, asset: str) -> dict[str | None, dict[str, Any]]:
    """Per partition key (None: unpartitioned), the observation's metadata values."""
    return {
        event.asset_observation_data.asset_observation.partition: {
            key: value.value
            for key, value in event.asset_observation_data.asset_observation.metadata.items()
        }
        for event in result.get_asset_observation_events()
        if event.asset_observation_data.asset_observation.asset_key == dg.AssetKey(asset)
    }


def _asset_status(instance: dg.DagsterInstance) -> dict[str, Any]:
    """What Dagster (and so the UI, freshness, alerts, the metrics exporter) knows of the assets'
    materialisations: latest event per asset, materialised partitions, each partition's status."""
    defs = build_definitions()
    status: dict[str, Any] = {}
    for asset in ("spot_instruments", "spot_ohlcv_1d"):
        latest = instance.get_latest_materialization_event(dg.AssetKey(asset))
        status[asset] = (latest.run_id, latest.timestamp) if latest else None
    key = dg.AssetKey("spot_ohlcv_1d")
    partitions_def = defs.resolve_assets_def(key).partitions_def
    assert partitions_def is not None
    status["materialized"] = instance.get_materialized_partitions(key)
    cells = [
        str(dg.MultiPartitionKey({"date": d, "instrument": i}))
        for d in ("2026-03-01", "2026-05-01")
        for i in INSTRUMENTS
    ]
    # None (no status at all) until the asset has an event; partitions without status left out
    by_partition = instance.get_status_by_partition(key, cells, partitions_def) or {}
    status["by_partition"] = {k: v for k, v in by_partition.items() if v is not None}
    return status


def _dry_run_candles(instance: dg.DagsterInstance, day: date) -> None:
    """A dry run of `day`'s month x both instruments: 31 rows would go to each partition
    (March and May have 31 days), all reported as observations, none materialised."""
    tags = {**range_tags(day, day, INSTRUMENTS), **DRY}
    candles_run = _run("spot_ohlcv_1d_job", instance, tags)
    assert not candles_run.get_asset_materialization_events()
    assert not [e for e in candles_run.all_events if e.is_failure]  # no step failed either
    by_partition = _observations(candles_run, "spot_ohlcv_1d")
    keys = [dg.MultiPartitionKey({"date": day.isoformat(), "instrument": i}) for i in INSTRUMENTS]
    assert set(by_partition) == set(keys)
    for key in keys:
        meta = by_partition[key]
        assert meta["dry_run"] is True and meta["rows_would_write"] == 31
        assert meta["rows_would_write_in_run"] == 62 and meta["rows_would_quarantine"] == 0
        assert meta["rows_fetched_in_run"] == 62 and "rows_written" not in meta
    assert not candles_run.get_asset_check_evaluations()  # checks are skipped in a dry run
    logged = [record.user_message for record in instance.all_logs(candles_run.run_id)]
    assert any(
        "Dry run (ccdata/dry_run=true): spot_ohlcv_1d would write 62 rows" in m for m in logged
    )


def _dry_runs_write_nothing(instance: dg.DagsterInstance, env: dict[str, str], state) -> None:
    before, status = state(env), _asset_status(instance)
    metadata_run = _run("metadata_job", instance, DRY)
    _dry_run_candles(instance, date(2026, 3, 1))
    assert state(env) == before
    assert _asset_status(instance) == status

    assert not metadata_run.get_asset_materialization_events()
    [snapshot] = _observations(metadata_run, "spot_instruments").values()
    assert snapshot["dry_run"] is True and snapshot["rows_would_write"] > 0
    assert "rows_written" not in snapshot
    assert {
        e.asset_observation_data.asset_observation.asset_key
        for e in metadata_run.get_asset_observation_events()
    } == set(build_definitions().resolve_job_def("metadata_job").asset_layer.executable_asset_keys)


def test_a_dry_run_on_a_filled_warehouse_changes_nothing(backend) -> None:
    env, state = backend
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("spot_instruments", INSTRUMENTS)
    _run("metadata_job", instance, {})
    real = _run(
        "spot_ohlcv_1d_job", instance, range_tags(date(2026, 5, 1), date(2026, 5, 1), INSTRUMENTS)
    )
    assert real.get_asset_check_evaluations()  # a real run does run its checks
    filled = state(env)
    assert filled and filled["cc_ohlcv_spot_1d_raw"][1] == 62 and "ccdata_source" in filled
    status = _asset_status(instance)
    may = {str(dg.MultiPartitionKey({"date": "2026-05-01", "instrument": i})) for i in INSTRUMENTS}
    assert status["materialized"] == may and status["spot_instruments"] is not None
    materialized = dg.AssetPartitionStatus.MATERIALIZED
    assert status["by_partition"] == dict.fromkeys(may, materialized)
    _dry_runs_write_nothing(instance, env, state)
    _dry_run_candles(instance, date(2026, 5, 1))  # a dry run over filled partitions: still filled
    assert state(env) == filled and _asset_status(instance) == status


def test_a_dry_run_on_an_empty_warehouse_creates_nothing(backend) -> None:
    env, state = backend
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("spot_instruments", INSTRUMENTS)
    assert state(env) in ({}, None)
    _dry_runs_write_nothing(instance, env, state)
    assert state(env) in ({}, None)
    status = _asset_status(instance)
    assert status["materialized"] == set() and status["spot_instruments"] is None
    assert status["by_partition"] == {}  # not materialised, failed or in progress


def test_the_tag_takes_true_or_false_and_refuses_anything_else() -> None:
    assert is_dry_run({DRY_RUN_TAG: "TRUE"}) and not is_dry_run({DRY_RUN_TAG: "false"})
    assert not is_dry_run({})
    with pytest.raises(ConfigError, match="must be 'true' or 'false', got 'ture'"):
        is_dry_run({DRY_RUN_TAG: "ture"})


def test_a_read_only_session_refuses_writes_and_reads_missing_tables_as_empty(local_env) -> None:
    warehouse = Warehouse(warehouse_settings(local_env), source="simulator")
    with warehouse.connect(read_only=True) as session:
        assert session.read("cc_assets").is_empty()
        session.claim_source()  # an unmarked warehouse: nothing to refuse, nothing claimed
        with pytest.raises(RuntimeError, match="read-only session"):
            session.upsert("cc_assets", pl.DataFrame({"asset_id": [1]}))
        with pytest.raises(RuntimeError, match="read-only session"):
            session.ensure_table("cc_assets")
    assert _sqlite_state(local_env) is None  # not even the file was created


def test_an_output_that_reaches_the_io_manager_in_a_dry_run_is_refused(
    local_env, monkeypatch
) -> None:
    """The assets observe instead of yielding an output in a dry run; should one yield an output
    anyway, the IO manager refuses it before writing anything, and nothing is materialised."""
    for name, value in local_env.items():
        monkeypatch.setenv(name, value)

    @dg.asset(metadata=table_metadata(load_table("cc_assets")))
    def assets() -> pl.DataFrame:
        return pl.DataFrame({"asset_id": [1]})

    result = dg.materialize(
        [assets],
        resources={"io_manager": WarehouseIOManager.from_env()},
        tags=DRY,
        raise_on_error=False,
    )
    assert not result.success and not result.get_asset_materialization_events()
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "yielded an output in a dry run" in str(failure.step_failure_data.error)
    assert _sqlite_state(local_env) is None  # not even the file was created
