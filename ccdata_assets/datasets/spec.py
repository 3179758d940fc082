"""The declarative description of a data set; assets, checks and schedules are generated from it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from ccdata_assets.datasets.settings import UniverseSettings
from ccdata_assets.warehouse.ddl import TableDef


@dataclass(frozen=True)
class Interval:
    """A candle width, how the API pages it (`max_limit` is the largest page the API allows), and
    the time partition that holds it: the largest calendar window that fits in one page. It also
    carries the defaults its data sets share: when the schedule fetches the newest candles
    (`cron`, a few minutes after a period closes) and how old the newest stored period may be
    before the freshness check fails (`freshness`, overridable in the checks file).

    Dagster records two events per partition a run touches (about 12-25 ms each on SQLite), so
    daily partitions of daily candles cost 30x more bookkeeping than monthly ones for the same
    API calls: 100 instruments x 3 years of 1d was ~15 minutes of pure bookkeeping.
    """

    label: str  # "1d"
    unit: str  # path segment: "days"
    seconds: int
    max_limit: int
    partition: str  # "monthly" (at most 31 days or 744 hours) or "daily" (1440 minutes)
    cron: str  # the schedule that fetches the newest closed periods
    freshness: timedelta  # the freshness check's default limit


DAY = Interval("1d", "days", 86_400, 5000, "monthly", "15 0 * * *", timedelta(hours=36))
HOUR = Interval("1h", "hours", 3_600, 2000, "monthly", "5 * * * *", timedelta(hours=3))
MINUTE = Interval("1m", "minutes", 60, 2000, "daily", "*/15 * * * *", timedelta(minutes=30))
INTERVALS = (DAY, HOUR, MINUTE)


TableReader = Callable[[TableDef], pl.DataFrame]


@dataclass(frozen=True)
class Universe:
    """A set of instruments kept as one dynamic partition dimension.

    Partition keys are `<market>:<instrument>`; the instruments table gives each key's first and
    last trade time, which bound what is fetched. `rule` picks the keys from the metadata tables.
    """

    partitions_name: str  # "spot_instruments"
    instruments_table: TableDef
    market_column: str
    instrument_column: str
    first_trade_column: str
    last_trade_column: str
    rule: Callable[[TableReader, UniverseSettings], list[str]]
    source_tables: tuple[TableDef, ...]  # what `rule` reads; any empty -> fetch metadata first


@dataclass(frozen=True)
class RowRule:
    """A per-row rule; a row that breaks it goes to quarantine with `reason`."""

    name: str
    reason: str
    expr: Callable[[], pl.Expr]  # true where the row is good; nulls count as good


@dataclass(frozen=True)
class TimeSeriesSpec:
    """One time-series table filled from one historical endpoint."""

    name: str  # asset name: "spot_ohlcv_1d"
    group: str  # "spot"
    path: str  # "/spot/v1/historical/days"
    interval: Interval
    table: TableDef  # resolved once, in the catalog
    universe: Universe
    time_column: str  # column filled from TIMESTAMP
    instrument_columns: tuple[str, str]  # table columns matching the partition key's two parts
    fields: Mapping[str, str]  # column -> API field where the name differs from COLUMN.upper()
    request_params: Callable[[str, str], dict[str, str]]  # (market, instrument) -> query params
    rules: tuple[RowRule, ...] = ()
    description: str = ""
    # Constant fields added to every record of an instrument's pages, for columns the API rows
    # lack (the index rows carry "BTC-USD" but the legacy table wants asset and quote apart).
    page_fields: Callable[[str, str], dict[str, Any]] | None = None
    # The index data set a spot data set's closes are compared with (same interval), if any.
    index: TimeSeriesSpec | None = None

    @property
    def required_fields(self) -> tuple[str, ...]:
        """The API fields behind the key columns: a record without one cannot be stored."""
        keys = (self.time_column, *self.instrument_columns)
        return tuple(self.fields.get(column, column.upper()) for column in keys)


@dataclass(frozen=True)
class TableOutput:
    """One table written from a snapshot endpoint's records."""

    name: str  # asset name: "spot_instruments"
    table: TableDef
    fields: Mapping[str, str] = field(default_factory=dict)  # column -> flat API field
    key_fields: tuple[str, ...] = ()  # API fields a record cannot do without
    rules: tuple[RowRule, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class SnapshotSpec:
    """Metadata refreshed whole from one endpoint (instruments, exchanges, assets).

    Records also carry `_RETRIEVED_AT` (epoch seconds of the fetch) and `_SNAPSHOT_DAY` (its UTC
    day), for tables that keep one snapshot a day.
    """

    name: str  # the op / group member name: "spot_instruments"
    group: str
    path: str
    records: Callable[[Any], list[dict[str, Any]]]  # API payload -> flat records
    outputs: tuple[TableOutput, ...]
    requests: Callable[[UniverseSettings], list[dict[str, str]]] = lambda _: [{}]
    pages: Callable[[Any], int] | None = None  # payload of page 1 -> number of `page`s
