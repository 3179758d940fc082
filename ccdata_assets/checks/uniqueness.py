"""Uniqueness: one row per (time, market, instrument). The DDL's primary key guarantees it, so a
duplicate means a table created or filled outside it (a legacy writer, a table without its key).
Blocking: every aggregate downstream would count such periods twice. A stored table whose primary
key lies within those columns cannot hold duplicates (the server refuses them), so it passes on
that evidence (read from information_schema) without counting rows; any other table is counted
in SQL (GROUP BY ... HAVING COUNT(*) > 1), so only the duplicates travel."""

from __future__ import annotations

import polars as pl

from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict, sample
from ccdata_assets.checks.scope import Scope
from ccdata_assets.partitions import InstrumentKey
from ccdata_assets.warehouse.warehouse import Session


def check(session: Session, scope: Scope) -> Verdict:
    spec, table, window = scope.spec, scope.table, scope.window
    keys = [spec.time_column, *spec.instrument_columns]
    found = []
    stored = store.stored_columns(session, table)
    primary = [c.name for c in stored if c.primary]
    if primary and set(primary) <= set(keys):  # the server enforces it: no rows to count
        return Verdict(
            passed=True,
            summary=(
                f"No duplicate ({', '.join(keys)}) rows in {window.describe()}: the stored table's "
                f"primary key ({', '.join(primary)}) makes them impossible."
            ),
            metadata={
                "window": window.describe(),
                "duplicated_keys": 0,
                "extra_rows": 0,
                "guaranteed_by_primary_key": primary,
                "first_duplicates": [],
            },
        )
    for start, end, instruments in window.chunks() if stored else ():
        t, m, i = (store.quote(session, table, c) for c in keys)
        where, params = store.instrument_condition(
            session, table, spec.instrument_columns, instruments
        )
        rows = session.query(
            f"SELECT {m}, {i}, {t}, COUNT(*) FROM {session.dialect.quote(table.name)} "
            f"WHERE {t} >= %s AND {t} < %s AND {where} GROUP BY {t}, {m}, {i} "
            "HAVING COUNT(*) > 1",
            [store.time_param(session, start), store.time_param(session, end), *params],
        )
        wanted = {(k.market, k.instrument) for k in instruments}
        found += [
            (window.cell_key(start, mk, ik), mk, ik, ts, int(n))
            for mk, ik, ts, n in rows.rows()
            if (mk, ik) in wanted
        ]
    frame = pl.DataFrame(
        found,
        schema=["partition", "market", "instrument", "period", "copies"],
        orient="row",
    )
    extra = int(frame["copies"].sum()) - frame.height if frame.height else 0
    per_cell = (
        frame.group_by("partition").agg(pl.len().alias("keys"), pl.col("copies").sum())
        if frame.height
        else None
    )
    summary = (
        f"No duplicate ({', '.join(keys)}) rows in {window.describe()}."
        if not found
        else f"{frame.height} keys ({', '.join(keys)}) are stored more than once ({extra} extra "
        f"rows), first {InstrumentKey(found[0][1], found[0][2]).key} at {found[0][3]}."
    )
    return Verdict(
        passed=not found,
        summary=summary,
        metadata={
            "window": window.describe(),
            "duplicated_keys": frame.height,
            "extra_rows": extra,
            "first_duplicates": sample(
                [
                    {"instrument": InstrumentKey(r[1], r[2]).key, "period": r[3], "copies": r[4]}
                    for r in found
                ],
                scope.limits.sample,
            ),
        },
        failed_cells={p: {"duplicated_keys": k, "rows": c} for p, k, c in per_cell.iter_rows()}
        if per_cell is not None
        else {},
    )
