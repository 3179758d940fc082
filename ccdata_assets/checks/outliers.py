"""Outliers: a close that jumps away from its neighbours and straight back (a bad print) while
passing every row rule. Each close is compared, in log terms, with the rolling median of the
`outlier_neighbours` candles on either side; a deviation beyond `outlier_sigmas` robust standard
deviations (1.4826 x the median absolute deviation of that instrument's traded candles) is
flagged. Warn only: markets do jump, and a person should look."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl

from ccdata_assets.checks import store
from ccdata_assets.checks.gaps import activity_column
from ccdata_assets.checks.results import Verdict, sample
from ccdata_assets.checks.scope import RUN_KEY, Scope
from ccdata_assets.partitions import INSTRUMENT_KEY_FORMAT
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.warehouse import Session

MAD_TO_SIGMA = 1.4826
MIN_SIGMA = 1e-4  # log units: a flat (no-trade) stretch must not make every move an outlier


def outlier_columns(table: TableDef, wanted: tuple[str, ...]) -> list[str]:
    return [c for c in wanted if c in table.column_names]


def scores(
    frame: pl.DataFrame,
    column: str,
    keys: list[str],
    time: str,
    neighbours: int,
    active: str | None,
    scale_by: Sequence[str] = (),
) -> pl.DataFrame:
    """`frame` plus `median` (of the neighbours) and `z` (robust deviation) for `column`; the
    robust sigma is taken over `keys` and `scale_by` (a window), the median over `keys`, or over
    the whole frame in its order when `keys` is empty (one series, sorted by time)."""
    log = pl.when(pl.col(column) > 0).then(pl.col(column).log())
    median = log.rolling_median(
        window_size=2 * neighbours + 1, center=True, min_samples=neighbours + 1
    )
    frame = frame.with_columns(
        log.alias("_log"), (median.over(keys, order_by=time) if keys else median).alias("_mid")
    )
    deviation = (pl.col("_log") - pl.col("_mid")).abs()
    traded = pl.col(active).fill_null(0) > 0 if active else pl.lit(True)
    scale = pl.when(traded).then(deviation).median() * MAD_TO_SIGMA
    grouped = [*keys, *scale_by]
    return frame.with_columns(
        pl.col("_mid").exp().alias("median"),
        (deviation / (scale.over(grouped) if grouped else scale).clip(lower_bound=MIN_SIGMA)).alias(
            "z"
        ),
    ).drop("_log", "_mid")


def check(session: Session, scope: Scope) -> Verdict:
    spec, table, limits = scope.spec, scope.table, scope.limits
    columns = outlier_columns(table, limits.outlier_columns)
    active = activity_column(table)
    t, keys = spec.time_column, list(spec.instrument_columns)
    margin = timedelta(seconds=spec.interval.seconds * limits.outlier_neighbours)
    flagged: list[dict] = []
    failed: dict[str, dict] = {}
    checked = 0
    for key, figures in scope.streamed_cells():  # judged while the run's batches streamed
        checked += figures["rows"]
        found = figures.get("outliers")
        if found:
            failed[key] = {"outliers": found["count"]}
            flagged += found["first"]
    rest = scope.unstreamed()
    for start, end, instruments in (
        rest.chunks() if rest.cells and store.stored_columns(session, table) else ()
    ):
        rows = store.read_rows(
            session,
            table,
            columns=[*columns, *([active] if active else [])],
            time_column=t,
            instrument_columns=spec.instrument_columns,
            start=start - margin,
            end=end + margin,
            instruments=instruments,
        )
        inside = pl.col(t).is_between(start, end, closed="left")
        checked += rows.filter(inside).height
        for column in columns:
            hits = (
                scores(rows, column, keys, t, limits.outlier_neighbours, active)
                .filter(inside & (pl.col("z") > limits.outlier_sigmas))
                .sort(t)
            )
            for market, instrument, n in hits.group_by(keys).len().iter_rows():
                key = scope.window.cell_key(start, market, instrument)
                failed.setdefault(key, {"outliers": 0})["outliers"] += n
            flagged += (
                hits.select(
                    pl.col(t).alias("period"),
                    pl.format(INSTRUMENT_KEY_FORMAT, *keys).alias("instrument"),
                    pl.lit(column).alias("column"),
                    pl.col(column).alias("value"),
                    pl.col("median").alias("neighbour_median"),
                    pl.col("z").round(1),
                )
                .head(limits.sample)
                .to_dicts()
            )
    total = sum(f["outliers"] for f in failed.values())
    rule = f"{limits.outlier_sigmas:g} sigma from the median of {limits.outlier_neighbours} neighbours each side"
    summary = (
        f"No {'/'.join(columns)} beyond {rule} in {checked} rows."
        if not total
        else f"{total} of {checked} candles are beyond {rule} (first: {flagged[0]['instrument']} "
        f"at {flagged[0]['period']}, {flagged[0]['z']} sigma)."
    )
    return Verdict(
        passed=not total,
        summary=summary,
        metadata={
            "window": scope.window.describe(),
            "partitions_judged_while_streaming": scope.streamed_count(),
            "rows_checked": checked,
            "outliers": total,
            "columns": columns,
            "first_outliers": sample(sorted(flagged, key=_period), limits.sample),
        },
        failed_cells={k: v for k, v in failed.items() if k != RUN_KEY},
    )


def _period(row: dict) -> str:
    """The period as ISO text: streamed figures carry text, rows read back datetimes."""
    period = row["period"]
    return period.isoformat() if isinstance(period, datetime) else str(period)
