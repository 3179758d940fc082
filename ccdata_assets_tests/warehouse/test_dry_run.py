"""A run tagged ccdata/dry_run=true fetches and validates as usual, reports what it would write
and leaves the warehouse exactly as it was: no rows, no tables, no source marker, no migration.

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
from ccdata_assets.schedules import range_tags
from ccdata_assets.settings import ConfigError, warehouse_settings
from ccdata_assets.warehouse.connection import sqlite_path
from ccdata_assets.warehouse.dry_run import DRY_RUN_TAG, is_dry_run
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


def _materializations(result: Any, asset: str) -> dict[str | None, dict[str, Any]]:
    """Per partition key (None: unpartitioned), the materialisation's metadata values."""
    return {
        event.materialization.partition: {
            key: value.value for key, value in event.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
        if event.materialization.asset_key == dg.AssetKey(asset)
    }


def _dry_runs_write_nothing(instance: dg.DagsterInstance, env: dict[str, str], state) -> None:
    before = state(env)
    metadata_run = _run("metadata_job", instance, DRY)
    tags = {**range_tags(date(2026, 3, 1), date(2026, 3, 1), INSTRUMENTS), **DRY}
    candles_run = _run("spot_ohlcv_1d_job", instance, tags)
    assert state(env) == before

    [snapshot] = _materializations(metadata_run, "spot_instruments").values()
    assert snapshot["dry_run"] is True and snapshot["rows_would_write"] > 0
    assert "rows_written" not in snapshot

    by_partition = _materializations(candles_run, "spot_ohlcv_1d")
    keys = [dg.MultiPartitionKey({"date": "2026-03-01", "instrument": i}) for i in INSTRUMENTS]
    assert set(by_partition) == set(keys)
    for key in keys:  # March has 31 days: each instrument's partition would get 31 rows
        meta = by_partition[key]
        assert meta["dry_run"] is True and meta["rows_would_write"] == 31
        assert meta["rows_would_write_in_run"] == 62 and meta["rows_would_quarantine"] == 0
        assert meta["rows_would_write_by_partition"] == {str(k): 31 for k in keys}
    assert not candles_run.get_asset_check_evaluations()  # checks are skipped in a dry run
    logged = [record.user_message for record in instance.all_logs(candles_run.run_id)]
    assert any(
        "Dry run (ccdata/dry_run=true): spot_ohlcv_1d would write 62 rows" in m for m in logged
    )


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
    _dry_runs_write_nothing(instance, env, state)


def test_a_dry_run_on_an_empty_warehouse_creates_nothing(backend) -> None:
    env, state = backend
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("spot_instruments", INSTRUMENTS)
    assert state(env) in ({}, None)
    _dry_runs_write_nothing(instance, env, state)
    assert state(env) in ({}, None)


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
