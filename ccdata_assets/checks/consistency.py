"""Cross-data-set consistency: a spot close on the busiest exchange against the index close
(CADLI by default) of the same asset, quote and period. A venue that drifts from the index by
more than the tolerance is worth a look (bad prints, a wrong instrument mapping), not a failure.

The busiest exchange of a pair is the one with the most quote volume in the checked window; the
comparison needs the index data set the catalog links to the spot data set (`spec.index`). Both
are done in SQL (a GROUP BY for the volumes, a join counting the compared closes and returning
the ones off), so no spot row is read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict, sample
from ccdata_assets.checks.scope import Scope
from ccdata_assets.checks.settings import Thresholds
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import INSTRUMENT_KEY_FORMAT, InstrumentKey
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
    compared, off = 0, []
    present = store.stored_columns(session, table) and store.stored_columns(session, index)
    for start, end, instruments in scope.window.chunks() if present else ():
        busiest = _busiest(session, spec, start, end, instruments)
        if busiest:
            count, found = _compare(session, spec, index, limits, start, end, busiest)
            compared += count
            off += found
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


def _busiest(
    session: Session,
    spec: TimeSeriesSpec,
    start: datetime,
    end: datetime,
    instruments: Sequence[InstrumentKey],
) -> list[tuple[str, str, str]]:
    """(base, quote, market) of the exchange with the most quote volume of each pair among
    `instruments` in [start, end): one GROUP BY, a row per instrument."""
    table, t, (m, i) = spec.table, spec.time_column, spec.instrument_columns
    q = lambda c: store.quote(session, table, c)  # noqa: E731
    where, params = store.instrument_condition(session, table, spec.instrument_columns, instruments)
    rows = session.query(
        f"SELECT {q('base')}, {q('quote')}, {q(m)}, {q(i)}, COALESCE(SUM({q('quote_volume')}), 0) "
        f"FROM {session.dialect.quote(table.name)} WHERE {q(t)} >= %s AND {q(t)} < %s AND {where} "
        f"GROUP BY {q('base')}, {q('quote')}, {q(m)}, {q(i)}",
        [store.time_param(session, start), store.time_param(session, end), *params],
    )
    wanted = {(k.market, k.instrument) for k in instruments}
    volume: dict[tuple[str, str, str], float] = {}
    for base, quote_, market, instrument, total in rows.rows():
        if (market, instrument) in wanted and base is not None and quote_ is not None:
            key = (base, quote_, market)
            volume[key] = volume.get(key, 0.0) + float(total)
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for (base, quote_, market), total in volume.items():
        if (base, quote_) not in best or total > best[(base, quote_)][0]:
            best[(base, quote_)] = (total, market)
    return [(base, quote_, market) for (base, quote_), (_, market) in sorted(best.items())]


def _compare(
    session: Session,
    spec: TimeSeriesSpec,
    index: TableDef,
    limits: Thresholds,
    start: datetime,
    end: datetime,
    busiest: Sequence[tuple[str, str, str]],
) -> tuple[int, list[dict]]:
    """How many busiest-exchange closes have an index close for the same period, and those
    off by more than the tolerance (as sample rows), joined in SQL: only those travel."""
    table, t, (m, i) = spec.table, spec.time_column, spec.instrument_columns
    s = lambda c: "s." + store.quote(session, table, c)  # noqa: E731
    x = lambda c: "x." + store.quote(session, index, c)  # noqa: E731
    pairs = " OR ".join(
        f"({s(m)} = %s AND {s('base')} = %s AND {s('quote')} = %s)" for _ in busiest
    )
    joined = (
        f"FROM {session.dialect.quote(table.name)} s JOIN {session.dialect.quote(index.name)} x "
        f"ON {x('datetime')} = {s(t)} AND {x('asset')} = {s('base')} AND {x('quote')} = {s('quote')} "
        f"WHERE {x('market')} = %s AND {s(t)} >= %s AND {s(t)} < %s AND ({pairs}) "
        f"AND {s('close')} IS NOT NULL AND {x('close')} IS NOT NULL AND {x('close')} <> 0"
    )
    params = [
        limits.index_market,
        store.time_param(session, start),
        store.time_param(session, end),
        *(v for base, quote_, market in busiest for v in (market, base, quote_)),
    ]
    count = session.query(f"SELECT COUNT(*) {joined}", params)
    deviation = f"ABS({s('close')} / {x('close')} - 1)"
    rows = session.query(
        f"SELECT {s(t)} AS c0, {s(m)} AS c1, {s(i)} AS c2, {s('close')} AS c3, "
        f"{x('close')} AS c4 {joined} AND {deviation} > %s",
        [*params, limits.index_tolerance],
    )
    if rows.is_empty():
        return int(count.item()), []
    frame = rows.rename(
        dict(zip(rows.columns, ["period", m, i, "close", "index_close"], strict=True))
    )
    off = (
        frame.with_columns(
            store.as_datetime(frame["period"]),
            pl.col("close").cast(pl.Float64),
            pl.col("index_close").cast(pl.Float64),
        )
        .with_columns(
            (pl.col("close") / pl.col("index_close") - 1).abs().round(6).alias("deviation")
        )
        .sort("period")
        .select(
            "period",
            pl.format(INSTRUMENT_KEY_FORMAT, m, i).alias("instrument"),
            "close",
            "index_close",
            "deviation",
        )
        .to_dicts()
    )
    return int(count.item()), off
