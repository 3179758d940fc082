"""Two processes upsert into one embedded warehouse file at the same time, as two Dagster runs do."""

from __future__ import annotations

import multiprocessing
import time
from datetime import datetime, timedelta

import polars as pl

from ccdata_assets.warehouse import Warehouse
from ccdata_assets.warehouse.settings import warehouse_settings

HOURS = 2_000


def _writer(env: dict[str, str], symbol: str, offset: float, start, spans, rounds: int) -> None:
    warehouse = Warehouse(warehouse_settings(env), chunk_rows=250)  # many short transactions
    shared = pl.DataFrame(
        {
            "datetime": [datetime(2024, 1, 1) + timedelta(hours=i) for i in range(HOURS)],
            "exchange": "kraken",
            "symbol_unmapped": "x",
            "symbol": "BTC-USD",  # both processes write these keys
        }
    )
    own = shared.with_columns(pl.lit(symbol).alias("symbol"))  # only this process writes these
    start.wait()
    began = time.monotonic()
    for n in range(rounds):
        close = pl.lit(offset + n, pl.Float64).alias("close")
        warehouse.upsert("cc_ohlcv_spot_1h_raw", pl.concat([shared, own]).with_columns(close))
    spans.put((began, time.monotonic()))


def test_two_processes_upsert_concurrently(local_env: dict[str, str]) -> None:
    Warehouse(warehouse_settings(local_env)).ensure_table("cc_ohlcv_spot_1h_raw")
    ctx = multiprocessing.get_context("spawn")
    start, spans = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_writer, args=(local_env, symbol, offset, start, spans, 3))
        for symbol, offset in (("ETH-USD", 1000.0), ("SOL-USD", 2000.0))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    (a_start, a_end), (b_start, b_end) = spans.get(timeout=5), spans.get(timeout=5)
    assert a_start < b_end and b_start < a_end, "the two writers did not overlap in time"

    rows = Warehouse(warehouse_settings(local_env)).read("cc_ohlcv_spot_1h_raw")
    per_symbol = dict(rows.group_by("symbol").len().iter_rows())
    assert per_symbol == {"BTC-USD": HOURS, "ETH-USD": HOURS, "SOL-USD": HOURS}
    closes = dict(rows.group_by("symbol").agg(pl.col("close").unique()).iter_rows())
    assert closes["ETH-USD"] == [1002.0] and closes["SOL-USD"] == [2002.0]  # last round won
    assert set(closes["BTC-USD"]) <= {1002.0, 2002.0}  # each row: its later writer's last round
    assert rows["collected_at"].null_count() == 0
