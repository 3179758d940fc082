"""Lag per time-series data set: now minus the close of the newest stored period.

One query lists the tables that exist and one MAX(time column) per existing table follows (the
tables' keys start with the time, so each is an index or segment-metadata lookup, never a scan).
A table-wide maximum hides one stalled instrument; the `freshness` check judges per instrument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from ccdata_assets import clock
from ccdata_assets.checks.store import as_datetime
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.warehouse.dialects import Dialect
from ccdata_assets.warehouse.settings import WarehouseSettings
from ccdata_assets.warehouse.warehouse import Session, Warehouse

SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
SERVER_TABLES = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"


def bounded(settings: WarehouseSettings, timeout: int) -> WarehouseSettings:
    """The same warehouse with waits no longer than `timeout` seconds (a scrape must not hang)."""
    return replace(
        settings,
        connect_timeout=min(settings.connect_timeout, timeout),
        read_timeout=min(settings.read_timeout, timeout),
        write_timeout=min(settings.write_timeout, timeout),
    )


def lag_seconds(warehouse: Warehouse, specs: Sequence[TimeSeriesSpec]) -> dict[str, float]:
    """Seconds since the newest stored period of each data set closed; absent tables are left out."""
    now = clock.now()
    lags: dict[str, float] = {}
    with warehouse.connect() as session:
        existing = _tables(session)
        for spec in specs:
            if spec.table.name not in existing:
                continue
            newest = _newest(session, spec)
            if newest is not None:
                closes = newest.replace(tzinfo=UTC).timestamp() + spec.interval.seconds
                lags[spec.name] = now.timestamp() - closes
    return lags


def _tables(session: Session) -> set[str]:
    sql = SQLITE_TABLES if session.dialect is Dialect.SQLITE else SERVER_TABLES
    return {str(name) for (name,) in session.query(sql).rows()}


def _newest(session: Session, spec: TimeSeriesSpec) -> datetime | None:
    table = spec.table
    table.column(spec.time_column)  # names come from the DDL, never from input
    quote = session.dialect.quote
    frame = session.query(f"SELECT MAX({quote(spec.time_column)}) FROM {quote(table.name)}")
    if frame.is_empty():
        return None
    return as_datetime(frame.to_series(0)).item()
