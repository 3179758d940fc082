"""Each partition's own figures, counted while a run's batches stream through.

A run covers many partitions (date x instrument) and Dagster records one materialisation per
partition; the IO manager knows only the run's totals. So the time-series asset tallies every
parsed page by the partition its rows fall in (the page's instrument, the date window holding the
row's period) and gives each partition its own rows written and quarantined and its first and
last period. A quarantined record is placed by its raw timestamp; one without a readable
timestamp counts only in the run's total.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from dagster import MultiPartitionsDefinition

from ccdata_assets.datasets.parse import Parsed
from ccdata_assets.partitions import DATE_DIMENSION, INSTRUMENT_DIMENSION, time_dimension


@dataclass
class Figures:
    """One partition's share of a run."""

    rows_written: int = 0
    rows_quarantined: int = 0
    first_period: datetime | None = None
    last_period: datetime | None = None

    def as_metadata(self) -> dict[str, Any]:
        figures: dict[str, Any] = {
            "rows_written": self.rows_written,
            "rows_quarantined": self.rows_quarantined,
        }
        if self.first_period and self.last_period:  # a partition with no rows has no periods
            figures["first_period"] = self.first_period.isoformat(sep=" ")
            figures["last_period"] = self.last_period.isoformat(sep=" ")
        return figures


class PartitionTally:
    """Figures of each of a run's partitions `keys`, updated page by page."""

    def __init__(self, partitions_def: MultiPartitionsDefinition, keys: Sequence[str]) -> None:
        time_def = time_dimension(partitions_def)
        self._key: dict[tuple[str, str], str] = {}
        dates: set[str] = set()
        for key in keys:
            by_dim = partitions_def.get_partition_key_from_str(key).keys_by_dimension
            self._key[(by_dim[DATE_DIMENSION], by_dim[INSTRUMENT_DIMENSION])] = str(key)
            dates.add(by_dim[DATE_DIMENSION])
        windows = ((d, time_def.time_window_for_partition_key(d)) for d in sorted(dates))
        self._windows = pl.DataFrame(
            [(_naive(w.start), _naive(w.end), d) for d, w in windows],
            schema={"_start": pl.Datetime("us"), "_end": pl.Datetime("us"), "_date": pl.String},
            orient="row",
        ).sort("_start")
        self.figures: dict[str, Figures] = {key: Figures() for key in self._key.values()}
        self._lock = threading.Lock()  # pages are tallied in parallel worker threads

    def add_page(self, instrument: str, parsed: Parsed, time_column: str, time_field: str) -> None:
        """A parsed page of one instrument: its clean rows by period, its quarantined records
        by their raw `time_field`."""
        self.add_rows(instrument, parsed.clean.get_column(time_column))
        if not parsed.quarantined.is_empty():
            self.add_quarantined(instrument, parsed.quarantined.get_column("raw_json"), time_field)

    def add_rows(self, instrument: str, periods: pl.Series) -> None:
        """Clean rows of one instrument, by their period (the time column)."""
        found = self._by_partition(instrument, periods)
        with self._lock:
            for key, count, first, last in found:
                figures = self.figures[key]
                figures.rows_written += count
                figures.first_period = min(first, figures.first_period or first)
                figures.last_period = max(last, figures.last_period or last)

    def add_quarantined(self, instrument: str, raw_json: pl.Series, time_field: str) -> None:
        """Quarantined records of one instrument, placed by their raw epoch-seconds timestamp."""
        seconds = raw_json.str.json_path_match(f"$.{time_field}").cast(pl.Float64, strict=False)
        periods = (seconds * 1_000_000).cast(pl.Int64, strict=False).cast(pl.Datetime("us"))
        found = self._by_partition(instrument, periods)
        with self._lock:
            for key, count, _, _ in found:
                self.figures[key].rows_quarantined += count

    def _by_partition(
        self, instrument: str, periods: pl.Series
    ) -> list[tuple[str, int, datetime, datetime]]:
        if periods.is_empty() or self._windows.is_empty():
            return []
        cells = (  # one query, not one per step: this runs for every page
            pl.LazyFrame({"_t": periods.cast(pl.Datetime("us"))})
            .drop_nulls()
            .sort("_t")
            .join_asof(self._windows.lazy(), left_on="_t", right_on="_start", strategy="backward")
            .filter(pl.col("_t") < pl.col("_end"))
            .group_by("_date")
            .agg(
                pl.len().alias("n"), pl.col("_t").min().alias("lo"), pl.col("_t").max().alias("hi")
            )
            .collect()
        )
        found = []
        for date, count, first, last in cells.iter_rows():
            key = self._key.get((date, instrument))
            if key is not None:
                found.append((key, count, first, last))
        return found


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)
