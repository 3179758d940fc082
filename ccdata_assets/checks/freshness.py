"""Freshness: how long ago the newest stored period closed, against a per-data-set threshold.

Time series are judged per instrument from the table (one GROUP BY over a bounded recent span),
because one instrument whose fetch keeps failing hides behind a table-wide maximum. A retired
instrument is fresh once its last traded period is stored, and is left out once it stopped
trading before the scanned span. Snapshot tables carry no period, so
they are judged by their asset's latest materialisation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from ccdata_assets.assets.planning import Bounds
from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict, sample
from ccdata_assets.checks.scope import Scope
from ccdata_assets.checks.settings import Thresholds, show_duration
from ccdata_assets.warehouse.warehouse import Session

LOOKBACK = 10  # thresholds: rows older than this many thresholds are not scanned


def check(session: Session, scope: Scope) -> Verdict:
    spec, limit, now = scope.spec, scope.limits.freshness, _naive(scope.now)
    instruments = scope.window.instruments
    unit = timedelta(seconds=spec.interval.seconds)
    since = now - LOOKBACK * limit
    newest = _newest(session, scope, since) if store.stored_columns(session, scope.table) else {}
    bounds = store.trade_bounds(session, spec.universe)
    last_closed = _floor(now, unit) - unit
    stale, retired = [], 0
    for instrument in instruments:
        limits = bounds.get(instrument, Bounds())
        first = _naive(limits.first_trade) if limits.first_trade else None
        if first is not None and _floor(first, unit) > last_closed:
            continue  # listed so recently that no period has closed yet
        due = now - limit - unit  # the start of a period that closed `limit` ago
        if limits.last_trade is not None:
            last = _floor(_naive(limits.last_trade), unit)
            if last < since:
                retired += 1  # stopped long ago: nothing new can come (completeness is
                continue  # the missing_periods check's business)
            due = min(due, last)
        seen = newest.get((instrument.market, instrument.instrument))
        if seen is None or seen < due:
            closed = (
                f"closed {_age(now, seen + unit)}"
                if seen
                else f"nothing since {since:%Y-%m-%d %H:%M}"
            )
            stale.append({"instrument": instrument.key, "newest_period": seen, "closed": closed})
    stale.sort(key=lambda s: s["newest_period"] or datetime.min)
    overall = _table_newest(session, scope) if newest or stale else None
    threshold = show_duration(limit)
    if not instruments:
        summary = "No instruments to check: the universe has none yet."
    elif stale:
        worst = stale[0]
        summary = (
            f"{len(stale)} of {len(instruments)} instruments have no period that closed within "
            f"the last {threshold} (stalest: {worst['instrument']}, {worst['closed']})."
        )
    else:
        summary = (
            f"All {len(instruments)} instruments have a period that closed within the last "
            f"{threshold}."
        )
    return Verdict(
        passed=not stale,
        summary=summary,
        metadata={
            "threshold": threshold,
            "now": now.isoformat(sep=" "),
            "newest_period": overall.isoformat(sep=" ") if overall else None,
            "instruments_checked": len(instruments),
            "instruments_stale": len(stale),
            "instruments_retired_before_lookback": retired,
            "stalest": sample(stale, scope.limits.sample),
        },
    )


def snapshot_check(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, limits: Thresholds, now: datetime
) -> Verdict:
    records = instance.fetch_materializations(asset_key, limit=1).records
    threshold = show_duration(limits.freshness)
    if not records:
        return Verdict(False, f"{asset_key.to_user_string()} has never been materialised.")
    when = datetime.fromtimestamp(records[0].timestamp, UTC)
    age = now - when
    fresh = age <= limits.freshness
    return Verdict(
        passed=fresh,
        summary=(
            f"Last refreshed {_age(_naive(now), _naive(when))} "
            f"({'within' if fresh else 'older than'} {threshold})."
        ),
        metadata={
            "threshold": threshold,
            "last_materialised": when.isoformat(timespec="seconds"),
            "age_hours": round(age.total_seconds() / 3600, 2),
            "run_id": records[0].run_id,
        },
    )


def _newest(session: Session, scope: Scope, since: datetime) -> dict[tuple[str, str], datetime]:
    spec, table = scope.spec, scope.table
    t = store.quote(session, table, spec.time_column)
    m, i = (store.quote(session, table, c) for c in spec.instrument_columns)
    where, params = store.instrument_condition(
        session, table, spec.instrument_columns, scope.window.instruments
    )
    rows = session.query(
        f"SELECT {m}, {i}, MAX({t}) FROM {session.dialect.quote(table.name)} "
        f"WHERE {t} >= %s AND {where} GROUP BY {m}, {i}",
        [store.time_param(session, since), *params],
    )
    if rows.is_empty():
        return {}
    newest = store.as_datetime(rows.to_series(2)).to_list()
    return {
        (m_, i_): n
        for (m_, i_), n in zip(rows.select(rows.columns[:2]).rows(), newest, strict=True)
    }


def _table_newest(session: Session, scope: Scope) -> datetime | None:
    """The newest period in the whole table (one index lookup: the key starts with the time)."""
    if not store.stored_columns(session, scope.table):
        return None
    t = store.quote(session, scope.table, scope.spec.time_column)
    rows = session.query(f"SELECT MAX({t}) FROM {session.dialect.quote(scope.table.name)}")
    return store.as_datetime(rows.to_series(0)).item() if not rows.is_empty() else None


def _floor(moment: datetime, unit: timedelta) -> datetime:
    seconds = unit.total_seconds()
    epoch = moment.replace(tzinfo=UTC).timestamp()
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC).replace(tzinfo=None)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _age(now: datetime, then: datetime) -> str:
    hours = (now - then).total_seconds() / 3600
    return f"{hours:.1f}h ago" if hours < 72 else f"{hours / 24:.1f} days ago"
