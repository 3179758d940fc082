"""Check figures computed from a run's batches while they stream to the warehouse.

Reading every written row back after a backfill cost about as much as writing it. So the
time-series asset hands every parsed page to `StreamedChecks` on its way to the IO manager,
which keeps, per page, the rows that break a configured bound (parsing has already quarantined
those that break a row rule) and, per instrument, only the
time, outlier and activity columns. Once the stream is written, it works out per partition:
rows checked and broken (by rule, with samples), the periods written as contiguous ranges and
how many the API filled, duplicate periods within the run, and outliers. For outliers, the
neighbours just outside what the run wrote are read from the table (a few rows per instrument
at each end, or the rest of the window for a schedule tick that wrote its newest periods).

The figures travel to the check step in each partition's materialisation metadata (`SUMMARY_KEY`):
a check step is a step of its own, possibly in another process. A check that finds figures from
its own run, made with its own thresholds (`fingerprint`), judges the partition from them;
anything else (the daily sweep, "Execute checks", figures made with other thresholds) is read
from the table as before.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import dagster as dg
import polars as pl

from ccdata_assets.checks import outliers, sanity, store
from ccdata_assets.checks.gaps import activity_column
from ccdata_assets.checks.results import Targets
from ccdata_assets.checks.scope import RUN_KEY, Scope
from ccdata_assets.checks.settings import Thresholds, check_settings
from ccdata_assets.checks.window import Cell, cells_for_keys
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import InstrumentKey
from ccdata_assets.warehouse.warehouse import Warehouse

SUMMARY_KEY = "ccdata/checks"  # partition metadata: this run's check figures of the partition
RUN_SUMMARY_KEY = "ccdata/checks_in_run"  # and the run's totals (`run_totals`)
STREAM_JUDGED = frozenset({"row_sanity", "outliers", "missing_periods"})  # what uses the figures
MAX_RANGES = 20  # contiguous written ranges kept per partition (metadata stays small)
_WINDOW, _WRITTEN = "_window", "_written"


def fingerprint(spec: TimeSeriesSpec, limits: Thresholds) -> str:
    """What the figures depend on besides the rows; a check judged by other thresholds ignores
    figures made with these."""
    named = sanity.tests(spec, spec.table, limits)
    parts = (
        sorted(named),
        sorted((k, str(v)) for k, v in sanity.bounded_columns(spec.table, limits.bounds).items()),
        outliers.outlier_columns(spec.table, limits.outlier_columns),
        limits.outlier_sigmas,
        limits.outlier_neighbours,
        limits.sample,
    )
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:12]


class StreamedChecks:
    """Figures of each partition of a run (`partition_keys`), fed page by page (`add`)."""

    def __init__(
        self,
        spec: TimeSeriesSpec,
        partition_keys: Sequence[str],
        limits: Thresholds | None = None,
    ) -> None:
        self.spec = spec
        self.limits = limits or check_settings().for_time_series(spec)
        self.cells: dict[tuple[str, str, datetime], Cell] = {
            (c.instrument.market, c.instrument.instrument, c.start): c
            for c in cells_for_keys(spec, partition_keys)
        }
        # Parsing has already quarantined every row that breaks one of the spec's row rules
        # (the same expressions), so of row_sanity's tests only the bounds can fail here.
        self.rules = sanity.bound_tests(spec.table, self.limits)
        self.columns = outliers.outlier_columns(spec.table, self.limits.outlier_columns)
        self.active = activity_column(spec.table)
        self._granularity = "1mo" if spec.interval.partition == "monthly" else "1d"
        self._series: dict[tuple[str, str], list[pl.DataFrame]] = defaultdict(list)
        self._broken: list[pl.DataFrame] = []
        self.seconds = 0.0  # spent on the figures in the asset's step: part of the checks' cost
        self._lock = threading.Lock()

    def add(self, rows: pl.DataFrame) -> None:
        """Clean rows on their way to the warehouse. Pages are added from parse worker threads
        at once, so what is counted is each call's CPU time in its thread: the cost, where
        wall-clock time would also count the other threads' turns."""
        if rows.is_empty():
            return
        started = time.thread_time()
        try:
            self._add(rows)
        finally:
            with self._lock:
                self.seconds += time.thread_time() - started

    def _add(self, rows: pl.DataFrame) -> None:
        t, (m, i) = self.spec.time_column, self.spec.instrument_columns
        broken = None
        if self.rules:
            bad = rows.filter(~pl.all_horizontal(list(self.rules.values())))
            if bad.height:  # rare: parsing quarantines what breaks a rule, bounds aside
                broken = bad.select(
                    t,
                    m,
                    i,
                    pl.col(t).dt.truncate(self._granularity).alias(_WINDOW),
                    *((~expr).alias(name) for name, expr in self.rules.items()),
                )
        kept = rows.select(t, *self.columns, *([self.active] if self.active else []))
        markets, instruments = rows.get_column(m), rows.get_column(i)
        if markets.n_unique() == 1 and instruments.n_unique() == 1:  # a page: one instrument
            parts = {(markets[0], instruments[0]): kept}
        else:
            parts = {
                key: part.select(kept.columns)
                for key, part in rows.partition_by(m, i, as_dict=True).items()
            }
        with self._lock:
            if broken is not None:
                self._broken.append(broken)
            for (market, instrument), part in parts.items():
                self._series[(str(market), str(instrument))].append(part)

    def figures(self, warehouse: Warehouse | None) -> dict[str, dict[str, Any]]:
        """Partition key -> its figures (`SUMMARY_KEY`), once every batch is written; the
        warehouse gives the outliers their neighbours outside what the run wrote."""
        started = time.perf_counter()
        try:
            return self._figures(warehouse)
        finally:
            self.seconds += time.perf_counter() - started

    def _figures(self, warehouse: Warehouse | None) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        mark = fingerprint(self.spec, self.limits)
        for cell in self.cells.values():
            out[cell.key] = {"fingerprint": mark, "rows": 0}
        self._add_broken(out)
        series = {key: pl.concat(frames) for key, frames in self._series.items()}
        series = {key: self._add_periods(out, key, frame) for key, frame in series.items()}
        if self.columns:
            context = self._context(warehouse, series) if warehouse else {}
            self._add_outliers(out, series, context)
        return out

    def _cell(self, market: str, instrument: str, window: datetime) -> Cell | None:
        return self.cells.get((market, instrument, window))

    def _add_broken(self, out: dict[str, dict[str, Any]]) -> None:
        if not self._broken:
            return
        t, (m, i) = self.spec.time_column, self.spec.instrument_columns
        bad = pl.concat(self._broken).sort(m, i, t)
        names = list(self.rules)
        for (market, instrument, window), part in bad.group_by(m, i, _WINDOW, maintain_order=True):
            cell = self._cell(str(market), str(instrument), window)
            if cell is None:
                continue
            counts = {n: int(part.get_column(n).sum()) for n in names}
            samples = [
                {
                    "period": r[t].isoformat(),
                    "instrument": cell.instrument.key,
                    "broken": [n for n in names if r[n]],
                }
                for r in part.head(self.limits.sample).iter_rows(named=True)
            ]
            out[cell.key]["broken"] = {
                "rows": part.height,
                "by_rule": {n: c for n, c in counts.items() if c},
                "first": samples,
            }

    def _add_periods(
        self, out: dict[str, dict[str, Any]], key: tuple[str, str], frame: pl.DataFrame
    ) -> pl.DataFrame:
        """Rows, written periods (as contiguous ranges), duplicate periods and API-filled periods
        of one instrument's partitions; returns its rows one per period (the last written wins,
        as in the upsert), sorted, with their window."""
        t, unit = self.spec.time_column, self.spec.interval.seconds
        window = pl.col(t).dt.truncate(self._granularity).alias(_WINDOW)
        written = frame.with_columns(window).group_by(_WINDOW).len()
        unique = frame.unique(t, keep="last").sort(t).with_columns(window)
        filled = (
            (pl.col(self.active).is_null() | (pl.col(self.active) == 0)).sum()
            if self.active
            else pl.lit(0)
        )
        step = (pl.col(t).diff().dt.total_seconds() != unit).fill_null(True)
        runs = (
            unique.with_columns(step.cum_sum().alias("_run"))
            .group_by(_WINDOW, "_run")
            .agg(
                pl.col(t).min().alias("a"), pl.col(t).max().alias("b"), filled.alias("f"), pl.len()
            )
            .sort("a")
        )
        for start, rows in written.iter_rows():
            cell = self._cell(*key, start)
            if cell is not None:
                out[cell.key].update(rows=rows, periods=[], filled=0, duplicate_periods_in_run=rows)
        for start, _, first, last, n_filled, n in runs.iter_rows():
            cell = self._cell(*key, start)
            if cell is not None:
                figures = out[cell.key]
                if len(figures["periods"]) < MAX_RANGES:  # more: not complete, counted in SQL
                    figures["periods"].append([first.isoformat(sep=" "), last.isoformat(sep=" ")])
                else:
                    figures["periods_truncated"] = True
                figures["filled"] += n_filled
                figures["duplicate_periods_in_run"] -= n
        return unique

    def _context(
        self, warehouse: Warehouse, series: Mapping[tuple[str, str], pl.DataFrame]
    ) -> dict[tuple[str, str], pl.DataFrame]:
        """Stored rows within the neighbourhood of the run's partitions that the run did not
        write: before its first and after its last written period, per instrument. Instruments
        with the same such spans (a schedule tick's) are read in one query."""
        t, (m, i) = self.spec.time_column, self.spec.instrument_columns
        unit = timedelta(seconds=self.spec.interval.seconds)
        margin = unit * self.limits.outlier_neighbours
        spans: dict[tuple[str, str], tuple[datetime, datetime]] = {}
        for (market, instrument, _), cell in self.cells.items():
            lo, hi = spans.get((market, instrument), (cell.start, cell.end))
            spans[(market, instrument)] = (min(lo, cell.start), max(hi, cell.end))
        reads: dict[tuple[datetime, datetime], list[InstrumentKey]] = defaultdict(list)
        for key, frame in series.items():
            if key in spans:
                start, end = spans[key]
                first, last = frame.get_column(t).min(), frame.get_column(t).max()
                for lo, hi in ((start - margin, first), (last + unit, end + margin)):
                    if lo < hi:
                        reads[(lo, hi)].append(InstrumentKey(*key))
        columns = [*self.columns, *([self.active] if self.active else [])]
        parts: dict[tuple[str, str], list[pl.DataFrame]] = defaultdict(list)
        with warehouse.connect(read_only=True) as session:
            if not reads or not store.stored_columns(session, self.spec.table):
                return {}
            for (lo, hi), instruments in reads.items():
                rows = store.read_rows(
                    session,
                    self.spec.table,
                    columns=columns,
                    time_column=t,
                    instrument_columns=self.spec.instrument_columns,
                    start=lo,
                    end=hi,
                    instruments=instruments,
                )
                for (market, instrument), part in rows.partition_by(m, i, as_dict=True).items():
                    parts[(str(market), str(instrument))].append(part.select(t, *columns))
        return {key: pl.concat(frames) for key, frames in parts.items()}

    def _add_outliers(
        self,
        out: dict[str, dict[str, Any]],
        series: Mapping[tuple[str, str], pl.DataFrame],
        context: Mapping[tuple[str, str], pl.DataFrame],
    ) -> None:
        t, limits = self.spec.time_column, self.limits
        for key, frame in series.items():
            written = frame.select(t, *self.columns, *([self.active] if self.active else []))
            rows = pl.concat(
                [
                    written.with_columns(pl.lit(True).alias(_WRITTEN)),
                    *(
                        part.cast(written.schema).with_columns(pl.lit(False).alias(_WRITTEN))
                        for part in [context.get(key)]
                        if part is not None and part.height
                    ),
                ]
            ).sort(t)
            rows = rows.with_columns(pl.col(t).dt.truncate(self._granularity).alias(_WINDOW))
            hits: list[pl.DataFrame] = []
            for column in self.columns:
                scored = outliers.scores(
                    rows, column, [], t, limits.outlier_neighbours, self.active, [_WINDOW]
                )
                hits.append(
                    scored.filter(pl.col(_WRITTEN) & (pl.col("z") > limits.outlier_sigmas)).select(
                        pl.col(t).alias("period"),
                        pl.col(_WINDOW),
                        pl.lit(column).alias("column"),
                        pl.col(column).cast(pl.Float64).alias("value"),
                        pl.col("median").alias("neighbour_median"),
                        pl.col("z").round(1),
                    )
                )
            found = pl.concat(hits).sort("period")
            for window, part in found.group_by(_WINDOW, maintain_order=True):
                cell = self._cell(*key, window[0])
                if cell is None:
                    continue
                out[cell.key]["outliers"] = {
                    "count": part.height,
                    "first": [
                        {
                            "period": r["period"].isoformat(),
                            "instrument": cell.instrument.key,
                            "column": r["column"],
                            "value": r["value"],
                            "neighbour_median": r["neighbour_median"],
                            "z": r["z"],
                        }
                        for r in part.head(limits.sample).iter_rows(named=True)
                    ],
                }


def run_totals(by_partition: Mapping[str, Mapping[str, Any]], sample: int) -> dict[str, Any]:
    """The run's figures summed over its partitions (first samples kept), for its run-level
    metadata: what a check needs that reports one result for the run, at the size of one
    partition's figures however many partitions the run has."""
    rows = broken_rows = outliers_count = 0
    by_rule: Counter[str] = Counter()
    first_broken: list[Any] = []
    first_outliers: list[Any] = []
    mark = None
    for figures in by_partition.values():  # in partition order
        mark = figures["fingerprint"]
        rows += figures["rows"]
        if broken := figures.get("broken"):
            broken_rows += broken["rows"]
            by_rule.update(broken["by_rule"])
            first_broken += broken["first"][: sample - len(first_broken)]
        if found := figures.get("outliers"):
            outliers_count += found["count"]
            first_outliers = sorted(first_outliers + found["first"], key=lambda r: r["period"])
            first_outliers = first_outliers[:sample]
    totals: dict[str, Any] = {"fingerprint": mark, "partitions": len(by_partition), "rows": rows}
    if broken_rows:
        totals["broken"] = {"rows": broken_rows, "by_rule": dict(by_rule), "first": first_broken}
    if outliers_count:
        totals["outliers"] = {"count": outliers_count, "first": first_outliers}
    return totals


def run_figures(
    context: dg.AssetCheckExecutionContext, targets: Targets, scope: Scope, per_partition: bool
) -> Scope:
    """`scope` with the figures the asset streamed in this run with its thresholds (none
    outside an asset run: the sweep reads the table). `per_partition`: each partition's own
    figures (from each partition's materialisation); otherwise the run's totals (from one)."""
    if scope.window.recent:
        return scope
    mark = fingerprint(scope.spec, scope.limits)
    key = dg.AssetKey(scope.spec.name)
    if not per_partition:
        records = context.instance.fetch_materializations(key, limit=1).records
        if not records or records[0].run_id != context.run.run_id:
            return scope
        totals = _value(records[0].asset_materialization.metadata.get(RUN_SUMMARY_KEY))
        if totals.get("fingerprint") != mark or totals.get("partitions") != len(scope.window.cells):
            return scope
        return replace(
            scope,
            streamed={RUN_KEY: totals},
            covered=frozenset(c.key for c in scope.window.cells),
        )
    out: dict[str, Mapping[str, Any]] = {}
    keys = [c.key for c in scope.window.cells]
    for partition, record in targets.records(key, keys).items():
        if record.run_id != context.run.run_id:
            continue
        value = _value(record.asset_materialization.metadata.get(SUMMARY_KEY))
        if value.get("fingerprint") == mark:
            out[partition] = value
    return replace(scope, streamed=out, covered=frozenset(out))


def _value(entry: Any) -> Mapping[str, Any]:
    value = getattr(entry, "value", None)
    return value if isinstance(value, Mapping) else {}
