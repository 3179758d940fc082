"""Cross-data-set consistency: a spot close on the busiest exchange against the index close
(CADLI by default) of the same asset, quote and period. A venue that drifts from the index by
more than the tolerance is worth a look (bad prints, a wrong instrument mapping), not a failure.

The busiest exchange of a pair is the one with the most quote volume in the checked window; the
comparison needs the index data set the catalog links to the spot data set (`spec.index`).
"""

from __future__ import annotations

import polars as pl

from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict, sample
from ccdata_assets.checks.scope import Scope
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import INSTRUMENT_KEY_FORMAT
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.warehouse import Session

SPOT_COLUMNS = ("base", "quote", "close", "quote_volume")
INDEX_COLUMNS = ("market", "asset", "quote", "close")


def index_table(spec: TimeSeriesSpec) -> TableDef | None:
    """The table of the index data set `spec` is linked to, if both tables have what it takes."""
    if spec.index is None:
        return None
    index = spec.index.table
    if not set(SPOT_COLUMNS) <= set(spec.table.column_names):
        return None
    return index if set(INDEX_COLUMNS) <= set(index.column_names) else None


def check(session: Session, scope: Scope) -> Verdict:
    spec, table, limits = scope.spec, scope.table, scope.limits
    index = index_table(spec)
    assert index is not None
    t, (m, i) = spec.time_column, spec.instrument_columns
    compared, off = 0, []
    present = store.stored_columns(session, table) and store.stored_columns(session, index)
    for start, end, instruments in scope.window.chunks() if present else ():
        spot = store.read_rows(
            session,
            table,
            columns=SPOT_COLUMNS,
            time_column=t,
            instrument_columns=spec.instrument_columns,
            start=start,
            end=end,
            instruments=instruments,
        )
        busiest = (
            spot.group_by("base", "quote", m)
            .agg(pl.col("quote_volume").sum().alias("volume"))
            .sort("volume", descending=True)
            .unique(["base", "quote"], keep="first")
            .select("base", "quote", m)
        )
        reference = _index_rows(session, index, limits.index_market, start, end)
        joined = (
            spot.join(busiest, on=["base", "quote", m], how="semi")
            .join(
                reference,
                left_on=[t, "base", "quote"],
                right_on=["datetime", "asset", "quote"],
                how="inner",
            )
            .with_columns((pl.col("close") / pl.col("index_close") - 1).abs().alias("deviation"))
            .filter(pl.col("deviation").is_not_null())
        )
        compared += joined.height
        off += (
            joined.filter(pl.col("deviation") > limits.index_tolerance)
            .sort(t)
            .select(
                pl.col(t).alias("period"),
                pl.format(INSTRUMENT_KEY_FORMAT, m, i).alias("instrument"),
                "close",
                "index_close",
                pl.col("deviation").round(6),
            )
            .to_dicts()
        )
    tolerance = f"{limits.index_tolerance:.2%}"
    if not compared:
        summary = (
            f"Nothing to compare: no {limits.index_market} index closes for the spot pairs in "
            f"{scope.window.describe()}."
        )
    elif off:
        summary = (
            f"{len(off)} of {compared} busiest-exchange closes differ from the "
            f"{limits.index_market} index by more than {tolerance} (first: {off[0]['instrument']} "
            f"at {off[0]['period']}, {off[0]['deviation']:.2%})."
        )
    else:
        summary = (
            f"All {compared} busiest-exchange closes are within {tolerance} of the "
            f"{limits.index_market} index."
        )
    return Verdict(
        passed=not off,
        summary=summary,
        metadata={
            "window": scope.window.describe(),
            "index_table": index.name,
            "periods_compared": compared,
            "periods_off": len(off),
            "tolerance": limits.index_tolerance,
            "first_off": sample(off, limits.sample),
        },
    )


def _index_rows(session: Session, index: TableDef, market: str, start, end) -> pl.DataFrame:
    """Index closes of one family (market) in the window: datetime, asset, quote, index_close."""
    q = lambda c: store.quote(session, index, c)  # noqa: E731
    rows = session.query(
        f"SELECT {q('datetime')}, {q('asset')}, {q('quote')}, {q('close')} "
        f"FROM {session.dialect.quote(index.name)} "
        f"WHERE {q('market')} = %s AND {q('datetime')} >= %s AND {q('datetime')} < %s",
        [market, store.time_param(session, start), store.time_param(session, end)],
    )
    frame = rows.rename(
        dict(zip(rows.columns, ["datetime", "asset", "quote", "index_close"], strict=True))
    )
    if frame.is_empty():
        return pl.DataFrame(
            schema={
                "datetime": pl.Datetime("us"),
                "asset": pl.String,
                "quote": pl.String,
                "index_close": pl.Float64,
            }
        )
    return frame.with_columns(
        store.as_datetime(frame["datetime"]), pl.col("index_close").cast(pl.Float64)
    )
