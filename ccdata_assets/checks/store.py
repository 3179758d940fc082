"""Warehouse access for checks: typed window reads (`Session.read`, which never creates or alters a
table, so a schema check sees the table as it is) and aggregates. Table and column names always
come from the DDL (`TableDef`), never from input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from ccdata_assets.assets.planning import Bounds
from ccdata_assets.datasets.spec import Universe
from ccdata_assets.datasets.universe import STATUS_COLUMN, instrument_bounds
from ccdata_assets.partitions import InstrumentKey
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.dialects import Dialect
from ccdata_assets.warehouse.frames import sql_datetime, utc_naive
from ccdata_assets.warehouse.warehouse import Session

# Up to this many instruments are filtered in SQL; more are read by time and joined in polars.
INSTRUMENT_FILTER_LIMIT = 50


@dataclass(frozen=True)
class StoredColumn:
    name: str
    sql_type: str  # as the server reports it: "varchar(255)", "bigint(20)", "TEXT"
    primary: bool


def stored_columns(session: Session, table: TableDef) -> list[StoredColumn]:
    """The table's columns as stored (empty if the table does not exist)."""
    if session.dialect is Dialect.SQLITE:
        sql = "SELECT name, type, pk FROM pragma_table_info(%s)"
    else:
        sql = (
            "SELECT COLUMN_NAME, COLUMN_TYPE, COLUMN_KEY FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION"
        )
    frame = session.query(sql, [table.name])
    return [
        StoredColumn(str(name), str(sql_type), key not in (None, 0, "", "0"))
        for name, sql_type, key in frame.rows()
    ]


def time_param(session: Session, moment: datetime) -> Any:
    """A DATETIME comparison value as each backend stores it (SQLite keeps text)."""
    return sql_datetime(moment) if session.dialect is Dialect.SQLITE else utc_naive(moment)


def quote(session: Session, table: TableDef, column: str) -> str:
    table.column(column)  # a name that is not in the DDL never reaches SQL
    return session.dialect.quote(column)


def instrument_condition(
    session: Session,
    table: TableDef,
    instrument_columns: tuple[str, str],
    instruments: Sequence[InstrumentKey],
) -> tuple[str, list[Any]]:
    """A WHERE fragment matching the (market, instrument) pairs, or "1 = 1" when there are more
    than INSTRUMENT_FILTER_LIMIT of them (callers then keep the wanted ones in polars)."""
    if len(instruments) > INSTRUMENT_FILTER_LIMIT:
        return "1 = 1", []
    if not instruments:
        return "1 = 0", []
    market, name = (quote(session, table, c) for c in instrument_columns)
    pair = f"({market} = %s AND {name} = %s)"
    params = [v for i in instruments for v in (i.market, i.instrument)]
    return "(" + " OR ".join(pair for _ in instruments) + ")", params


def read_table(session: Session, table: TableDef, columns: Sequence[str]) -> pl.DataFrame:
    """Whole (small) table, typed; empty if it does not exist yet."""
    return session.read(table, columns=columns)


def read_rows(
    session: Session,
    table: TableDef,
    *,
    columns: Sequence[str],
    time_column: str,
    instrument_columns: tuple[str, str],
    start: datetime,
    end: datetime,
    instruments: Sequence[InstrumentKey],
) -> pl.DataFrame:
    """Rows with start <= time < end of `instruments`, typed like the DDL, sorted by key."""
    wanted = list(dict.fromkeys([time_column, *instrument_columns, *columns]))
    market, name = instrument_columns
    equals = None
    if len(instruments) <= INSTRUMENT_FILTER_LIMIT:
        equals = {
            market: [i.market for i in instruments],
            name: [i.instrument for i in instruments],
        }
    frame = session.read(
        table, columns=wanted, time_column=time_column, start=start, end=end, equals=equals
    )
    if equals is None:
        keys = pl.DataFrame(
            {market: [i.market for i in instruments], name: [i.instrument for i in instruments]},
            schema={market: pl.String, name: pl.String},
        )
        frame = frame.join(keys, on=[market, name], how="semi")
    return frame.sort([market, name, time_column])


def as_datetime(series: pl.Series) -> pl.Series:
    """Driver DATETIME values (datetime objects, or SQLite text) as a polars Datetime series."""
    if series.dtype == pl.String:
        return series.str.to_datetime(time_unit="us")
    return series.cast(pl.Datetime("us"))


def as_date(series: pl.Series) -> pl.Series:
    """Driver DATE values (date objects, or SQLite text) as a polars Date series."""
    if series.dtype == pl.String:
        return series.str.to_date()
    return series.cast(pl.Date)


def trade_bounds(session: Session, universe: Universe) -> dict[InstrumentKey, Bounds]:
    """First and last trade of every instrument in the universe's instruments table (the last
    only for instruments no longer active), as the asset plans its requests by."""
    table = universe.instruments_table
    columns = [
        universe.market_column,
        universe.instrument_column,
        universe.first_trade_column,
        universe.last_trade_column,
        *([STATUS_COLUMN] if STATUS_COLUMN in table.column_names else []),
    ]
    return instrument_bounds(read_table(session, table, columns), universe)
