"""Polars on both sides of the driver: frames made writable, result rows made typed.

Every backend gets the same plain values (str, int, float, None), so the three write paths cannot
disagree: datetimes become naive-UTC 'YYYY-MM-DD HH:MM:SS' text (the tables are DATETIME, whole
seconds; tz-aware input is converted to UTC, naive input is taken as UTC), booleans 0/1, NaN and
infinities NULL (the client raises on NaN, and SQL has no NaN).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.dialects import INSERT_ONLY_COLUMNS, TOUCH_COLUMN

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def sql_datetime(value: datetime) -> str:
    """The text form stored in SQLite; comparisons on it sort like time."""
    value = utc_naive(value)
    return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")


def prepare(table: TableDef, frame: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """Check `frame` against the table and convert it to plain, writable values.

    Bookkeeping columns the frame lacks (created_at, updated_at, collected_at, quarantined_at)
    are filled with `now`, because legacy tables have them NOT NULL without a default.
    """
    schema = table.polars_schema()
    unknown = [c for c in frame.columns if c not in schema]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {unknown}; its columns are in sql/.")
    stamp = utc_naive(now).replace(microsecond=0)
    bookkeeping = [
        pl.lit(stamp, pl.Datetime("us")).alias(c)
        for c in table.column_names
        if c in (*INSERT_ONLY_COLUMNS, TOUCH_COLUMN) and c not in frame.columns
    ]
    frame = frame.with_columns(bookkeeping)
    missing = [
        c.name
        for c in table.columns
        if c.name not in frame.columns and not c.nullable and c.default is None
    ] + [k for k in table.primary_key if k not in frame.columns]
    if missing:
        raise ValueError(f"{table.name} needs column(s) {sorted(set(missing))} in every write.")
    out = frame.select(_writable(name, frame.schema[name], schema[name]) for name in frame.columns)
    null_keys = out.select(pl.any_horizontal(pl.col(table.primary_key).is_null()).sum()).item()
    if null_keys:
        raise ValueError(f"{null_keys} row(s) for {table.name} have a NULL key column.")
    return out


def _writable(name: str, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if isinstance(target, pl.Datetime):
        if isinstance(source, pl.Datetime) and source.time_zone is not None:
            col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        col = col.cast(pl.Datetime("us")).dt.truncate("1s").dt.strftime(DATETIME_FORMAT)
    elif target == pl.Float64:
        col = col.cast(pl.Float64)
        col = pl.when(col.is_finite()).then(col)
    elif target == pl.Boolean:
        col = col.cast(pl.Boolean).cast(pl.Int8)
    elif target == pl.String and isinstance(source, pl.Struct):
        col = col.struct.json_encode()  # JSON columns may be given as structs
    else:
        col = col.cast(target)
    return col.alias(name)


def typed(table: TableDef, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> pl.DataFrame:
    """Rows from the driver as a frame with the table's polars types (empty rows: empty frame)."""
    schema = table.polars_schema()
    raw = pl.DataFrame(
        [list(r) for r in rows] if rows else None,
        schema={c: _raw_type(schema[c]) for c in columns},
        orient="row",
        strict=False,
    )
    return raw.select(_typed(c, raw.schema[c], schema[c]) for c in columns)


def _raw_type(target: pl.DataType) -> pl.DataType | None:
    # DATETIME arrives as datetime objects (MySQL family) or text (SQLite); BOOLEAN as 0/1.
    return (
        None if isinstance(target, pl.Datetime) else pl.Int64() if target == pl.Boolean else target
    )


def _typed(name: str, raw: pl.DataType, target: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if isinstance(target, pl.Datetime) and raw == pl.String:
        return col.str.to_datetime(time_unit="us").alias(name)
    return col.cast(target).alias(name)
