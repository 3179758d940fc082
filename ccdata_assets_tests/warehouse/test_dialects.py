"""The SingleStore-only parts, checked on their own (no SingleStore server here), and the
MariaDB/SQLite renderings checked by running them."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest

from ccdata_assets.warehouse.ddl import TableDef, load_table, table_names
from ccdata_assets.warehouse.dialects import (
    Dialect,
    create_stage_sql,
    create_table_sql,
    detect,
    load_data_sql,
    portable_sql,
    upsert_sql,
)

ALL_TABLES = [*table_names(), *(f"{n}_quarantine" for n in table_names()[:2])]


def _key(sql: str, kind: str) -> list[str] | None:
    m = re.search(rf"{kind} \(([^)]*)\)", sql)
    return None if m is None else [c.strip(" `").split()[0] for c in m.group(1).split(",")]


@pytest.mark.parametrize("name", ALL_TABLES)
def test_singlestore_ddl_is_the_file_and_its_unique_key_holds_the_shard_key(name: str) -> None:
    table = load_table(name)
    sql = create_table_sql(table, Dialect.SINGLESTORE)
    assert sql == table.sql
    sql = "\n".join(line.split("--")[0] for line in sql.splitlines())  # keys, not comments
    primary, shard = _key(sql, "PRIMARY KEY"), _key(sql, "SHARD KEY")
    assert primary, "every upserted table needs a PRIMARY KEY"
    assert set(shard or primary) <= set(primary)
    assert _key(sql, "SORT KEY"), "every table declares its SORT KEY"
    for col in primary:
        assert re.search(rf"`{col}`\s+\S+ NOT NULL", sql), col


@pytest.mark.parametrize("name", ALL_TABLES)
def test_mysql_ddl_drops_singlestore_clauses(name: str) -> None:
    table = load_table(name)
    sql = create_table_sql(table, Dialect.MYSQL)
    assert "SHARD KEY" not in sql and "SORT KEY" not in sql and "REFERENCE" not in sql
    assert sql.endswith("ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
    assert _key(sql, "PRIMARY KEY") == list(table.primary_key)
    assert all(f"`{c}` " in sql for c in table.column_names)


def test_sqlite_ddl_runs_for_every_table() -> None:
    conn = sqlite3.connect(":memory:")
    for name in ALL_TABLES:
        table = load_table(name)
        conn.execute(create_table_sql(table, Dialect.SQLITE))
        info = conn.execute(f'SELECT name, pk FROM pragma_table_info("{name}")').fetchall()
        assert [n for n, _ in info] == list(table.column_names)
        assert [n for n, pk in sorted(info, key=lambda r: r[1]) if pk] == list(table.primary_key)


def test_load_data_names_its_null_marker_only_on_singlestore() -> None:
    single = load_data_sql("stage", ["a", "b"], Dialect.SINGLESTORE)
    maria = load_data_sql("stage", ["a", "b"], Dialect.MYSQL)
    assert "NULL DEFINED BY '\\\\N'" in single
    assert "NULL DEFINED BY" not in maria
    for sql in (single, maria):
        assert sql.startswith("LOAD DATA LOCAL INFILE ':stream:' REPLACE INTO TABLE `stage`")
        assert sql.endswith("(`a`, `b`)")


def test_staging_table_is_sharded_like_its_target_only_on_singlestore() -> None:
    table = load_table("cc_ohlcv_spot_1d_raw")
    columns = ["datetime", "exchange", "symbol", "symbol_unmapped", "close"]
    single = create_stage_sql(table, columns, Dialect.SINGLESTORE)
    assert single.startswith("CREATE TEMPORARY TABLE `_ccdata_stage_")
    assert single.endswith("SHARD KEY (`datetime`, `exchange`, `symbol`))")
    assert "NOT NULL" not in single and "SORT KEY" not in single
    assert "SHARD KEY" not in create_stage_sql(table, columns, Dialect.MYSQL)
    partial = create_stage_sql(table, ["datetime", "close"], Dialect.SINGLESTORE)
    assert "SHARD KEY" not in partial


def _update_clause(sql: str) -> str:
    return sql.split("ON DUPLICATE KEY UPDATE ", 1)[1]


@pytest.mark.parametrize("dialect", [Dialect.SINGLESTORE, Dialect.MYSQL])
def test_upsert_uses_values_and_never_assigns_keys(dialect: Dialect) -> None:
    table: TableDef = load_table("cc_instruments_spot")
    columns = [*table.primary_key, "has_trades", "created_at", "updated_at"]
    for sql in (
        upsert_sql(table, columns, dialect),
        upsert_sql(table, columns, dialect, from_stage="_s"),
    ):
        update = _update_clause(sql)
        assignments = re.findall(r"(?:^|, )`(\w+)` = ", update)
        assert assignments == ["updated_at", "has_trades"]  # updated_at first, keys never
        assert "`has_trades` = VALUES(`has_trades`)" in update
        assert "created_at" not in update
        assert " AS new" not in sql  # no MySQL 8 row alias: SingleStore lacks it
    assert "VALUES (%s, %s, %s, %s, %s)" in upsert_sql(table, columns, dialect)
    assert "SELECT `exchange_internal_name`" in upsert_sql(table, columns, dialect, from_stage="_s")
    only_keys = upsert_sql(table, [*table.primary_key, "created_at"], dialect)
    assert only_keys.startswith("INSERT IGNORE INTO")


def test_sqlite_upsert_skips_unchanged_rows() -> None:
    table = load_table("cc_instruments_spot")
    sql = upsert_sql(table, [*table.primary_key, "has_trades", "updated_at"], Dialect.SQLITE)
    assert 'ON CONFLICT ("exchange_internal_name", "mapped_instrument_symbol") DO UPDATE' in sql
    assert sql.endswith('WHERE "cc_instruments_spot"."has_trades" IS NOT excluded."has_trades"')


class _Cursor:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows, self.sql = rows, ""

    def __enter__(self) -> _Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, sql: str) -> None:
        self.sql = sql

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows if self.sql == "SHOW VARIABLES LIKE 'memsql_version'" else []


class _Connection:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def cursor(self) -> _Cursor:
        return _Cursor(self.rows)


def test_detects_singlestore_by_memsql_version() -> None:
    assert detect(_Connection([("memsql_version", "8.9.3")])) is Dialect.SINGLESTORE
    assert detect(_Connection([])) is Dialect.MYSQL


def test_detects_mariadb_as_mysql(mysql_url: str) -> None:
    import singlestoredb

    with singlestoredb.connect(mysql_url) as conn:
        assert detect(conn) is Dialect.MYSQL


def test_portable_placeholders() -> None:
    sql = "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%'"
    assert portable_sql(sql, Dialect.SQLITE) == "SELECT * FROM t WHERE a = ? AND b LIKE 'x%'"
    assert portable_sql(sql, Dialect.SINGLESTORE) == sql


def test_quarantine_of_every_table_renders() -> None:
    for name in table_names():
        assert (
            create_table_sql(load_table(name).quarantine, Dialect.MYSQL).count("PRIMARY KEY") == 1
        )
