"""Every metric, computed at scrape time from the Dagster instance and the warehouse.

Each source is read independently: a warehouse that does not answer drops the lag samples and
sets `ccdata_metrics_source_up{source="lag"}` to 0, while the event-log metrics still come.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence

import dagster as dg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ccdata_assets.api.settings import ApiSettings
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.metrics.budget import budget_usage
from ccdata_assets.metrics.checks import SEVERITIES, failing_checks
from ccdata_assets.metrics.events import MaterializationTotals
from ccdata_assets.metrics.lag import lag_seconds
from ccdata_assets.warehouse.warehouse import Warehouse

log = logging.getLogger(__name__)

COUNTERS = {
    "rows_written": "Rows upserted into the data set's table, summed over runs.",
    "rows_quarantined": "Rows that failed validation and went to the quarantine table.",
    "api_calls": "Data API calls made by the data set's runs (retries included).",
    "api_429": "HTTP 429 (rate limited) answers the data set's runs received.",
}


class CCDataCollector(Collector):
    def __init__(
        self,
        instance: dg.DagsterInstance,
        warehouse: Warehouse,
        api: ApiSettings,
        specs: Sequence[TimeSeriesSpec],
        data_sets: Sequence[str],
        check_keys: Callable[[], Iterable[dg.AssetCheckKey]],
    ) -> None:
        self.instance = instance
        self.warehouse = warehouse
        self.api = api
        self.specs = specs
        self.data_sets = data_sets
        self.check_keys = check_keys  # the code location's checks, resolved once on first use
        self.totals = MaterializationTotals(data_sets)
        self._keys: list[dg.AssetCheckKey] | None = None

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "ccdata_metrics_source_up",
            "1 if this scrape could read the source (lag: warehouse; events, checks: instance; "
            "budget: the shared rate budget's store).",
            labels=["source"],
        )
        parts = (
            ("lag", self._lag),
            ("events", self._events),
            ("checks", self._checks),
            ("budget", self._budget),
        )
        for name, part in parts:
            try:
                families = list(part())
            except Exception as exc:  # one sentence, no traceback: errors here name no secrets
                log.warning("ccdata metrics: %s unavailable: %s", name, exc)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up

    def _lag(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "ccdata_data_set_lag_seconds",
            "Now minus the close of the newest stored period (table-wide).",
            labels=["data_set"],
        )
        for name, seconds in sorted(lag_seconds(self.warehouse, self.specs).items()):
            lag.add_metric([name], seconds)
        yield lag

    def _events(self) -> Iterator[Metric]:
        totals = self.totals.refresh(self.instance)
        families = {
            stem: CounterMetricFamily(f"ccdata_{stem}_total", doc, labels=["data_set"])
            for stem, doc in COUNTERS.items()
        }
        runs = CounterMetricFamily(
            "ccdata_materializing_runs_total",
            "Runs that materialised the data set (each counted once, whatever its partitions).",
            labels=["data_set"],
        )
        last = GaugeMetricFamily(
            "ccdata_last_materialization_timestamp_seconds",
            "Epoch seconds of the data set's newest materialisation.",
            labels=["data_set"],
        )
        for name, asset in sorted(totals.items()):
            for stem, family in families.items():
                family.add_metric([name], asset.figures[stem])
            runs.add_metric([name], asset.runs)
            if asset.last_materialized is not None:
                last.add_metric([name], asset.last_materialized)
        yield from families.values()
        yield runs
        yield last

    def _checks(self) -> Iterator[Metric]:
        if self._keys is None:
            self._keys = list(self.check_keys())
        failing = failing_checks(self.instance, self._keys)
        family = GaugeMetricFamily(
            "ccdata_check_failures",
            "Checks whose latest finished evaluation failed.",
            labels=["data_set", "severity"],
        )
        for name in sorted(self.data_sets):
            for severity in SEVERITIES:
                family.add_metric([name, severity], failing.get((name, severity), 0))
        yield family

    def _budget(self) -> Iterator[Metric]:
        usage = budget_usage(self.api)
        if not usage:
            return
        calls = GaugeMetricFamily(
            "ccdata_api_budget_calls",
            "Calls counted in the shared API budget's current window, all runs together.",
            labels=["window"],
        )
        limit = GaugeMetricFamily(
            "ccdata_api_budget_limit",
            "Calls the shared API budget allows per window.",
            labels=["window"],
        )
        for window in usage:
            calls.add_metric([window.window], window.calls)
            limit.add_metric([window.window], window.limit)
        yield calls
        yield limit
