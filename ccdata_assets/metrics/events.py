"""Run totals per data set, summed from materialisation metadata in the Dagster event log.

A run over many partitions records one materialisation per partition, and today each carries the
whole run's figures (`rows_written` is the run's, not the partition's), so each run is counted
once per asset: its first materialisation counts, the rest of that run's are skipped. Should a
partition's materialisation come to carry its own count, the run's is expected as
`<figure>_in_run` (the naming the dry run's observations use), which is then read instead.

Records are read in storage-id order from a cursor kept between scrapes, so a scrape reads only
what is new; the first scrape of a long history catches up `max_records` per asset at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import dagster as dg

# Metadata entry (written by the IO manager and the API client) -> metric name stem.
FIGURES = {
    "rows_written": "rows_written",
    "rows_quarantined": "rows_quarantined",
    "api_calls": "api_calls",
    "api_429s": "api_429",
}
PAGE = 1000
MAX_RECORDS_PER_SCRAPE = 50_000  # per asset: a first scrape of a long history catches up over a few
RECENT_RUNS = (
    10_000  # per asset: a run's materialisations are recorded within seconds of each other
)


@dataclass
class AssetTotals:
    """What has been summed for one asset, and where reading stopped."""

    figures: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FIGURES.values(), 0.0))
    runs: int = 0
    last_materialized: float | None = None  # epoch seconds of the newest materialisation
    cursor: int | None = None  # storage id of the last record read
    recent_runs: OrderedDict[str, None] = field(default_factory=OrderedDict)


class MaterializationTotals:
    """Incremental per-asset sums; thread-safe, since scrapes may overlap."""

    def __init__(
        self, asset_names: Iterable[str], max_records: int = MAX_RECORDS_PER_SCRAPE
    ) -> None:
        self.totals = {name: AssetTotals() for name in asset_names}
        self.max_records = max_records
        self._lock = threading.Lock()

    def refresh(self, instance: dg.DagsterInstance) -> dict[str, AssetTotals]:
        """Read what is new since the last call and return every asset's totals."""
        with self._lock:
            for name, totals in self.totals.items():
                self._read(instance, dg.AssetKey(name), totals)
            return {name: replace(t, figures=dict(t.figures)) for name, t in self.totals.items()}

    def _read(self, instance: dg.DagsterInstance, key: dg.AssetKey, totals: AssetTotals) -> None:
        read = 0
        while read < self.max_records:
            page = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, after_storage_id=totals.cursor),
                limit=PAGE,
                ascending=True,
            ).records
            for record in page:
                totals.cursor = record.storage_id
                totals.last_materialized = record.timestamp
                if record.run_id in totals.recent_runs:
                    continue  # another partition of a run already counted
                totals.recent_runs[record.run_id] = None
                if len(totals.recent_runs) > RECENT_RUNS:
                    totals.recent_runs.popitem(last=False)
                totals.runs += 1
                materialization = record.asset_materialization
                metadata = materialization.metadata if materialization else {}
                for entry, stem in FIGURES.items():
                    # `<entry>_in_run`, where present, is the run's figure and `<entry>` the
                    # partition's own (as the dry run's observations name them).
                    found = metadata.get(f"{entry}_in_run", metadata.get(entry))
                    value = getattr(found, "value", None)
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        totals.figures[stem] += value
            read += len(page)
            if len(page) < PAGE:
                break
