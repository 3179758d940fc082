"""Table definitions parsed from `sql/tables/*.sql`, the single source of truth for structure.

The top-level `sql/` folder is installed as the package `ccdata_assets.sql` (pyproject.toml), so
the files are read with importlib.resources and load the same from a checkout, a wheel or an image.

The files are SingleStore DDL in a deliberately tiny style so they can be parsed without a SQL
parser: one `CREATE TABLE IF NOT EXISTS` per file, one backticked column per line, then
`PRIMARY KEY`, `SHARD KEY` and `SORT KEY` lines. Anything else is a parse error, so a clause the
other dialects would silently lose cannot slip in. Table names only ever come from these files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

import polars as pl

from ccdata_assets.settings import ConfigError

SQL_DIR: Traversable = files("ccdata_assets.sql")  # the repo's sql/, installed as package data
TABLES_DIR = SQL_DIR / "tables"
QUARANTINE_TEMPLATE = SQL_DIR / "quarantine.sql"
QUARANTINE_SUFFIX = "_quarantine"

POLARS_TYPES: dict[str, pl.DataType] = {
    "DATETIME": pl.Datetime("us"),
    "VARCHAR": pl.String(),
    "TEXT": pl.String(),
    "JSON": pl.String(),
    "DOUBLE": pl.Float64(),
    "BIGINT": pl.Int64(),
    "INT": pl.Int64(),
    "BOOLEAN": pl.Boolean(),
}

_CREATE = re.compile(r"CREATE TABLE IF NOT EXISTS `(?P<name>\w+)` \(")
_COLUMN = re.compile(
    r"`(?P<name>\w+)`\s+(?P<type>[A-Z]+(?:\(\d+\))?)(?P<not_null>\s+NOT NULL)?"
    r"(?:\s+DEFAULT\s+(?P<default>\S+))?(?:\s+ON UPDATE\s+(?P<on_update>\S+))?"
)
_KEY = re.compile(r"(?P<kind>PRIMARY KEY|SHARD KEY|SORT KEY) \((?P<cols>[^()]*)\)")


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # as written, e.g. "VARCHAR(255)"
    nullable: bool
    default: str | None = None  # SQL text, e.g. "CURRENT_TIMESTAMP"
    on_update: str | None = None

    @property
    def base_type(self) -> str:
        return self.sql_type.split("(")[0]

    @property
    def polars_type(self) -> pl.DataType:
        return POLARS_TYPES[self.base_type]


@dataclass(frozen=True)
class TableDef:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    shard_key: tuple[str, ...]  # as declared; empty means SingleStore shards on the primary key
    sort_key: tuple[str, ...]  # entries as written, e.g. "last_trade_datetime DESC"
    sql: str  # the SingleStore DDL exactly as in the file

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def effective_shard_key(self) -> tuple[str, ...]:
        return self.shard_key or self.primary_key

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"Table {self.name} has no column {name!r}.")

    def polars_schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.polars_type for c in self.columns})

    @property
    def quarantine(self) -> TableDef:
        """This data table's `<table>_quarantine` twin, from the template in sql/quarantine.sql."""
        return quarantine_table(self)


def parse_table(sql: str, source: str = "<sql>") -> TableDef:
    """Parse one file of the tiny DDL style; any line it does not understand is an error."""
    name: str | None = None
    columns: list[Column] = []
    keys: dict[str, tuple[str, ...]] = {}
    for number, raw in enumerate(sql.splitlines(), start=1):
        line = raw.split("--", 1)[0].strip().rstrip(",")
        if not line or line == ");":
            continue
        if name is None and (m := _CREATE.fullmatch(line)):
            name = m["name"]
        elif name and (m := _KEY.fullmatch(line)):
            keys[m["kind"]] = tuple(c.strip().replace("`", "") for c in m["cols"].split(","))
        elif name and (m := _COLUMN.fullmatch(line)):
            if m["type"].split("(")[0] not in POLARS_TYPES:
                raise ValueError(f"{source}:{number}: unsupported column type {m['type']}.")
            columns.append(
                Column(m["name"], m["type"], not m["not_null"], m["default"], m["on_update"])
            )
        else:
            raise ValueError(f"{source}:{number}: cannot parse {raw.strip()!r}.")
    if name is None:
        raise ValueError(f"{source}: no CREATE TABLE IF NOT EXISTS line.")
    table = TableDef(
        name=name,
        columns=tuple(columns),
        primary_key=keys.get("PRIMARY KEY", ()),
        shard_key=keys.get("SHARD KEY", ()),
        sort_key=keys.get("SORT KEY", ()),
        sql=sql,
    )
    _validate(table, source)
    return table


def _validate(table: TableDef, source: str) -> None:
    """The rules every upserted SingleStore table must satisfy, checked when a file is loaded."""
    names = table.column_names
    if len(set(names)) != len(names):
        raise ValueError(f"{source}: duplicate column names.")
    if not table.primary_key:
        raise ValueError(f"{source}: a PRIMARY KEY is required (upserts need a unique key).")
    sort_columns = tuple(entry.split()[0] for entry in table.sort_key)
    for col in (*table.primary_key, *table.shard_key, *sort_columns):
        if col not in names:
            raise ValueError(f"{source}: key column {col!r} is not a column.")
    for col in table.primary_key:
        if table.column(col).nullable:
            raise ValueError(f"{source}: primary key column {col!r} must be NOT NULL.")
    if not set(table.shard_key) <= set(table.primary_key):
        raise ValueError(f"{source}: SingleStore needs the SHARD KEY inside the PRIMARY KEY.")


def table_names() -> tuple[str, ...]:
    """The data tables: one per file in sql/tables."""
    names = (p.name.removesuffix(".sql") for p in TABLES_DIR.iterdir() if p.name.endswith(".sql"))
    return tuple(sorted(names))


def load_table(name: str) -> TableDef:
    """The definition of a data table or of its `<table>_quarantine` twin; nothing else.

    Only the catalog (`datasets/catalog.py`) and `as_table` look tables up by name: everything
    else is handed the `TableDef` of its data set.
    """
    if name.endswith(QUARANTINE_SUFFIX) and name.removesuffix(QUARANTINE_SUFFIX) in table_names():
        return quarantine_table(load_table(name.removesuffix(QUARANTINE_SUFFIX)))
    if name not in table_names():
        raise ConfigError(
            f"{name!r} is not a warehouse table: table names are the files in {TABLES_DIR} "
            f"(such as {table_names()[0]!r}) or those names followed by {QUARANTINE_SUFFIX!r}."
        )
    return _parse_file(name)


def as_table(table: TableDef | str) -> TableDef:
    """`table` itself, or the definition a name stands for: the warehouse's entry points take
    either, so callers holding a `TableDef` (every data set's code) skip the lookup while ad-hoc
    callers (tests, scripts) may still name a table."""
    return table if isinstance(table, TableDef) else load_table(table)


def quarantine_table(table: TableDef) -> TableDef:
    """The quarantine table of data table `table`, from the one template in sql/quarantine.sql."""
    return _parse_quarantine(table.name)


@cache
def _parse_file(name: str) -> TableDef:
    path = TABLES_DIR / f"{name}.sql"
    table = parse_table(path.read_text(encoding="utf-8"), str(path))
    if table.name != name:
        raise ValueError(f"{path}: creates {table.name!r}, but the file name says {name!r}.")
    return table


@cache
def _parse_quarantine(name: str) -> TableDef:
    text = QUARANTINE_TEMPLATE.read_text(encoding="utf-8").replace("{table}", name)
    return parse_table(text, str(QUARANTINE_TEMPLATE))
