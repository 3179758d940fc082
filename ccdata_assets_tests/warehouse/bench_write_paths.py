"""Side-by-side write speeds: LOAD DATA staging vs executemany on MariaDB, and SQLite.

Run: .venv/bin/python -m ccdata_assets_tests.warehouse.bench_write_paths [rows]
Uses CCDATA_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306) and a throwaway database.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import numpy as np
import polars as pl
import singlestoredb

from ccdata_assets.warehouse import Warehouse, load_table
from ccdata_assets.warehouse.settings import WarehouseSettings
from ccdata_assets_tests.support import TEST_MYSQL_URL

TABLE = "cc_ohlcv_spot_1m_raw"


def frame(rows: int, shift: float = 0.0) -> pl.DataFrame:
    """Full-width minute candles, 10 instruments, every column of the table filled."""
    rng = np.random.default_rng(7)
    schema = load_table(TABLE).polars_schema()
    start = datetime(2024, 1, 1)
    data: dict[str, object] = {}
    for name, dtype in schema.items():
        if name == "collected_at":
            continue
        if name == "datetime":
            data[name] = [start + timedelta(minutes=i // 10) for i in range(rows)]
        elif name in ("exchange", "symbol", "symbol_unmapped", "base", "quote"):
            data[name] = [f"{name[:3]}{i % 10}" for i in range(rows)]
        elif dtype == pl.Float64:
            data[name] = rng.random(rows) * 1000 + shift
        elif dtype == pl.Int64:
            data[name] = rng.integers(0, 10_000, rows)
        elif dtype == pl.String:
            data[name] = ["map"] * rows
        else:
            data[name] = [start + timedelta(seconds=i) for i in range(rows)]
    return pl.DataFrame(data)


def timed(label: str, warehouse: Warehouse, data: pl.DataFrame) -> float:
    began = time.perf_counter()
    warehouse.upsert(TABLE, data)
    seconds = time.perf_counter() - began
    print(
        f"{label:<34} {data.height:>8} rows {seconds:7.2f} s {data.height / seconds:>10,.0f} rows/s"
    )
    return seconds


def main(rows: int) -> None:
    parts = urlsplit(TEST_MYSQL_URL)
    database = f"ccdata_bench_{uuid.uuid4().hex[:8]}"
    server = WarehouseSettings(
        database=database,
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    first, second = frame(rows), frame(rows, shift=1.0)
    try:
        bulk, fallback = Warehouse(server), Warehouse(server, local_infile=False)
        bulk.ensure_table(TABLE)
        results = {
            "load": timed("MariaDB LOAD DATA + merge, insert", bulk, first),
            "load_update": timed("MariaDB LOAD DATA + merge, update", bulk, second),
        }
        bulk.query(f"TRUNCATE TABLE {TABLE}")
        results["many"] = timed("MariaDB executemany ODKU, insert", fallback, first)
        results["many_update"] = timed("MariaDB executemany ODKU, update", fallback, second)
        with tempfile.TemporaryDirectory() as tmp:
            local = Warehouse(WarehouseSettings(database="bench", local_dir=tmp))
            local.ensure_table(TABLE)
            results["sqlite"] = timed("SQLite executemany upsert, insert", local, first)
            results["sqlite_update"] = timed("SQLite executemany upsert, update", local, second)
        print(
            f"executemany / LOAD DATA time: insert {results['many'] / results['load']:.1f}x, "
            f"update {results['many_update'] / results['load_update']:.1f}x"
        )
    finally:
        with singlestoredb.connect(TEST_MYSQL_URL) as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
