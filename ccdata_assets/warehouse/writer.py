"""Upserting prepared frames (see `frames.prepare`) over an open connection.

MySQL protocol: the frame is streamed as CSV in ~1 MiB packets through LOAD DATA LOCAL INFILE
into a per-connection staging table, then merged with one INSERT ... SELECT ... ON DUPLICATE KEY
UPDATE. If the server refuses LOCAL INFILE, `LoadDataRefused` tells the caller to fall back to
`executemany`, which the client rewrites into multi-row INSERTs of up to ~1 MB each.
SQLite: `executemany` inside BEGIN IMMEDIATE, so a writer takes the file's write lock up front
and waits (busy timeout) instead of failing when another process is writing.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import polars as pl

from ccdata_assets.warehouse import dialects
from ccdata_assets.warehouse.connection import driver_errors
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.dialects import Dialect

PACKET_BYTES = 1 << 20  # each item is one protocol packet; the client breaks at >= 16 MiB
CSV_SLICE_ROWS = 4_096  # rows made into CSV at a time, ~1 MB of candles
T = TypeVar("T")


class LoadDataRefused(Exception):
    """The server or client has LOCAL INFILE disabled."""


def upsert_load_data(
    conn: Any, dialect: Dialect, table: TableDef, frame: pl.DataFrame, stages: set[str]
) -> None:
    columns = frame.columns
    stage = dialects.stage_name(table, columns)
    with conn.cursor() as cur:
        if stage not in stages:
            cur.execute(dialects.create_stage_sql(table, columns, dialect))
            stages.add(stage)
        else:
            cur.execute(f"TRUNCATE TABLE {dialect.quote(stage)}")
        try:
            cur.execute(
                dialects.load_data_sql(stage, columns, dialect), infile_stream=csv_packets(frame)
            )
        except driver_errors() as exc:
            if exc.errno in dialects.LOAD_DATA_REFUSED:
                raise LoadDataRefused(str(exc)) from None
            raise
        except RuntimeError as exc:  # the client refuses a server's file request by itself
            raise LoadDataRefused(str(exc)) from None
        cur.execute("SHOW WARNINGS")  # SingleStore documents no LIMIT clause on it
        if warnings := cur.fetchall()[:3]:
            raise ValueError(
                f"LOAD DATA into the staging table for {table.name} warned: {warnings}"
            )
        sql = dialects.upsert_sql(table, columns, dialect, from_stage=stage)
        retry_locks(lambda: cur.execute(sql))


def upsert_executemany(conn: Any, dialect: Dialect, table: TableDef, frame: pl.DataFrame) -> None:
    sql = dialects.upsert_sql(table, frame.columns, dialect)
    rows = frame.rows()
    if dialect is not Dialect.SQLITE:
        with conn.cursor() as cur:
            retry_locks(lambda: cur.executemany(sql, rows))
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(sql, rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def retry_locks(action: Callable[[], T], attempts: int = 4) -> T:
    """Re-run a statement that lost a deadlock or a lock wait; it is idempotent."""
    for attempt in range(attempts):
        try:
            return action()
        except driver_errors() as exc:
            if exc.errno not in dialects.RETRYABLE or attempt == attempts - 1:
                raise
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def csv_packets(frame: pl.DataFrame) -> Iterator[bytes]:
    """CSV the server reads back exactly: strings quoted (so 'NULL' stays text), backslashes and
    line breaks escaped for ESCAPED BY '\\\\', NULL written as \\N.

    Written slice by slice in a worker thread (polars does not hold the GIL) while the driver
    sends the slices before it, so making the text overlaps the server loading it.
    """
    escaped = frame.with_columns(
        pl.col(pl.String)
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all("\n", "\\n", literal=True)
        .str.replace_all("\r", "\\r", literal=True)
    )
    with ThreadPoolExecutor(1, thread_name_prefix="ccdata-csv") as pool:
        for text in pool.map(_csv, escaped.iter_slices(CSV_SLICE_ROWS)):
            for start in range(0, len(text), PACKET_BYTES):
                yield text[start : start + PACKET_BYTES]


def _csv(part: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    part.write_csv(buffer, include_header=False, null_value="\\N", quote_style="non_numeric")
    return buffer.getvalue()
