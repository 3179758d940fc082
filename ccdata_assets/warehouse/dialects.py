"""The one place where SQL differs between SingleStore, MariaDB/MySQL and the embedded SQLite file.

Everything else in the warehouse package builds statements through these functions. Adaptations:

- Detection: a MySQL-protocol server is SingleStore when `SHOW VARIABLES LIKE 'memsql_version'`
  returns a row. `@@version` is useless for this (SingleStore reports a MySQL version there) and
  `SELECT @@memsql_version` fails with an error on MariaDB.
- CREATE TABLE: SINGLESTORE runs the file in sql/tables exactly as written (columnstore by default,
  SHARD KEY, SORT KEY). MYSQL renders the parsed definition without SHARD KEY and SORT KEY (which
  MariaDB/MySQL reject; REFERENCE/ROWSTORE are never written because they never reach the parsed
  definition) and adds `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`. SQLITE maps types to its own
  affinities (DATETIME is stored as 'YYYY-MM-DD HH:MM:SS' TEXT, which sorts like time, BOOLEAN as
  INTEGER 0/1) and drops ON UPDATE, which SQLite lacks; the PRIMARY KEY is kept.
- Identifiers: backticks on the MySQL family, double quotes on SQLite. Parameters: `%s`
  (the client's pyformat) on the MySQL family, `?` on SQLite; `portable_sql` lets callers write
  `%s` everywhere.
- Upsert: `INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c)`, the one spelling SingleStore, MariaDB
  and MySQL all accept (SingleStore has no MySQL 8 row-alias form). Key columns are never
  assigned (SingleStore cannot update unique-key columns of a columnstore table). `updated_at` is
  assigned first, keeping its old value unless another written column changes, so a re-run that
  changes nothing changes nothing. SQLite uses `ON CONFLICT (pk) DO UPDATE SET c = excluded.c
  WHERE <some column differs>`, which skips unchanged rows outright.
- Bulk load (MySQL family only): `LOAD DATA LOCAL INFILE ':stream:' REPLACE INTO` a temporary
  staging table (REPLACE written out because SingleStore has no implicit default and MySQL's is
  IGNORE), then one INSERT ... SELECT ... ON DUPLICATE KEY UPDATE (LOAD DATA itself cannot update
  only some columns). `NULL DEFINED BY '\\N'` is SingleStore-only grammar; MariaDB reads `\\N` as
  NULL by itself. The SingleStore staging table is sharded like its target so the INSERT ...
  SELECT stays on each leaf.
- Claims (the backfill ledger): `INSERT IGNORE INTO`, which SQLite spells `INSERT OR IGNORE INTO`.
- Additive migrations: ALTER TABLE ... ADD COLUMN after reading the existing column names, because
  SingleStore has no ADD COLUMN IF NOT EXISTS. SQLite cannot add a column with a CURRENT_TIMESTAMP
  default, so there it is added plain (the writer fills bookkeeping columns anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from ccdata_assets.warehouse.ddl import Column, TableDef

TOUCH_COLUMN = "updated_at"  # set on insert, changed only when the row's values change
INSERT_ONLY_COLUMNS = frozenset({"created_at", "collected_at", "quarantined_at"})
LOAD_DATA_REFUSED = frozenset({1148, 2068, 3948, 4166})  # server or client disabled LOCAL INFILE
RETRYABLE = frozenset({1205, 1213})  # lock wait timeout, deadlock

_SQLITE_TYPES = {
    "DATETIME": "TEXT",
    "VARCHAR": "TEXT",
    "TEXT": "TEXT",
    "JSON": "TEXT",
    "DOUBLE": "REAL",
    "BIGINT": "INTEGER",
    "INT": "INTEGER",
    "BOOLEAN": "INTEGER",
}


class Dialect(StrEnum):
    SINGLESTORE = "singlestore"
    MYSQL = "mysql"  # MariaDB or MySQL without SingleStore extensions
    SQLITE = "sqlite"

    @property
    def placeholder(self) -> str:
        return "?" if self is Dialect.SQLITE else "%s"

    def quote(self, name: str) -> str:
        if self is Dialect.SQLITE:
            return '"' + name.replace('"', '""') + '"'
        return "`" + name.replace("`", "``") + "`"


def detect(connection: Any) -> Dialect:
    """SINGLESTORE or MYSQL for an open MySQL-protocol DB-API connection."""
    with connection.cursor() as cur:
        cur.execute("SHOW VARIABLES LIKE 'memsql_version'")
        return Dialect.SINGLESTORE if cur.fetchall() else Dialect.MYSQL


def portable_sql(sql: str, dialect: Dialect) -> str:
    """Accept `%s` placeholders (and `%%` for a literal percent) on every dialect."""
    if dialect is Dialect.SQLITE:
        return sql.replace("%s", "?").replace("%%", "%")
    return sql


def column_sql(column: Column, dialect: Dialect, *, keep_constraints: bool = True) -> str:
    if dialect is Dialect.SQLITE:
        text = f"{dialect.quote(column.name)} {_SQLITE_TYPES[column.base_type]}"
    else:
        text = f"{dialect.quote(column.name)} {column.sql_type}"
    if not keep_constraints:
        return text
    if not column.nullable:
        text += " NOT NULL"
    if column.default is not None:
        text += f" DEFAULT {column.default}"
    if column.on_update is not None and dialect is not Dialect.SQLITE:
        text += f" ON UPDATE {column.on_update}"
    return text


def create_table_sql(table: TableDef, dialect: Dialect) -> str:
    if dialect is Dialect.SINGLESTORE:
        return table.sql
    lines = [column_sql(c, dialect) for c in table.columns]
    lines.append(f"PRIMARY KEY ({_names(table.primary_key, dialect)})")
    body = ",\n    ".join(lines)
    suffix = "" if dialect is Dialect.SQLITE else " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    return f"CREATE TABLE IF NOT EXISTS {dialect.quote(table.name)} (\n    {body}\n){suffix}"


def insert_ignore(dialect: Dialect) -> str:
    """The verb of an INSERT that skips rows whose key exists (a claim that may lose a race)."""
    return "INSERT OR IGNORE INTO" if dialect is Dialect.SQLITE else "INSERT IGNORE INTO"


def existing_columns_sql(dialect: Dialect) -> str:
    """One parameter: the table name. Returns one row per existing column, name first."""
    if dialect is Dialect.SQLITE:
        return "SELECT name FROM pragma_table_info(?)"
    return (
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s"
    )


def add_column_sql(table: TableDef, column: Column, dialect: Dialect) -> str:
    # SQLite cannot add a column whose default is not a constant; the writer fills it instead.
    plain = dialect is Dialect.SQLITE and column.default == "CURRENT_TIMESTAMP"
    definition = column_sql(column, dialect, keep_constraints=not plain)
    return f"ALTER TABLE {dialect.quote(table.name)} ADD COLUMN {definition}"


def stage_name(table: TableDef, columns: Sequence[str]) -> str:
    """A per-connection staging table name, distinct for each column set."""
    digest = hashlib.sha1("\0".join([table.name, *columns]).encode()).hexdigest()[:16]
    return f"_ccdata_stage_{digest}"


def create_stage_sql(table: TableDef, columns: Sequence[str], dialect: Dialect) -> str:
    """A keyless TEMPORARY table with the written columns, all nullable, no defaults."""
    lines = [column_sql(table.column(c), dialect, keep_constraints=False) for c in columns]
    shard = table.effective_shard_key
    if dialect is Dialect.SINGLESTORE and set(shard) <= set(columns):
        lines.append(f"SHARD KEY ({_names(shard, dialect)})")
    body = ", ".join(lines)
    return f"CREATE TEMPORARY TABLE {dialect.quote(stage_name(table, columns))} ({body})"


def load_data_sql(stage: str, columns: Sequence[str], dialect: Dialect) -> str:
    """Stream CSV written by polars (RFC 4180 quoting, backslash-escaped, `\\N` for NULL)."""
    null_clause = " NULL DEFINED BY '\\\\N'" if dialect is Dialect.SINGLESTORE else ""
    return (
        f"LOAD DATA LOCAL INFILE ':stream:' REPLACE INTO TABLE {dialect.quote(stage)} "
        "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '\\\\' "
        f"LINES TERMINATED BY '\\n'{null_clause} ({_names(columns, dialect)})"
    )


def upsert_sql(
    table: TableDef, columns: Sequence[str], dialect: Dialect, *, from_stage: str | None = None
) -> str:
    """Insert `columns`; on a key clash update the non-key ones (from VALUES or a staging table)."""
    q = dialect.quote
    names = _names(columns, dialect)
    changed = [
        c
        for c in columns
        if c not in table.primary_key and c not in INSERT_ONLY_COLUMNS and c != TOUCH_COLUMN
    ]
    touch = [TOUCH_COLUMN] if TOUCH_COLUMN in columns and changed else []
    if dialect is Dialect.SQLITE:
        values = ", ".join("?" for _ in columns)
        head = f"INSERT INTO {q(table.name)} ({names}) VALUES ({values})"
        if not changed:
            return f"{head} ON CONFLICT DO NOTHING"
        sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in changed + touch)
        differs = " OR ".join(f"{q(table.name)}.{q(c)} IS NOT excluded.{q(c)}" for c in changed)
        key = _names(table.primary_key, dialect)
        return f"{head} ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE {differs}"
    if from_stage is None:
        source = "VALUES (" + ", ".join("%s" for _ in columns) + ")"
    else:
        source = f"SELECT {names} FROM {q(from_stage)}"
    if not changed:
        return f"INSERT IGNORE INTO {q(table.name)} ({names}) {source}"
    sets = [f"{q(c)} = VALUES({q(c)})" for c in changed]
    if touch:
        same = " AND ".join(f"{q(table.name)}.{q(c)} <=> VALUES({q(c)})" for c in changed)
        t = q(TOUCH_COLUMN)
        sets.insert(0, f"{t} = IF({same}, {q(table.name)}.{t}, VALUES({t}))")
    return (
        f"INSERT INTO {q(table.name)} ({names}) {source} ON DUPLICATE KEY UPDATE {', '.join(sets)}"
    )


def _names(columns: Sequence[str], dialect: Dialect) -> str:
    return ", ".join(dialect.quote(c) for c in columns)
