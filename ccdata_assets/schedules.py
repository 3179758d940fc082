"""One schedule per time-series data set, plus a daily metadata refresh; all generated.

Each tick is ONE run covering the window of the newest closed candle for the whole universe: a
(date x every instrument) rectangle passed as a partition range, never one run per instrument.
When that candle closed the previous window (the 1st of a month for 1d and 1h, midnight for 1m),
the run also covers the open window, which then holds no closed candle: it costs no API call and
the UI shows the new window materialised (filling as candles close) instead of missing.

Cadence (each `Interval` in datasets/spec.py carries its cron): 1d daily at 00:15 UTC and 1h
hourly at :05, each covering the month that holds the candle that just closed; 1m every 15
minutes, covering today. The asset asks each instrument only for the periods that closed after
its newest stored one (`planning.after_stored`): at most one API call per instrument, so minute
data is at most 15 minutes behind for 96 x I calls a day.
"""

from __future__ import annotations

import dagster as dg

from ccdata_assets.datasets.settings import UniverseSettings
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import newest_window, open_window, partition_start, range_tags

METADATA_CRON = "5 0 * * *"


def build_time_series_schedule(
    spec: TimeSeriesSpec, job: dg.UnresolvedAssetJobDefinition, settings: UniverseSettings
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{spec.name}_schedule",
        cron_schedule=spec.interval.cron,
        job=job,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Fetches the newest closed {spec.interval.label} candles of every instrument in one run.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        instruments = context.instance.get_dynamic_partitions(spec.universe.partitions_name)
        if not instruments:
            return dg.SkipReason(
                "No instruments yet: the instrument sensor adds them once the metadata assets "
                "have loaded."
            )
        moment = context.scheduled_execution_time
        day, current = newest_window(spec, moment), open_window(spec, moment)
        if current < partition_start(settings.start_date, spec.interval.partition):
            return dg.SkipReason(f"{current} is before CCDATA_START_DATE ({settings.start_date}).")
        first = max(day, partition_start(settings.start_date, spec.interval.partition))
        return dg.RunRequest(
            run_key=f"{spec.name}:{moment.isoformat()}",
            tags=range_tags(first, current, instruments),
        )

    return _schedule


def build_metadata_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="metadata_schedule",
        cron_schedule=METADATA_CRON,
        job=job,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Refreshes instruments, exchanges and assets daily; the instrument sensor follows.",
    )
