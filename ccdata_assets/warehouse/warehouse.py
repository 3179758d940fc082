"""`Warehouse`: typed polars reads and idempotent upserts on SingleStore, MariaDB/MySQL or SQLite.

Open one `Session` per Dagster step with `with warehouse.connect() as session:`; the shortcut
methods on `Warehouse` open one for a single call. Frames are written in bounded chunks so memory
stays flat, and only the columns a frame has are written: other columns keep their values on
update and their defaults on insert.

Tables are given as the `TableDef` the data set's spec holds (no lookup); a table name is accepted
too, for tests and scripts, and resolved by the DDL loader (`ddl.as_table`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from ccdata_assets.warehouse import dialects, source_marker, writer
from ccdata_assets.warehouse.connection import (
    CONNECTION_LOST,
    describe,
    driver_errors,
    lost_connection,
    open_connection,
    sqlite_path,
)
from ccdata_assets.warehouse.ddl import TableDef, as_table, load_table, table_names
from ccdata_assets.warehouse.dialects import Dialect
from ccdata_assets.warehouse.frames import prepare, sql_datetime, typed, utc_naive
from ccdata_assets.warehouse.ledger import ledger_table
from ccdata_assets.warehouse.reader import select_sql
from ccdata_assets.warehouse.settings import WarehouseSettings, warehouse_settings

CHUNK_ROWS = 50_000
_ensured: set[tuple[str, str]] = set()  # (warehouse, table) already created/migrated here
_ensured_lock = threading.Lock()


class Warehouse:
    def __init__(
        self,
        settings: WarehouseSettings | None = None,
        *,
        local_infile: bool = True,
        chunk_rows: int = CHUNK_ROWS,
        source: str | None = None,
    ) -> None:
        self.settings = settings or warehouse_settings()
        self.source = source  # "api" or "simulator": what writes claim (source_marker)
        self.local_infile = local_infile
        self.chunk_rows = chunk_rows
        self.load_data_works: bool | None = None  # learnt on the first bulk write
        self.location = describe(self.settings)

    def __repr__(self) -> str:
        return f"Warehouse({self.location})"

    @property
    def database(self) -> str:
        return self.settings.database

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session; `read_only` (dry runs) never creates or changes a table, and a missing
        embedded file is read as an empty warehouse instead of being created."""
        if read_only and self.settings.embedded and not sqlite_path(self.settings).exists():
            conn, dialect = sqlite3.connect(":memory:"), Dialect.SQLITE
        else:
            conn, dialect = open_connection(self.settings, local_infile=self.local_infile)
        try:
            yield Session(self, conn, dialect, read_only=read_only)
        except driver_errors() as exc:
            if exc.errno in CONNECTION_LOST:
                raise lost_connection(self.settings, exc) from None
            raise
        finally:
            with suppress(Exception):  # a lost connection is closed already
                conn.close()

    def ensure_table(self, table: TableDef | str) -> TableDef:
        with self.connect() as session:
            return session.ensure_table(table)

    def ensure_tables(self) -> tuple[str, ...]:
        """Create or migrate every data table and its quarantine twin, and the backfill ledger:
        the explicit schema step (`python -m ccdata_assets.warehouse`), since reads never touch
        the schema."""
        tables = [
            t for name in table_names() for t in (load_table(name), load_table(name).quarantine)
        ]
        tables.append(ledger_table())
        with self.connect() as session:
            for table in tables:
                session.ensure_table(table)
        return tuple(t.name for t in tables)

    def upsert(self, table: TableDef | str, frame: pl.DataFrame) -> int:
        with self.connect() as session:
            return session.upsert(table, frame)

    def read(
        self,
        table: TableDef | str,
        *,
        time_column: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        equals: Mapping[str, Sequence[Any]] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        with self.connect() as session:
            return session.read(
                table, time_column=time_column, start=start, end=end, equals=equals, columns=columns
            )

    def query(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        with self.connect() as session:
            return session.query(sql, params)


def _time_param(dialect: Dialect, moment: datetime) -> Any:
    """A DATETIME comparison value as each backend stores it (SQLite keeps text)."""
    return sql_datetime(moment) if dialect is Dialect.SQLITE else utc_naive(moment)


@dataclass
class Session:
    """One open connection and what it has learnt (dialect, staging tables).

    A `read_only` session refuses every write (a dry run's safety net). Reads never create or
    alter a table: schema is ensured where rows are written (`upsert`) and by the explicit
    `python -m ccdata_assets.warehouse` step, so sensors and checks see tables as they are.
    """

    warehouse: Warehouse
    connection: Any
    dialect: Dialect
    _stages: set[str] = field(default_factory=set)
    read_only: bool = False
    _stored: dict[str, frozenset[str]] = field(default_factory=dict)  # table -> its columns now

    def ensure_table(self, table: TableDef | str) -> TableDef:
        """Create the table if missing and add DDL columns it lacks (additive migration)."""
        table = as_table(table)
        self._refuse_if_read_only(f"create or migrate {table.name}")
        key = (self.warehouse.location, table.name)
        if key in _ensured:
            return table
        self._run(dialects.create_table_sql(table, self.dialect))
        _, rows = self._run(dialects.existing_columns_sql(self.dialect), [table.name])
        existing = {r[0] for r in rows}
        for column in table.columns:
            if column.name not in existing:
                if not column.nullable and column.default is None:
                    raise ValueError(
                        f"{table.name} lacks NOT NULL column {column.name!r}; add it by hand "
                        "(a NOT NULL column without a default cannot be added to existing rows)."
                    )
                self._run(dialects.add_column_sql(table, column, self.dialect))
        self._stored.pop(table.name, None)
        with _ensured_lock:
            _ensured.add(key)
        return table

    def claim_source(self) -> None:
        """Refuse to write if the warehouse holds the other kind of data (real or simulated);
        read-only, refuse the same way without claiming an unmarked warehouse."""
        if self.warehouse.source is None:
            return
        if self.read_only:
            if self.table_exists(source_marker.marker_table().name):
                source_marker.refuse_other(self, self.warehouse.source)
            return
        source_marker.claim(self, self.warehouse.source)

    def table_exists(self, name: str) -> bool:
        return bool(self.stored_columns(name))

    def stored_columns(self, name: str) -> frozenset[str]:
        """The columns table `name` has on the server now (empty if it does not exist)."""
        if name not in self._stored:
            rows = self._run(dialects.existing_columns_sql(self.dialect), [name])[1]
            if not rows:
                return frozenset()  # not remembered: a write in this session may create it
            self._stored[name] = frozenset(r[0] for r in rows)
        return self._stored[name]

    def upsert(self, table: TableDef | str, frame: pl.DataFrame) -> int:
        """Insert or update `frame`'s rows by primary key; returns the number of rows given."""
        table = as_table(table)
        self._refuse_if_read_only(f"write rows into {table.name}")
        self.claim_source()
        table = self.ensure_table(table)
        now = datetime.now(UTC)
        for chunk in frame.iter_slices(self.warehouse.chunk_rows):
            self._write(table, prepare(table, chunk, now))
        return frame.height

    def read(
        self,
        table: TableDef | str,
        *,
        time_column: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        equals: Mapping[str, Sequence[Any]] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Rows with start <= time_column < end and matching `equals` (zipped lists), typed.

        A table that does not exist yet reads as empty, and DDL columns it lacks (an additive
        migration no write has applied yet) read as nulls."""
        table = as_table(table)
        columns = list(columns or table.column_names)
        stored = self.stored_columns(table.name)
        present = [c for c in columns if c in stored]
        if not present:
            return typed(table, columns, [])
        sql, params = select_sql(
            table,
            self.dialect,
            columns=present,
            time_column=time_column,
            start=start,
            end=end,
            equals=equals,
        )
        frame = typed(table, present, self._run(sql, params)[1])
        absent = [c for c in columns if c not in stored]
        nulls = [pl.lit(None, table.column(c).polars_type).alias(c) for c in absent]
        return frame.with_columns(nulls).select(columns) if absent else frame

    def newest(
        self,
        table: TableDef,
        time_column: str,
        by: tuple[str, str],
        start: datetime,
        end: datetime,
    ) -> dict[tuple[str, str], datetime]:
        """The newest `time_column` in [start, end) per `by` pair: one GROUP BY on the key."""
        if not self.stored_columns(table.name):
            return {}
        t, a, b = (self.dialect.quote(table.column(c).name) for c in (time_column, *by))
        bounds = [_time_param(self.dialect, start), _time_param(self.dialect, end)]
        _, rows = self._run(
            dialects.portable_sql(
                f"SELECT {a}, {b}, MAX({t}) FROM {self.dialect.quote(table.name)} "
                f"WHERE {t} >= %s AND {t} < %s GROUP BY {a}, {b}",
                self.dialect,
            ),
            bounds,
        )
        return {
            (x, y): newest if isinstance(newest, datetime) else datetime.fromisoformat(newest)
            for x, y, newest in rows
        }

    def query(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        """Any SELECT (`%s` placeholders on every backend); values as the driver returns them."""
        names, rows = self._run(dialects.portable_sql(sql, self.dialect), params)
        if not rows:
            return pl.DataFrame(schema=dict.fromkeys(names, pl.Null))
        return pl.DataFrame([list(r) for r in rows], schema=names, orient="row", strict=False)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """One statement (`%s` placeholders on every backend); the rows it returns, if any."""
        return self._run(dialects.portable_sql(sql, self.dialect), params)[1]

    def _refuse_if_read_only(self, what: str) -> None:
        if self.read_only:
            raise RuntimeError(f"A read-only session (a dry run) may not {what}.")

    def _write(self, table: TableDef, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        wh = self.warehouse
        if self.dialect is not Dialect.SQLITE and wh.load_data_works is not False:
            try:
                writer.upsert_load_data(self.connection, self.dialect, table, frame, self._stages)
                wh.load_data_works = True
                return
            except writer.LoadDataRefused:
                wh.load_data_works = False
        writer.upsert_executemany(self.connection, self.dialect, table, frame)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[Any]]:
        """Column names and rows of one statement (SQLite cursors are no context managers)."""
        cur = self.connection.cursor()
        try:
            if params:
                cur.execute(sql, tuple(params))
            else:
                cur.execute(sql)
            names = [d[0] for d in cur.description or ()]
            return names, list(cur.fetchall()) if names else []
        finally:
            cur.close()
