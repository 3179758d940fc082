"""SELECT statements for typed reads: a time window and key filters, names checked against DDL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.dialects import Dialect
from ccdata_assets.warehouse.frames import sql_datetime, utc_naive


def select_sql(
    table: TableDef,
    dialect: Dialect,
    *,
    columns: Sequence[str],
    time_column: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    equals: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[str, list[Any]]:
    """SQL and parameters for rows with start <= time_column < end whose `equals` columns match.

    `equals` lists are zipped: {"exchange": ["kraken", "binance"], "symbol": ["BTC-USD",
    "ETH-USDT"]} selects the two (exchange, symbol) pairs, not the four combinations.
    """
    q, ph = dialect.quote, dialect.placeholder
    for name in (*columns, *(equals or {}), *([time_column] if time_column else [])):
        table.column(name)  # raises for a name that is not in the DDL
    where: list[str] = []
    params: list[Any] = []
    if (start is not None or end is not None) and time_column is None:
        raise ValueError("start/end need a time_column.")
    for bound, op in ((start, ">="), (end, "<")):
        if bound is not None:
            where.append(f"{q(time_column)} {op} {ph}")  # type: ignore[arg-type]
            params.append(sql_datetime(bound) if dialect is Dialect.SQLITE else utc_naive(bound))
    if equals:
        lengths = {len(values) for values in equals.values()}
        if len(lengths) != 1:
            raise ValueError("equals lists must have the same length (they are zipped).")
        keys = sorted(set(zip(*equals.values(), strict=True)))
        if not keys:
            where.append("1 = 0")
        elif len(equals) == 1:
            where.append(f"{q(next(iter(equals)))} IN ({', '.join(ph for _ in keys)})")
            params.extend(k[0] for k in keys)
        else:
            match = "(" + " AND ".join(f"{q(c)} = {ph}" for c in equals) + ")"
            where.append("(" + " OR ".join(match for _ in keys) + ")")
            params.extend(v for k in keys for v in k)
    sql = f"SELECT {', '.join(q(c) for c in columns)} FROM {q(table.name)}"
    return (f"{sql} WHERE {' AND '.join(where)}" if where else sql), params
