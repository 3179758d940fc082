"""Gaps of two kinds: periods the API filled because nothing traded (kept, counted) and periods
that should exist but are not stored (missing: an error, and what the repair sensor re-fetches).

A period is expected for an instrument from its first trade (instruments table) to its last trade
if it is retired, clipped to the window and to the last bucket closed by `until`: the rule the
asset plans its requests by (`planning.clamp`), so a check expects exactly what a run could fetch.
Windows older than the first kept one (`first_kept_window`: minute data keeps only the last
CCDATA_MINUTE_HISTORY_DAYS days) expect nothing: history not meant to be kept is not missing, so
the repair sensor, which asks this module, never re-fetches it. The open window expects only its
closed periods, none on its first day.
Stored periods are counted per instrument and day in SQL; timestamps are listed only for the few
windows that fall short, so a year of minutes costs one GROUP BY, not a year of rows in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from ccdata_assets import clock
from ccdata_assets.assets.planning import Bounds, Span, clamp
from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict
from ccdata_assets.checks.scope import Scope
from ccdata_assets.checks.settings import check_settings
from ccdata_assets.checks.window import Cell, cell
from ccdata_assets.datasets.settings import universe_settings
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import InstrumentKey, first_kept_window
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.warehouse import Session, Warehouse

DETAILED_WINDOWS = 20  # windows whose missing timestamps are listed; others get counts only


@dataclass(frozen=True)
class Missing:
    """What one (time window, instrument) partition holds against what it should."""

    expected: int  # periods that should be stored
    stored: int  # distinct periods stored inside the expected span
    filled: int = 0  # stored periods the API filled because nothing traded
    first: tuple[datetime, ...] = ()  # earliest missing period starts (naive UTC), if listed

    @property
    def missing(self) -> int:
        return max(self.expected - self.stored, 0)


def missing_periods(
    warehouse: Warehouse,
    spec: TimeSeriesSpec,
    instruments: Sequence[str],
    windows: Sequence[date],
    now: datetime,
    *,
    settle: timedelta = timedelta(0),
    sample: int = 5,
) -> dict[tuple[date, str], Missing]:
    """The partitions of `spec` that miss periods: {(window, instrument key): Missing}.

    `instruments` are instrument partition keys ("kraken:BTC-USD"), `windows` time partition keys
    as dates (day or month starts, as the asset's time dimension has them). Periods that closed
    by `now - settle` are expected: pass a `settle` (or an earlier `now`) to leave the newest
    periods, which the schedules are about to fetch, out; `settle_for(spec)` is the data set's
    freshness threshold, what the checks leave out outside asset runs. Complete partitions are
    left out, so iterating the result gives exactly the (window, instrument) partitions to
    re-materialise.
    """
    cells = [cell(spec, w, InstrumentKey.parse(i)) for w in windows for i in instruments]
    with warehouse.connect() as session:
        found = survey(session, spec, cells, now - settle, sample)
    return {(c.window, c.instrument.key): m for c, m in zip(cells, found, strict=True) if m.missing}


def settle_for(spec: TimeSeriesSpec) -> timedelta:
    """How long after closing a period may still be on its way: the freshness threshold."""
    return check_settings().for_time_series(spec).freshness


def survey(
    session: Session,
    spec: TimeSeriesSpec,
    cells: Sequence[Cell],
    until: datetime,
    sample: int,
    streamed: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Missing]:
    """Expected, stored and filled periods of every cell, in the order given.

    A cell whose `streamed` figures (this run's, `streamed.py`) show every expected period
    written is complete without a query; the others are counted in the table."""
    if not cells:
        return []
    table = spec.table
    unit = spec.interval.seconds
    bounds = store.trade_bounds(session, spec.universe)
    kept = first_kept_window(spec, universe_settings(), clock.now())
    spans = [
        _expected(c, unit, bounds.get(c.instrument, Bounds()), until) if c.window >= kept else None
        for c in cells
    ]
    if not store.stored_columns(session, table):
        return [Missing(span.points(unit) if span else 0, 0) for span in spans]
    written = {
        c.key: Missing(span.points(unit), span.points(unit), filled)
        for c, span in zip(cells, spans, strict=True)
        if span is not None
        and (filled := _written_through(span, (streamed or {}).get(c.key))) is not None
    }
    unread = [c for c in cells if c.key not in written]
    if not unread:
        return [written[c.key] for c in cells]
    counts = _daily_counts(session, spec, table, unread, _closed_before(until, unit))
    granularity = "1mo" if spec.interval.partition == "monthly" else "1d"
    by_cell = {
        (row["window"], row["market"], row["instrument"]): (row["stored"], row["filled"])
        for row in counts.with_columns(pl.col("day").dt.truncate(granularity).alias("window"))
        .group_by("window", "market", "instrument")
        .agg(pl.col("stored").sum(), pl.col("filled").sum())
        .iter_rows(named=True)
    }
    out: list[Missing] = []
    detailed = 0
    for c, span in zip(cells, spans, strict=True):
        if c.key in written:
            out.append(written[c.key])
            continue
        expected = span.points(unit) if span else 0
        stored, filled = by_cell.get(
            (c.window, c.instrument.market, c.instrument.instrument), (0, 0)
        )
        result = Missing(expected, min(stored, expected), filled)
        if span and stored < expected and detailed < DETAILED_WINDOWS:
            detailed += 1
            result = _detail(session, spec, table, c.instrument, span, filled, sample)
        out.append(result)
    return out


def _written_through(span: Span, figures: Mapping[str, Any] | None) -> int | None:
    """The filled periods of a cell this run wrote every expected period of; None otherwise."""
    if figures is None or figures.get("periods_truncated"):
        return None
    covered = any(
        _epoch(first) <= span.first and _epoch(last) >= span.last
        for first, last in figures.get("periods", ())
    )
    return int(figures.get("filled", 0)) if covered else None


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def activity_column(table: TableDef) -> str | None:
    """The count that is zero (or null) in a period the API filled: the first `total_*` column
    (total_trades, total_index_updates, total_funding_rate_updates, ...)."""
    return next((c.name for c in table.columns if c.name.startswith("total_")), None)


def _expected(c: Cell, unit: int, bounds: Bounds, until: datetime) -> Span | None:
    start, end = (int(t.replace(tzinfo=UTC).timestamp()) for t in (c.start, c.end))
    return clamp(Span(start, end - unit), unit, bounds, until)


def _closed_before(until: datetime, unit: int) -> datetime:
    """The start of the bucket still open at `until` (naive UTC): earlier buckets are closed."""
    ts = int(until.timestamp())
    return datetime.fromtimestamp(ts - ts % unit, UTC).replace(tzinfo=None)


def _daily_counts(
    session: Session,
    spec: TimeSeriesSpec,
    table: TableDef,
    cells: Sequence[Cell],
    open_bucket: datetime,
) -> pl.DataFrame:
    """(market, instrument, day, stored, filled) over the cells' time span, up to the bucket
    open at `until`: rows stored after it must not make up for missing ones before it."""
    q = lambda c: store.quote(session, table, c)  # noqa: E731
    t, (m, i) = q(spec.time_column), (q(c) for c in spec.instrument_columns)
    activity = activity_column(table)
    filled = f"SUM(CASE WHEN {q(activity)} IS NULL OR {q(activity)} = 0 THEN 1 ELSE 0 END)"
    instruments = sorted({c.instrument for c in cells}, key=lambda k: k.key)
    where, params = store.instrument_condition(session, table, spec.instrument_columns, instruments)
    # COUNT(*) is several times cheaper than COUNT(DISTINCT) and equal to it when the primary key
    # makes (time, market, instrument) unique; the index tables' legacy key does not.
    unique = {spec.time_column, *spec.instrument_columns} <= set(table.primary_key)
    stored = "COUNT(*)" if unique else f"COUNT(DISTINCT {t})"
    sql = (
        f"SELECT {m}, {i}, DATE({t}), {stored}, {filled if activity else '0'} "
        f"FROM {session.dialect.quote(table.name)} WHERE {t} >= %s AND {t} < %s AND {where} "
        f"GROUP BY {m}, {i}, DATE({t})"
    )
    start, end = min(c.start for c in cells), min(max(c.end for c in cells), open_bucket)
    rows = session.query(
        sql, [store.time_param(session, start), store.time_param(session, end), *params]
    )
    names = ["market", "instrument", "day", "stored", "filled"]
    if rows.is_empty():
        return pl.DataFrame(
            schema={"market": pl.String, "instrument": pl.String, "day": pl.Date}
            | {"stored": pl.Int64, "filled": pl.Int64}
        )
    frame = rows.rename(dict(zip(rows.columns, names, strict=True)))
    return frame.with_columns(
        store.as_date(frame["day"]),
        pl.col("stored").cast(pl.Int64),
        pl.col("filled").cast(pl.Int64),
    )


def _detail(
    session: Session,
    spec: TimeSeriesSpec,
    table: TableDef,
    instrument: InstrumentKey,
    span: Span,
    filled: int,
    sample: int,
) -> Missing:
    first, last = (
        datetime.fromtimestamp(ts, UTC).replace(tzinfo=None) for ts in (span.first, span.last)
    )
    stored = store.read_rows(
        session,
        table,
        columns=[spec.time_column],
        time_column=spec.time_column,
        instrument_columns=spec.instrument_columns,
        start=first,
        end=last + timedelta(seconds=1),
        instruments=[instrument],
    )
    expected = pl.datetime_range(
        first, last, interval=f"{spec.interval.seconds}s", eager=True, time_unit="us"
    ).alias(spec.time_column)
    absent = expected.to_frame().join(stored, on=spec.time_column, how="anti")
    count = span.points(spec.interval.seconds)
    return Missing(
        expected=count,
        stored=count - absent.height,
        filled=filled,
        first=tuple(absent.get_column(spec.time_column).head(sample).to_list()),
    )


def check(session: Session, scope: Scope) -> Verdict:
    """The check: fails when an expected period is missing; filled periods are only counted."""
    cells, sample = scope.window.cells, scope.limits.sample
    found = survey(session, scope.spec, cells, scope.until, sample, scope.streamed)
    failing = [(c, m) for c, m in zip(cells, found, strict=True) if m.missing]
    expected = sum(m.expected for m in found)
    missing = sum(m.missing for _, m in failing)
    filled = sum(m.filled for m in found)
    first = [
        {"partition": c.key, "period": ts.isoformat(sep=" ")} for c, m in failing for ts in m.first
    ][:sample]
    quiet = f"{filled} stored periods were filled by the API because nothing traded"
    if failing:
        where = f" (first: {first[0]['partition']} at {first[0]['period']})" if first else ""
        summary = (
            f"{missing} of {expected} expected periods are missing in {len(failing)} "
            f"partitions{where}; {quiet}."
        )
    else:
        summary = f"All {expected} expected periods are stored; {quiet}."
    return Verdict(
        passed=not failing,
        summary=summary,
        metadata={
            "window": scope.window.describe(),
            "partitions_judged_while_streaming": scope.streamed_count(),
            "expected_up_to": scope.until.isoformat(timespec="seconds"),
            "periods_expected": expected,
            "periods_missing": missing,
            "periods_filled_no_trades": filled,
            "partitions_checked": len(cells),
            "partitions_with_missing_periods": len(failing),
            "first_missing": first,
        },
        failed_cells={
            c.key: {
                "periods_missing": m.missing,
                "periods_expected": m.expected,
                "first_missing": [ts.isoformat(sep=" ") for ts in m.first],
            }
            for c, m in failing
        },
    )
