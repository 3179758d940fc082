"""The partitions of the time-series assets: the one place that knows their shape.

A time-series asset is partitioned by a time window ("date": a month or a day) x a dynamic
instrument set ("instrument", keys "<market>:<instrument>"). Dagster writes a key of both as
"<window>|<market>:<instrument>" (dimension keys in dimension-name order, joined by "|"), and a
run over a rectangle of keys carries its first and last key in two range tags. Everything that
builds or reads those keys, windows or tags does it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from dagster import (
    DailyPartitionsDefinition,
    DynamicPartitionsDefinition,
    MonthlyPartitionsDefinition,
    MultiPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

from ccdata_assets import clock
from ccdata_assets.datasets.settings import UniverseSettings
from ccdata_assets.settings import ConfigError

if TYPE_CHECKING:  # the catalog imports polars; nothing here needs it at run time
    from ccdata_assets.datasets.spec import TimeSeriesSpec

DATE_DIMENSION = "date"
INSTRUMENT_DIMENSION = "instrument"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"

# "{}:{}" formats an instrument key with `str.format` and with `polars.format` alike.
INSTRUMENT_KEY_FORMAT = "{}:{}"
INSTRUMENT_KEY = re.compile(
    r"^(?P<market>[a-z0-9_]{2,30}):(?P<instrument>[A-Za-z0-9._\-/]{1,120})$"
)
MULTI_KEY_SEPARATOR = "|"


class PartitionKeyError(ValueError):
    """A partition key that this platform could not have made."""


@dataclass(frozen=True)
class InstrumentKey:
    market: str
    instrument: str

    @property
    def key(self) -> str:
        return INSTRUMENT_KEY_FORMAT.format(self.market, self.instrument)

    @classmethod
    def parse(cls, key: str) -> InstrumentKey:
        match = INSTRUMENT_KEY.match(key)
        if not match:
            raise PartitionKeyError(
                f"Instrument partition key {key!r} is not of the form <market>:<instrument> "
                "(e.g. binance:BTC-USDT); pick a key the instrument sensor created."
            )
        return cls(match["market"], match["instrument"])


def multi_key(window: date | str, instrument: str) -> str:
    """The key string of (window, instrument key), as Dagster writes it ("2026-06-01|kraken:BTC-USD").
    `window` may also be a label such as "2026-06-01..2026-06-30" (a page of a run)."""
    day = window.isoformat() if isinstance(window, date) else window
    return f"{day}{MULTI_KEY_SEPARATOR}{instrument}"


def _split_partition_key(key: str | object) -> tuple[str, str]:
    """`date|instrument` (a string or a MultiPartitionKey) -> (date, instrument)."""
    by_dimension = getattr(key, "keys_by_dimension", None)
    if by_dimension:
        return by_dimension[DATE_DIMENSION], by_dimension[INSTRUMENT_DIMENSION]
    parts = str(key).split(MULTI_KEY_SEPARATOR)
    if len(parts) != 2:
        raise PartitionKeyError(
            f"Partition key {key!r} is not of the form <YYYY-MM-DD>|<market>:<instrument>; "
            "select partitions in the UI or pass --partition with both dimensions."
        )
    return parts[0], parts[1]


def parse_partition_key(key: str | object) -> tuple[date, InstrumentKey]:
    """`date|instrument` (a string or a MultiPartitionKey) -> (window start, instrument)."""
    day, instrument = _split_partition_key(key)
    try:
        window = date.fromisoformat(day)
    except ValueError:
        raise PartitionKeyError(
            f"Partition key {key!r} has {day!r} where a date like 2025-01-31 belongs."
        ) from None
    return window, InstrumentKey.parse(instrument)


def range_tags(first_day: date, last_day: date, instruments: list[str]) -> dict[str, str]:
    """Tags that make one run cover (first_day..last_day) x (instruments[0]..instruments[-1])."""
    return {
        RANGE_START: multi_key(first_day, instruments[0]),
        RANGE_END: multi_key(last_day, instruments[-1]),
    }


def partition_start(day: date, granularity: str) -> date:
    """The first day of the time partition (a month or a day) that holds `day`."""
    return day.replace(day=1) if granularity == "monthly" else day


def next_partition(start: date, granularity: str) -> date:
    if granularity == "monthly":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def window_bounds(window: date, granularity: str) -> tuple[datetime, datetime]:
    """[start, end) of the time partition starting on `window`, as naive UTC datetimes."""
    end = next_partition(window, granularity)
    return _midnight(window), _midnight(end)


def recent_windows(day: date, granularity: str, count: int) -> list[date]:
    """The last `count` time partitions up to the one holding `day`, oldest first."""
    windows = [partition_start(day, granularity)]
    while len(windows) < count:
        windows.insert(0, partition_start(windows[0] - timedelta(days=1), granularity))
    return windows


def newest_window(spec: TimeSeriesSpec, moment: datetime) -> date:
    """The time partition (month or day) holding the newest candle that has closed by `moment`."""
    closed = (moment - timedelta(seconds=spec.interval.seconds)).date()
    return partition_start(closed, spec.interval.partition)


def open_window(spec: TimeSeriesSpec, moment: datetime) -> date:
    """The time partition holding `moment`: its candles close as it goes. On the 1st of a month
    (1d, 1h) or just after midnight (1m) it holds no closed candle yet and is newer than
    `newest_window`; runs still cover it, at no API cost (nothing closed, nothing to ask for),
    so the UI shows it materialised rather than missing."""
    return partition_start(moment.date(), spec.interval.partition)


def first_kept_window(spec: TimeSeriesSpec, settings: UniverseSettings, moment: datetime) -> date:
    """The oldest time partition the platform keeps: CCDATA_START_DATE's, and for minute data
    the last CCDATA_MINUTE_HISTORY_DAYS days up to the newest closed one. The one rule behind
    the partitions the UI counts, the history a new instrument gets, what the gaps check
    expects and what the repair sensor surveys: older history is neither missing nor repaired."""
    start = settings.start_date
    if spec.interval.label == "1m":
        days = max(settings.minute_history_days, 1) - 1
        start = max(start, newest_window(spec, moment) - timedelta(days=days))
    return partition_start(start, spec.interval.partition)


def partitions_for(
    spec: TimeSeriesSpec, settings: UniverseSettings, moment: datetime | None = None
) -> MultiPartitionsDefinition:
    """Time window (monthly for 1d and 1h, daily for 1m) x instrument, from the first kept window
    (as of `moment`, by default when the definitions load) to the open one, whose closed
    candles fill in as it goes."""
    window = (
        MonthlyPartitionsDefinition
        if spec.interval.partition == "monthly"
        else DailyPartitionsDefinition
    )
    start = first_kept_window(spec, settings, moment or clock.now())
    return MultiPartitionsDefinition(
        {
            DATE_DIMENSION: window(start_date=start.isoformat(), end_offset=1),
            INSTRUMENT_DIMENSION: DynamicPartitionsDefinition(name=spec.universe.partitions_name),
        }
    )


def describe_windows(spec: TimeSeriesSpec, partitions_def: MultiPartitionsDefinition) -> str:
    """What the asset's partitions hold, for its description in the UI."""
    unit = "month" if spec.interval.partition == "monthly" else "day"
    start = time_dimension(partitions_def).start.date()
    kept = (
        f"the last CCDATA_MINUTE_HISTORY_DAYS days of {spec.interval.label} candles are kept"
        if spec.interval.label == "1m"
        else "history is kept from CCDATA_START_DATE"
    )
    return (
        f"Partitions: one per {unit} x instrument, from {start} ({kept}: older windows are "
        f"neither shown, checked nor repaired) to the open {unit}. The schedule materialises the "
        f"open {unit} as soon as it starts; its candles fill in as they close, so it shows "
        "materialised while still filling, never missing."
    )


def time_dimension(partitions_def: MultiPartitionsDefinition) -> TimeWindowPartitionsDefinition:
    """The time dimension of a date x instrument definition; anything else is refused."""
    dims = {d.name: d.partitions_def for d in partitions_def.partitions_defs}
    time_def = dims.get(DATE_DIMENSION)
    if not isinstance(time_def, TimeWindowPartitionsDefinition) or set(dims) != {
        DATE_DIMENSION,
        INSTRUMENT_DIMENSION,
    }:
        raise ConfigError(
            f"Time-series assets need a time dimension {DATE_DIMENSION!r} and a dimension "
            f"{INSTRUMENT_DIMENSION!r}, got {sorted(dims)}."
        )
    return time_def


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
