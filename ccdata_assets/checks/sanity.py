"""Row sanity of stored rows: the data set's own row rules (the ones that quarantine bad records
on the way in) re-applied to what the table holds, plus plausible bounds (funding rates, open
interest). Rows break these only if something bypassed validation (a legacy writer, a manual fix,
a rule added later), which is exactly what this check is for."""

from __future__ import annotations

from fnmatch import fnmatch

import polars as pl

from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict, sample
from ccdata_assets.checks.scope import RUN_KEY, Scope
from ccdata_assets.checks.settings import Bounds, Thresholds
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import InstrumentKey
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.warehouse import Session


def bounded_columns(table: TableDef, bounds: Bounds) -> dict[str, tuple[float, float]]:
    """Table columns with plausible bounds: a column's own name wins, else the first matching
    glob (a data set's globs come before the defaults)."""
    out = {}
    for column in table.column_names:
        if column in bounds:
            out[column] = bounds[column]
            continue
        for glob, pair in bounds.items():
            if fnmatch(column, glob):
                out[column] = pair
                break
    return out


def tests(spec: TimeSeriesSpec, table: TableDef, limits: Thresholds) -> dict[str, pl.Expr]:
    """Name -> expression that is true where a row is fine (nulls count as fine)."""
    return {
        **{rule.name: rule.expr().fill_null(True) for rule in spec.rules},
        **bound_tests(table, limits),
    }


def bound_tests(table: TableDef, limits: Thresholds) -> dict[str, pl.Expr]:
    """The configured bounds alone: the checks' own rules, which parsing does not enforce."""
    return {
        f"{column}_within_bounds": pl.col(column).is_between(low, high).fill_null(True)
        for column, (low, high) in bounded_columns(table, limits.bounds).items()
    }


def needed_columns(table: TableDef, named: dict[str, pl.Expr]) -> list[str]:
    roots = {c for expr in named.values() for c in expr.meta.root_names()}
    return [c for c in table.column_names if c in roots]


def check(session: Session, scope: Scope) -> Verdict:
    spec, table, window = scope.spec, scope.table, scope.window
    named = tests(spec, table, scope.limits)
    columns = needed_columns(table, named)
    m, i, t = (*spec.instrument_columns, spec.time_column)
    counts = dict.fromkeys(named, 0)
    bad_rows: list[dict] = []
    failed: dict[str, dict] = {}
    checked = 0
    for key, figures in scope.streamed_cells():  # judged while the run's batches streamed
        checked += figures["rows"]
        broken = figures.get("broken")
        if broken:
            for name, n in broken["by_rule"].items():
                counts[name] = counts.get(name, 0) + n
            failed[key] = {"rows": broken["rows"], "rules": sorted(broken["by_rule"])}
            bad_rows += broken["first"][: max(scope.limits.sample - len(bad_rows), 0)]
    rest = scope.unstreamed()
    for start, end, instruments in (
        rest.chunks() if rest.cells and store.stored_columns(session, table) else ()
    ):
        rows = store.read_rows(
            session,
            table,
            columns=columns,
            time_column=t,
            instrument_columns=spec.instrument_columns,
            start=start,
            end=end,
            instruments=instruments,
        )
        checked += rows.height
        flags = rows.with_columns((~expr).alias(f"_bad_{name}") for name, expr in named.items())
        bad = flags.filter(pl.any_horizontal(pl.col(f"_bad_{n}") for n in named))
        for name in named:
            counts[name] += int(bad.get_column(f"_bad_{name}").sum())
        broken = (
            pl.concat_list(pl.when(pl.col(f"_bad_{n}")).then(pl.lit(n)) for n in named)
            .list.drop_nulls()
            .alias("broken")
        )
        bad = bad.select(t, m, i, broken)
        per_instrument = bad.group_by(m, i).agg(
            pl.len().alias("rows"),
            pl.col("broken")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("rules"),
        )
        for market, instrument, n, rules in per_instrument.iter_rows():
            failed[window.cell_key(start, market, instrument)] = {"rows": n, "rules": rules}
        room = scope.limits.sample - len(bad_rows)
        bad_rows += [
            {"period": r[t], "instrument": InstrumentKey(r[m], r[i]).key, "broken": r["broken"]}
            for r in bad.head(max(room, 0)).iter_rows(named=True)
        ]
    broken_total = sum(e["rows"] for e in failed.values())
    by_rule = {name: n for name, n in counts.items() if n}
    summary = (
        f"All {checked} stored rows pass the {len(named)} row rules and bounds."
        if not failed
        else f"{broken_total} of {checked} stored rows break a row rule or bound "
        f"({', '.join(f'{k}: {v}' for k, v in by_rule.items())})."
    )
    return Verdict(
        passed=not failed,
        summary=summary,
        metadata={
            "window": window.describe(),
            "partitions_judged_while_streaming": scope.streamed_count(),
            "rows_checked": checked,
            "rows_broken": broken_total,
            "broken_by_rule": by_rule,
            "rules": sorted(named),
            "first_broken": sample(bad_rows, scope.limits.sample),
        },
        failed_cells={
            k: {"rows": v["rows"], "rules": sorted(v["rules"])}
            for k, v in failed.items()
            if k != RUN_KEY  # the run's totals: no partition of their own
        },
    )
