"""Which (time window x instrument) partitions one check execution looks at.

Inside an asset run the checks look at exactly the partitions the run materialised (a schedule
tick: the newest window x every instrument; a backfill: many windows x one instrument). A run
that names no partitions (the daily sweep, or "Execute checks" in the UI) looks at the recent
windows: the last `recent_windows` time partitions (the current one included) x every instrument
now in the universe.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import (
    InstrumentKey,
    multi_key,
    parse_partition_key,
    recent_windows,
    window_bounds,
)


@dataclass(frozen=True)
class Cell:
    """One partition: a time window [start, end) of one instrument (naive UTC)."""

    window: date  # the time partition key, as a date
    instrument: InstrumentKey
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """The multi-partition key string, as Dagster writes it ("2026-06-01|kraken:BTC-USD")."""
        return multi_key(self.window, self.instrument.key)


@dataclass(frozen=True)
class CheckWindow:
    cells: tuple[Cell, ...]
    recent: bool  # True: the run named no partitions, so the recent windows were taken

    @property
    def instruments(self) -> list[InstrumentKey]:
        return sorted({c.instrument for c in self.cells}, key=lambda i: i.key)

    @property
    def windows(self) -> list[tuple[datetime, datetime]]:
        """The distinct time windows, oldest first."""
        return sorted({(c.start, c.end) for c in self.cells})

    def chunks(self) -> list[tuple[datetime, datetime, list[InstrumentKey]]]:
        """Each time window with its instruments, oldest first: the unit checks read rows in,
        so memory holds one window of rows however long the run's range."""
        by_window: dict[tuple[datetime, datetime], set[InstrumentKey]] = {}
        for c in self.cells:
            by_window.setdefault((c.start, c.end), set()).add(c.instrument)
        return [
            (start, end, sorted(instruments, key=lambda i: i.key))
            for (start, end), instruments in sorted(by_window.items())
        ]

    def without(self, keys: Container[str]) -> CheckWindow:
        return CheckWindow(tuple(c for c in self.cells if c.key not in keys), self.recent)

    def cell_key(self, start: datetime, market: str, instrument: str) -> str:
        return multi_key(start.date(), InstrumentKey(market, instrument).key)

    def describe(self) -> str:
        if not self.cells:
            return "no partitions"
        first, last = self.windows[0][0], self.windows[-1][1]
        how = "recent windows" if self.recent else "the run's partitions"
        return (
            f"{how}: {len(self.cells)} partitions, {len(self.instruments)} instruments, "
            f"{first:%Y-%m-%d %H:%M}..{last:%Y-%m-%d %H:%M}"
        )


def cell(spec: TimeSeriesSpec, window: date, instrument: InstrumentKey) -> Cell:
    return Cell(window, instrument, *window_bounds(window, spec.interval.partition))


def cells_for_keys(spec: TimeSeriesSpec, keys: Iterable[object]) -> tuple[Cell, ...]:
    """Cells of multi-partition keys ("date|instrument" strings or MultiPartitionKeys)."""
    return tuple(cell(spec, *parse_partition_key(key)) for key in keys)


def recent_cells(
    spec: TimeSeriesSpec, instruments: Sequence[str], now: datetime, count: int
) -> tuple[Cell, ...]:
    """The last `count` time partitions up to the one holding `now`, x `instruments`."""
    windows = recent_windows(now.date(), spec.interval.partition, count)
    parsed = [InstrumentKey.parse(i) for i in instruments]
    return tuple(cell(spec, w, i) for w in windows for i in parsed)
