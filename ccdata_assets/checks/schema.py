"""Schema: the stored table's columns, types and primary key against its DDL in sql/tables.

Blocking: a retyped or missing column breaks every reader, and a table without its primary key
turns idempotent upserts into duplicate inserts. Types are compared in each backend's own terms:
MySQL-family display widths are ignored (bigint(20) is BIGINT), BOOLEAN is tinyint(1) and JSON
may be longtext (MariaDB); on SQLite the affinity of the declared type must be the one
`dialects.column_sql` declares (a table copied with CREATE TABLE AS says INT for INTEGER).
"""

from __future__ import annotations

import re

from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict
from ccdata_assets.warehouse.ddl import Column, TableDef
from ccdata_assets.warehouse.dialects import Dialect, column_sql
from ccdata_assets.warehouse.warehouse import Session

_WIDTH = re.compile(r"^(bigint|int|integer|smallint|mediumint)\(\d+\)")
_SAME = {"boolean": {"boolean", "bool", "tinyint(1)"}, "json": {"json", "longtext"}}


def expected_type(column: Column, dialect: Dialect) -> str:
    if dialect is Dialect.SQLITE:
        return column_sql(column, dialect, keep_constraints=False).rsplit(" ", 1)[-1].lower()
    return column.sql_type.lower()


def same_type(expected: str, stored: str, dialect: Dialect) -> bool:
    if dialect is Dialect.SQLITE:
        return sqlite_affinity(expected) == sqlite_affinity(stored)
    stored = _WIDTH.sub(r"\1", stored.strip().lower())
    return stored == expected or stored in _SAME.get(expected, ())


def sqlite_affinity(declared: str) -> str:
    """SQLite's own rules (datatype3.html section 3.1): what a declared type stores as."""
    text = declared.upper()
    if "INT" in text:
        return "INTEGER"
    if any(word in text for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if not text or "BLOB" in text:
        return "BLOB"
    if any(word in text for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def check(session: Session, table: TableDef) -> Verdict:
    stored = {c.name: c for c in store.stored_columns(session, table)}
    if not stored:
        return Verdict(True, f"{table.name} does not exist yet (created on the first write).")
    declared = {c.name: c for c in table.columns}
    missing = [n for n in declared if n not in stored]
    unexpected = [n for n in stored if n not in declared]
    retyped = [
        {"column": n, "expected": expected_type(c, session.dialect), "stored": stored[n].sql_type}
        for n, c in declared.items()
        if n in stored
        and not same_type(expected_type(c, session.dialect), stored[n].sql_type, session.dialect)
    ]
    key = sorted(n for n, c in stored.items() if c.primary)
    key_ok = key == sorted(table.primary_key)
    problems = [
        *(f"missing column {n}" for n in missing),
        *(f"unexpected column {n}" for n in unexpected),
        *(f"{r['column']} is {r['stored']}, not {r['expected']}" for r in retyped),
        *([] if key_ok else [f"primary key is ({', '.join(key) or 'none'})"]),
    ]
    summary = (
        f"{table.name} matches its DDL ({len(declared)} columns, primary key "
        f"({', '.join(table.primary_key)}))."
        if not problems
        else f"{table.name} differs from sql/tables/{table.name}.sql: {'; '.join(problems)}."
    )
    return Verdict(
        passed=not problems,
        summary=summary,
        metadata={
            "table": table.name,
            "missing_columns": missing,
            "unexpected_columns": unexpected,
            "retyped_columns": retyped,
            "primary_key_expected": list(table.primary_key),
            "primary_key_stored": key,
        },
    )
