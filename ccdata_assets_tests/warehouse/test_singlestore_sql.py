"""Every statement the platform sends to SingleStore, parsed by sqlglot's SingleStore dialect.

There is no SingleStore server here, so this is the check that the SingleStore-only SQL (the DDL
files as written, the sharded staging table, LOAD DATA with NULL DEFINED BY) is at least well
formed. Statements come from two places: the dialect's builders rendered for every table, and the
statements the writer and the checks really send, recorded at the connection (the checks' reads
run against MariaDB through a session that believes it talks to SingleStore; their SQL is the
same text on both). What sqlglot cannot read is listed in `SINGLESTORE_ONLY` with the page that
documents it; the test fails if that list is not exactly what sqlglot fails on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import polars as pl
import pytest
import sqlglot
from sqlglot import expressions as exp
from sqlglot.errors import ErrorLevel, ParseError

from ccdata_assets.checks import kinds, quarantine, schema
from ccdata_assets.checks.scope import Scope
from ccdata_assets.checks.settings import check_settings
from ccdata_assets.checks.window import CheckWindow, cell
from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.partitions import InstrumentKey
from ccdata_assets.warehouse import dialects, ledger, source_marker, writer
from ccdata_assets.warehouse.ddl import TableDef, load_table, table_names
from ccdata_assets.warehouse.dialects import Dialect
from ccdata_assets.warehouse.reader import select_sql
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets.warehouse.warehouse import Session, Warehouse
from ccdata_assets_tests.support import connect

S2 = Dialect.SINGLESTORE
CREATE_TABLE_DOC = (
    "https://docs.singlestore.com/cloud/reference/sql-reference/data-definition-language-ddl/"
    "create-table/"
)
LOAD_DATA_DOC = (
    "https://docs.singlestore.com/cloud/reference/sql-reference/data-manipulation-language-dml/"
    "load-data/"
)


@dataclass(frozen=True)
class Unparsed:
    """A SingleStore clause sqlglot cannot read (or misreads), documented as valid SingleStore."""

    statement: str
    clause: str
    pattern: str  # matches the clause in the statement text; stripped to parse the rest
    doc: str
    whole: bool = False  # nothing is left to parse once the clause is gone


SINGLESTORE_ONLY = (
    # sqlglot reads `SHARD KEY (a)` as a column named SHARD with a primary key.
    Unparsed("CREATE [TEMPORARY] TABLE", "SHARD KEY (...)", r",\s*SHARD KEY \([^()]*\)", CREATE_TABLE_DOC),
    # sqlglot reads `SORT KEY (a)` as a column named SORT, and fails on `SORT KEY (a DESC)`.
    Unparsed("CREATE TABLE", "SORT KEY (...)", r",\s*SORT KEY \([^()]*\)", CREATE_TABLE_DOC),
    # sqlglot knows only Hive's LOAD DATA INPATH; MySQL-style LOAD DATA [LOCAL] INFILE, and with
    # it SingleStore's NULL DEFINED BY, is not in its grammar.
    Unparsed("LOAD DATA", "LOAD DATA LOCAL INFILE ... NULL DEFINED BY", r"^LOAD DATA LOCAL INFILE ", LOAD_DATA_DOC, whole=True),
)  # fmt: skip

# The LOAD DATA grammar of LOAD_DATA_DOC, for the statement sqlglot cannot check.
LOAD_DATA_SHAPE = re.compile(
    re.escape("LOAD DATA LOCAL INFILE ':stream:' REPLACE INTO TABLE ")
    + r"`\w+` "
    + re.escape(r"""FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '\\' """)
    + re.escape(r"LINES TERMINATED BY '\n' NULL DEFINED BY '\\N' ")
    + r"\(`\w+`(, `\w+`)*\)"
)


def problem(sql: str) -> str | None:
    """Why sqlglot does not understand `sql` as SingleStore, or None if it does."""
    try:
        tree = sqlglot.parse_one(sql, read="singlestore", error_level=ErrorLevel.RAISE)
    except ParseError as exc:
        return f"parse error: {str(exc).splitlines()[0]}"
    if isinstance(tree, exp.Command):
        return "read as an opaque command"
    untyped = [c.name for c in tree.find_all(exp.ColumnDef) if c.args.get("kind") is None]
    return f"read {untyped} as columns without a type" if untyped else None


def strip(sql: str, entries: Sequence[Unparsed]) -> str:
    for entry in entries:
        sql = re.sub(entry.pattern, "", sql)
    return sql


class Recorder:
    """A DB-API connection that records what is sent, answering like an empty SingleStore; or,
    given a real connection, forwards the statement to it and returns its answers."""

    def __init__(self, real: Any = None) -> None:
        self.real = real
        self.sent: list[str] = []

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def close(self) -> None:
        pass

    def wire(self, sql: str, params: Sequence[Any] | None) -> str:
        """The statement as the client sends it: parameters interpolated (client-side)."""
        if not params:
            return sql
        with _mogrifier().cursor() as cur:
            return cur.mogrify(sql, tuple(params))


@cache
def _mogrifier() -> Any:
    """One connection whose client interpolates parameters exactly as the platform's does."""
    return connect()


class RecordingCursor:
    def __init__(self, owner: Recorder) -> None:
        self.owner = owner
        self.real = owner.real.cursor() if owner.real is not None else None
        self.description: Any = None

    def __enter__(self) -> RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, sql: str, params: Sequence[Any] | None = None, **kwargs: Any) -> None:
        self.owner.sent.append(self.owner.wire(sql, params))
        if self.real is not None:
            self.real.execute(sql, params)
            self.description = self.real.description
        elif sql.startswith("SHOW VARIABLES LIKE 'memsql_version'"):
            self.description = (("Variable_name",), ("Value",))
        else:
            self.description = None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.owner.sent.extend(self.owner.wire(sql, row) for row in rows[:1])

    def fetchall(self) -> list[Any]:
        if self.real is not None:
            return list(self.real.fetchall()) if self.real.description else []
        if self.description == (("Variable_name",), ("Value",)):
            return [("memsql_version", "8.9.0")]
        return []

    def close(self) -> None:
        if self.real is not None:
            self.real.close()


def rendered(table: TableDef) -> Iterator[str]:
    """What the dialect builds for one table: DDL, migrations, the write path and reads."""
    columns = list(table.column_names)
    stage = dialects.stage_name(table, columns)
    yield dialects.create_table_sql(table, S2)
    for column in table.columns:
        if column.nullable or column.default is not None:  # what ensure_table can add
            yield dialects.add_column_sql(table, column, S2)
    yield dialects.create_stage_sql(table, columns, S2)
    yield dialects.load_data_sql(stage, columns, S2)
    yield dialects.upsert_sql(table, columns, S2, from_stage=stage)
    yield dialects.upsert_sql(table, columns, S2).replace("%s", "NULL")
    yield dialects.upsert_sql(table, list(table.primary_key), S2, from_stage=stage)  # IGNORE
    yield select_sql(table, S2, columns=columns)[0]
    first, second = table.primary_key[0], table.primary_key[-1]
    sql, params = select_sql(
        table,
        S2,
        columns=columns,
        time_column=first,
        start=datetime(2025, 1, 1),
        end=datetime(2025, 2, 1),
        equals={first: ["a", "b"], second: ["c", "d"]},
    )
    yield Recorder().wire(sql, params)


def recorded_writes() -> list[str]:
    """What the writer and the dialect detection send, in order, on a SingleStore connection."""
    conn = Recorder()
    assert dialects.detect(conn) is S2
    table = load_table("cc_exchanges_general")
    frame = pl.DataFrame(
        {"exchange_api_id": ["kraken"], "name": ["Kraken"], "sort_order": [1]},
        schema={"exchange_api_id": pl.String, "name": pl.String, "sort_order": pl.Int64},
    )
    stages: set[str] = set()
    writer.upsert_load_data(conn, S2, table, frame, stages)  # creates the staging table
    writer.upsert_load_data(conn, S2, table, frame, stages)  # reuses it (TRUNCATE)
    writer.upsert_executemany(conn, S2, table, frame)
    return conn.sent


def recorded_checks(mysql_env: dict[str, str]) -> list[str]:
    """What every check sends, run against MariaDB by a session that takes it for SingleStore."""
    settings = warehouse_settings(mysql_env)
    warehouse = Warehouse(settings)
    with warehouse.connect() as session:  # MariaDB DDL: the checks must find the tables
        for name in {s.table.name for s in TIME_SERIES} | {"cc_instruments_spot"}:
            session.ensure_table(name)
    real = connect(settings.database)
    conn = Recorder(real)
    session = Session(warehouse, conn, S2)
    limits_for = check_settings(env={}).for_time_series
    try:
        for spec in TIME_SERIES:
            limits = limits_for(spec)
            instrument = InstrumentKey("kraken", "BTC-USD")
            window = CheckWindow((cell(spec, date(2025, 3, 1), instrument),), recent=False)
            now = datetime(2025, 6, 15, 12, tzinfo=UTC)
            scope = Scope(spec, spec.table, limits, window, now, now)
            for kind in kinds.TIME_SERIES_KINDS:
                if kind.name != "unexpected_api_fields" and kind.applies(spec, limits):
                    kind.evaluate(session, scope, None)  # type: ignore[arg-type]
        schema.check(session, load_table("cc_assets"))
        quarantine.check(session, load_table("cc_assets"), "assets", limits_for(TIME_SERIES[0]))
    finally:
        real.close()
    return conn.sent


@pytest.fixture
def statements(mysql_env: dict[str, str]) -> list[str]:
    names = [*table_names(), *(load_table(n).quarantine.name for n in table_names())]
    built = [sql for name in names for sql in rendered(load_table(name))]
    built += [sql for sql in rendered(source_marker.marker_table())]
    built += [sql for sql in rendered(ledger.ledger_table())]
    marker = [Recorder().wire(source_marker.CLAIM_SQL, ["api"]), source_marker.HELD_SQL]
    key = ["b1", "spot_ohlcv_1h", "kraken:BTC-USD"]
    claims = [
        Recorder().wire(ledger.claim_sql(S2, 2), [*key, "r1", *key[:2], "kraken:ETH-USD", "r1"]),
        Recorder().wire(ledger.read_sql(2), [*key, "kraken:ETH-USD"]),
        Recorder().wire(ledger.read_sql(1, figures=True), key),
        Recorder().wire(ledger.TAKE_OVER_SQL, ["r2", *key, "r1"]),
        Recorder().wire(ledger.FINISH_SQL, ['{"k": {"rows_written": 1}}', *key, "r2"]),
    ]
    return list(
        dict.fromkeys([*built, *marker, *claims, *recorded_writes(), *recorded_checks(mysql_env)])
    )


def test_every_statement_parses_as_singlestore_but_the_documented_clauses(
    statements: list[str],
) -> None:
    bodies = [re.sub(r"(?m)^--.*\n", "", sql) for sql in statements]  # the DDL files' comments
    kinds_seen = {sql.split(" (", 1)[0].split(" `", 1)[0] for sql in bodies}
    assert {"CREATE TABLE IF NOT EXISTS", "CREATE TEMPORARY TABLE", "LOAD DATA LOCAL INFILE ':stream:' REPLACE INTO TABLE", "TRUNCATE TABLE", "SHOW WARNINGS", "SHOW VARIABLES LIKE 'memsql_version'", "ALTER TABLE", "INSERT INTO", "INSERT IGNORE INTO"} <= kinds_seen  # fmt: skip
    assert sum("ON DUPLICATE KEY UPDATE" in sql for sql in statements) > 40
    assert sum(sql.startswith("SELECT") for sql in statements) > 40
    assert any("information_schema.COLUMNS" in sql for sql in statements)
    needed: set[Unparsed] = set()
    for sql in statements:
        applicable = [e for e in SINGLESTORE_ONLY if re.search(e.pattern, sql)]
        if problem(sql) is not None:
            assert applicable, f"sqlglot cannot read this statement: {problem(sql)}\n{sql}"
        for entry in applicable:  # is this clause what sqlglot fails on?
            others = [e for e in applicable if e is not entry and not e.whole]
            if problem(strip(sql, others)) is not None:
                needed.add(entry)
        if any(e.whole for e in applicable):
            assert LOAD_DATA_SHAPE.fullmatch(sql), sql
        else:
            assert problem(strip(sql, applicable)) is None, sql
    assert needed == set(SINGLESTORE_ONLY), (
        "sqlglot now reads a listed clause: drop it from the list"
    )


@pytest.mark.parametrize("name", sorted(table_names()))
def test_ddl_reads_as_the_parsed_definition_once_singlestore_keys_are_stripped(name: str) -> None:
    """sqlglot's tree of each file (keys stripped) has the columns, types and primary key that
    ddl.py parsed: the tiny parser and a real SQL parser agree on every table."""
    table = load_table(name)
    sql = strip(dialects.create_table_sql(table, S2), SINGLESTORE_ONLY)
    tree = sqlglot.parse_one(sql, read="singlestore", error_level=ErrorLevel.RAISE)
    assert isinstance(tree, exp.Create) and tree.this.this.name == name
    columns = {c.name: c.args["kind"].sql("singlestore") for c in tree.find_all(exp.ColumnDef)}
    assert list(columns) == list(table.column_names)
    assert [t.split("(")[0] for t in columns.values()] == [
        "TINYINT" if c.base_type == "BOOLEAN" else c.base_type for c in table.columns
    ] or [t.split("(")[0] for t in columns.values()] == [c.base_type for c in table.columns]
    (key,) = list(tree.find_all(exp.PrimaryKey))
    assert tuple(e.name for e in key.expressions) == table.primary_key
