"""Disk use of the embedded warehouse: bytes per stored row of every time-series table, per
instrument-year, and for the default universe from CCDATA_START_DATE to today.

One instrument of each universe gets a year of 1d and 1h candles and a day of 1m candles from the
embedded simulator, through the platform's own jobs, into a fresh embedded warehouse; SQLite's
`dbstat` table then gives each table's pages (rows and indexes). Universe sizes are what each
instrument sensor would add with the default settings.

    .venv/bin/python scripts/disk_use.py
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)
ROWS_PER_YEAR = {"1d": 365, "1h": 365 * 24, "1m": 365 * 1440}


def main() -> None:
    home = tempfile.mkdtemp(prefix="ccdata-disk-")
    os.environ.update({"CCDATA_HOME": home, "CCDATA_NOW": NOW.isoformat()})
    for name in ("S2_HOST", "SINGLESTOREDB_URL", "CCDATA_API_KEY", "CCDATA_START_DATE"):
        os.environ.pop(name, None)

    import dagster as dg
    import polars as pl
    from bench_setup import QUIET as quiet
    from bench_setup import platform_with_metadata

    from ccdata_assets.datasets.catalog import TIME_SERIES, UNIVERSES
    from ccdata_assets.datasets.settings import universe_settings
    from ccdata_assets.partitions import INSTRUMENT_KEY_FORMAT, partition_start, range_tags
    from ccdata_assets.warehouse.resource import WarehouseResource

    defs, instance = platform_with_metadata()

    warehouse = WarehouseResource.from_env().get()
    members: dict[str, list[str]] = {}  # what each sensor adds with the default settings
    chosen: dict[str, list[str]] = {}  # one trading instrument of each universe
    for universe in UNIVERSES:
        sensor = defs.resolve_sensor_def(f"{universe.partitions_name}_sensor")
        with dg.build_sensor_context(
            instance=instance, resources={"warehouse": WarehouseResource.from_env()}
        ) as context:
            result = sensor(context)
        added = [
            key
            for request in getattr(result, "dynamic_partitions_requests", None) or []
            if isinstance(request, dg.AddDynamicPartitionsRequest)
            for key in request.partition_keys
        ]
        members[universe.partitions_name] = added
        listed = warehouse.read(universe.instruments_table).filter(
            pl.col("instrument_status_on_exchange") == "ACTIVE"
        )
        active = set(
            listed.select(
                pl.format(INSTRUMENT_KEY_FORMAT, universe.market_column, universe.instrument_column)
            ).to_series()
        )
        chosen[universe.partitions_name] = [next(key for key in added if key in active)]
        instance.add_dynamic_partitions(universe.partitions_name, chosen[universe.partitions_name])

    year_ago = (NOW - timedelta(days=365)).date()
    yesterday = NOW.date() - timedelta(days=1)
    for spec in TIME_SERIES:
        instrument = chosen[spec.universe.partitions_name]
        first = yesterday if spec.interval.label == "1m" else year_ago
        first = partition_start(first, spec.interval.partition)
        last = partition_start(yesterday, spec.interval.partition)
        job = defs.resolve_job_def(f"{spec.name}_job")
        tags = range_tags(first, last, instrument)
        assert job.execute_in_process(instance=instance, run_config=quiet, tags=tags).success

    settings = universe_settings()
    today = datetime.now(UTC).date()  # the default universe's history runs up to today
    days_kept = (today - settings.start_date).days
    path = os.path.join(home, "market.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        indexes = dict(db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='index'"))
        for index, table in indexes.items():
            sizes[table] = sizes.get(table, 0) + sizes.pop(index, 0)
        print(
            f"{'data set':28} {'bytes/row':>9} {'MB per instrument-year':>23} {'instruments':>11}"
            f" {'default universe MB':>19}"
        )
        total = 0.0
        for spec in TIME_SERIES:
            table = spec.table.name
            (rows,) = db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
            per_row = sizes.get(table, 0) / rows if rows else 0.0
            label = spec.interval.label
            year_mb = per_row * ROWS_PER_YEAR[label] / 1e6
            kept_days = settings.minute_history_days if label == "1m" else days_kept
            count = len(members[spec.universe.partitions_name])
            universe_mb = per_row * ROWS_PER_YEAR[label] / 365 * kept_days * count / 1e6
            total += universe_mb
            print(f"{spec.name:28} {per_row:9.0f} {year_mb:23.2f} {count:11d} {universe_mb:19.1f}")
    print(
        f"default universe from {settings.start_date} to {today} (minute data: last "
        f"{settings.minute_history_days} days): at most {total:.0f} MB (every instrument listed "
        "the whole time; expired contracts and later listings hold less)"
    )


if __name__ == "__main__":
    main()
