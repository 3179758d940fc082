"""Ingest benchmark: the platform end to end vs the raw write path vs a dlt baseline, one run.

Everything goes to the same MariaDB (127.0.0.1:3306, root) from the same standalone simulator
(a subprocess, rate limits far above what is reached, history pages cached after a warm-up fetch
that no measurement includes), for the same rows: N spot instruments x Y years of 1h candles.

- platform: the `spot_ohlcv_1h_job` backfill as the platform launches it (`history_runs`), real
  Dagster runs in this process; cold (empty table) and warm (the table already holds the rows).
- raw: the rows the platform stored, read back and turned into CSV beforehand (not timed), then
  LOAD DATA LOCAL into a staging table + INSERT ... SELECT ... ON DUPLICATE KEY UPDATE into the
  same table (truncated for cold), the platform's own SQL in one statement each.
- dlt: dlt's REST client and SQLAlchemy destination with `write_disposition="merge"` on the
  primary key, as a Dagster user would write it, asking the simulator for the same pages; into a
  database of its own (dlt makes its own table), cold and then warm.

Prints rows/s of each pass and the ratios of the medians over `--repeat` passes: platform / raw
(target >= 0.5) and platform / dlt (dlt runs once: it is the slow one).

    .venv/bin/python scripts/benchmark_ingest.py [--instruments 20] [--years 1] [--repeat 3]
        [--no-dlt]

dlt is an optional extra: `.venv/bin/pip install -e ".[bench]"` installs it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root"}
SPEC_NAME = "spot_ohlcv_1h"
RECORDS = "per-partition records"
PER_PARTITION_EVENTS = (
    "ASSET_MATERIALIZATION_PLANNED",
    "ASSET_MATERIALIZATION",
    "ASSET_CHECK_EVALUATION",
)

# The standalone simulator with no enforced limit worth the name and a page cache that holds the
# whole job, so every measured pass is served the same cached bytes.
_SIMULATOR = """
import asyncio, sys
from ccdata_assets.simulator import SimulatorConfig
from ccdata_assets.simulator.server import serve

async def main():
    config = SimulatorConfig(require_api_key=False, rate_limit_per_second=1_000_000,
                             rate_limit_per_minute=60_000_000, page_cache_mb=2048)
    async with serve(config, "127.0.0.1", int(sys.argv[1])) as handle:
        print(handle.base_url, flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=20)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="passes; ratios use the medians")
    parser.add_argument("--no-dlt", action="store_true", help="skip the dlt baseline")
    args = parser.parse_args()
    dlt_missing = not args.no_dlt and not _has_dlt()
    if dlt_missing:
        print('dlt is not installed: `.venv/bin/pip install -e ".[bench]"` (or --no-dlt).')
        sys.exit(2)

    database = f"bench_ingest_{os.getpid()}"
    home = tempfile.mkdtemp(prefix="ccdata-bench-ingest-")
    start = (NOW - timedelta(days=365 * args.years)).date()
    port = _free_port()
    os.environ.update(
        {
            "CCDATA_NOW": NOW.isoformat(),
            "CCDATA_SIM_NOW": NOW.isoformat(),
            "CCDATA_START_DATE": start.isoformat(),
            "CCDATA_HOME": home,
            "CCDATA_SOURCE": "simulator",
            "DATA_API_BASE_URL": f"http://127.0.0.1:{port}",
            "CCDATA_CALLS_PER_SECOND": "10000",
            "CCDATA_CALLS_PER_MINUTE": "600000",
            "S2_HOST": MYSQL["host"],
            "S2_DATABASE": database,
            "RUNTIME__DLTHUB_TELEMETRY": "false",
        }
    )
    with _simulator(port) as base_url:
        try:
            _benchmark(args, base_url, database, home, start)
        finally:
            _drop(database, f"{database}_dlt", f"{database}_dlt_staging")
            shutil.rmtree(home, ignore_errors=True)


def _benchmark(args: argparse.Namespace, base_url: str, database: str, home: str, start) -> None:
    import dagster as dg

    from ccdata_assets.assets.backfill import history_runs
    from ccdata_assets.assets.planning import plan
    from ccdata_assets.assets.timeseries import page_jobs
    from ccdata_assets.datasets.catalog import TIME_SERIES
    from ccdata_assets.partitions import (
        DATE_DIMENSION,
        INSTRUMENT_DIMENSION,
        next_partition,
        partition_start,
    )
    from ccdata_assets.warehouse.resource import WarehouseResource

    spec = next(s for s in TIME_SERIES if s.name == SPEC_NAME)
    from bench_setup import QUIET as quiet
    from bench_setup import oldest_spot_instruments, platform_with_metadata

    defs, instance = platform_with_metadata()
    warehouse = WarehouseResource.from_env().get()
    keys, bounds = oldest_spot_instruments(instance, args.instruments)
    last_day = NOW.date() - timedelta(days=1)
    windows = [partition_start(start, spec.interval.partition)]
    while next_partition(windows[-1], spec.interval.partition) <= last_day:
        windows.append(next_partition(windows[-1], spec.interval.partition))
    partition_keys = [
        str(dg.MultiPartitionKey({DATE_DIMENSION: w.isoformat(), INSTRUMENT_DIMENSION: k}))
        for w in windows
        for k in keys
    ]
    jobs = page_jobs(spec, plan(partition_keys, spec.interval, bounds, NOW))
    pages = [
        (spec.request_params(i.market, i.instrument), page.to_ts, page.limit) for i, _, page in jobs
    ]
    warm_rows = _warm_up(base_url, spec.path, pages)
    job = defs.resolve_job_def(f"{spec.name}_job")
    runs = history_runs(windows[0], windows[-1], keys)
    print(
        f"{spec.name}: {len(keys)} instruments x {len(windows)} monthly windows, {len(runs)} "
        f"run(s), {len(pages)} API pages, {warm_rows} rows served (cached in the simulator)"
    )

    steps: dict[str, float] = {}  # seconds per step of the last platform pass

    def platform() -> tuple[int, float]:
        """One pass; only the runs are timed (their figures and logs are read afterwards)."""
        rows, seconds = 0, 0.0
        steps.clear()
        for tags in runs:
            started = time.perf_counter()
            result = job.execute_in_process(instance=instance, run_config=quiet, tags=tags)
            seconds += time.perf_counter() - started
            assert result.success, tags
            event = result.get_asset_materialization_events()[0].materialization
            rows += event.metadata["rows_written_in_run"].value
            steps["fetch"] = (
                steps.get("fetch", 0.0) + event.metadata["fetch_wall_seconds_in_run"].value
            )
            logs = instance.all_logs(result.run_id)
            for key, seconds_of_step in _step_seconds(logs).items():
                steps[key] = steps.get(key, 0.0) + seconds_of_step
            records = steps.get(RECORDS, 0.0) + _record_seconds(logs)
            steps[RECORDS] = records
        return rows, seconds

    results: dict[str, list[tuple[int, float]]] = {}

    def record(name: str, outcome: tuple[int, float]) -> None:
        results.setdefault(name, []).append(outcome)
        rows, seconds = outcome
        print(f"{name:>14}: {rows:>8} rows {seconds:>8.2f} s {rows / seconds:>8.0f} rows/s")

    def record_platform(name: str) -> None:
        record(name, platform())
        rows = results[name][-1][0]
        checks = sum(s for key, s in steps.items() if key not in (spec.name, "fetch", RECORDS))
        print(
            f"{'':>14}  of which the asset step {steps[spec.name]:.2f} s "
            f"({rows / steps[spec.name]:.0f} rows/s; fetching and parsing "
            f"{steps['fetch']:.2f} s of it), check steps {checks:.2f} s; Dagster recording "
            f"{len(partition_keys)} partitions' planned, materialisation and check "
            f"events {steps[RECORDS]:.2f} s"
        )
        results.setdefault(f"{name} (asset step)", []).append((rows, steps[spec.name]))

    stored = None
    for attempt in range(1, args.repeat + 1):
        print(f"-- pass {attempt} of {args.repeat}")
        _truncate(warehouse, spec.table)  # cold means an empty table on every pass
        record_platform("platform cold")
        stored = warehouse.read(spec.table) if stored is None else stored
        record("raw cold", _raw(warehouse, spec.table, stored, truncate=True))
        record("raw warm", _raw(warehouse, spec.table, stored, truncate=False))
        record_platform("platform warm")
    if not args.no_dlt:
        record("dlt cold", _timed(lambda: _dlt(base_url, spec.path, pages, database, home)))
        record("dlt warm", _timed(lambda: _dlt(base_url, spec.path, pages, database, home)))

    def rate(name: str) -> float:
        """The median rows/s of the passes."""
        return statistics.median(rows / seconds for rows, seconds in results[name])

    print(f"-- medians of {args.repeat} pass(es)")
    print(
        f"platform / raw: cold {rate('platform cold') / rate('raw cold'):.2f}, "
        f"warm {rate('platform warm') / rate('raw warm'):.2f} (target >= 0.5); "
        f"the asset step alone: cold {rate('platform cold (asset step)') / rate('raw cold'):.2f}, "
        f"warm {rate('platform warm (asset step)') / rate('raw warm'):.2f}"
    )
    if not args.no_dlt:
        print(
            f"platform / dlt: cold {rate('platform cold') / rate('dlt cold'):.2f} (target >= 3), "
            f"warm {rate('platform warm') / rate('dlt warm'):.2f}"
        )


def _truncate(warehouse: Any, table: Any) -> None:
    with warehouse.connect() as session:
        session.ensure_table(table)
        session.execute(f"TRUNCATE TABLE {session.dialect.quote(table.name)}")


def _record_seconds(entries: list[Any]) -> float:
    """Seconds Dagster spent recording the per-partition events of a run: for each kind
    (planned, materialised, check evaluated), from its first to its last event, which it writes
    back to back."""
    moments: dict[str, list[float]] = {}
    for entry in entries:
        event = entry.dagster_event
        if event is not None and event.event_type_value in PER_PARTITION_EVENTS:
            moments.setdefault(event.event_type_value, []).append(entry.timestamp)
    return sum(max(times) - min(times) for times in moments.values())


def _step_seconds(entries: list[Any]) -> dict[str, float]:
    """Each step's seconds from its STEP_START to its STEP_SUCCESS event (event log entries)."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in entries:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.is_step_start:
            started[event.step_key] = entry.timestamp
        elif event.is_step_success:
            seconds[event.step_key] = entry.timestamp - started[event.step_key]
    return seconds


def _timed(action: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    rows = action()
    return rows, time.perf_counter() - started


def _raw(warehouse: Any, table: Any, stored: Any, *, truncate: bool) -> tuple[int, float]:
    """LOAD DATA LOCAL of prepared CSV into a staging table + one INSERT ... SELECT ... ODKU."""
    from ccdata_assets.warehouse import dialects, writer
    from ccdata_assets.warehouse.frames import prepare

    frame = prepare(table, stored, datetime.now(UTC))
    packets = list(writer.csv_packets(frame))  # the CSV is made before the clock starts
    columns = frame.columns
    with warehouse.connect() as session, session.connection.cursor() as cur:
        dialect = session.dialect
        if truncate:
            cur.execute(f"TRUNCATE TABLE {dialect.quote(table.name)}")
        stage = dialects.stage_name(table, columns)
        started = time.perf_counter()
        cur.execute(dialects.create_stage_sql(table, columns, dialect))
        cur.execute(
            dialects.load_data_sql(stage, columns, dialect),
            infile_stream=iter(packets),
        )
        cur.execute(dialects.upsert_sql(table, columns, dialect, from_stage=stage))
        seconds = time.perf_counter() - started
    return frame.height, seconds


def _dlt(base_url: str, path: str, pages: list, database: str, home: str) -> int:
    """The baseline a Dagster user would write with dlt: REST client pages -> merge on the key."""
    import dlt
    from dlt.sources.helpers.rest_client import RESTClient

    client = RESTClient(base_url=base_url)
    rows = 0

    # The key as a real PRIMARY KEY (VARCHAR key columns, `create_primary_keys`): without it
    # dlt's delete-insert merge scans the whole table per staged row, and a warm merge of
    # 20 x 1 year of 1h had not finished after 9 minutes.
    key = {"data_type": "text", "precision": 64, "nullable": False}

    @dlt.resource(
        name=SPEC_NAME,
        write_disposition="merge",
        primary_key=("timestamp", "market", "instrument"),
        columns={"market": key, "instrument": key},
    )
    def candles() -> Iterator[list[dict[str, Any]]]:
        nonlocal rows
        for params, to_ts, limit in pages:
            data = client.get(path, params={**params, "to_ts": to_ts, "limit": limit}).json()
            rows += len(data["Data"])
            yield data["Data"]

    credentials = f"mysql+pymysql://{MYSQL['user']}@{MYSQL['host']}:{MYSQL['port']}/{database}"
    pipeline = dlt.pipeline(
        pipeline_name=f"{database}_dlt",
        destination=dlt.destinations.sqlalchemy(credentials=credentials, create_primary_keys=True),
        dataset_name=f"{database}_dlt",
        pipelines_dir=os.path.join(home, "dlt"),
    )
    pipeline.run(candles())
    return rows


def _warm_up(base_url: str, path: str, pages: list) -> int:
    """Ask for every page once, so the simulator serves all measured passes from its cache."""
    import json
    import urllib.parse
    import urllib.request

    rows = 0
    for params, to_ts, limit in pages:
        query = urllib.parse.urlencode({**params, "to_ts": to_ts, "limit": limit})
        with urllib.request.urlopen(f"{base_url}{path}?{query}") as response:
            rows += len(json.loads(response.read())["Data"])
    return rows


@contextmanager
def _simulator(port: int) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _SIMULATOR, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_dlt() -> bool:
    try:
        import dlt  # noqa: F401
    except ImportError:
        return False
    return True


def _drop(*databases: str) -> None:
    import singlestoredb

    with singlestoredb.connect(**MYSQL) as conn, conn.cursor() as cur:
        for name in databases:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


if __name__ == "__main__":
    main()
