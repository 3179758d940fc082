"""`repair_sensor`: re-materialises partitions whose candles have missing periods.

Each tick asks the gaps function (the same pure function the gaps check uses) which (time window,
instrument) partitions of each time-series data set miss periods, groups them into a few
rectangles (`plan.py`: one run per instrument over a window range, or one run per window
range over a block of instruments, whichever is fewer) and requests one partition-range run per
rectangle, never one run per partition. A cap bounds the partitions and runs of one tick.

Only time partitions overlapping the last CCDATA_REPAIR_LOOKBACK_DAYS are surveyed (a tick then
costs one GROUP BY per data set over that span), and periods that closed less than `GRACE` ago
are not expected yet: the schedules re-fetch the current window every tick, so a period the
newest schedule run has not reached is not a gap. History older than the first kept window
(`first_kept_window`: minute data keeps CCDATA_MINUTE_HISTORY_DAYS) is not expected either, by the
same rule the gaps check and the UI's partitions follow.

A data set whose job has any run queued or in progress (a new instrument's history fill, a
schedule run, a repair) is left alone for the tick: that run is about to fill what looks missing.

Dry run by default (CCDATA_REPAIR_DRY_RUN): a repair costs API calls on the account's budget, and
a gap the API cannot fill (an exchange outage) would be re-requested forever, so the sensor first
shows what it would launch (log, skip reason, cursor) until someone lets it act. When it acts:
- a rectangle is requested at most once per UTC day (its run key carries the day), so a gap the
  API cannot fill costs one run a day, not one per tick.

The skip reason (what the UI shows for a tick) is a few lines of plain text, one per run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dagster as dg

from ccdata_assets import clock
from ccdata_assets.checks.gaps import missing_periods
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import next_partition, range_tags, time_dimension
from ccdata_assets.repair.plan import Rectangle, cap, group_missing
from ccdata_assets.repair.settings import RepairSettings
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets.warehouse.warehouse import Warehouse

REPAIR_TAG = "ccdata/repair"
GRACE = timedelta(hours=6)  # > the slowest schedule's cadence (1d at 00:15) plus its run time

# (warehouse, spec, instruments, time windows, now) -> the (window start, instrument) partitions
# that miss periods.
FindMissing = Callable[
    [Warehouse, TimeSeriesSpec, Sequence[str], Sequence[date], datetime],
    Iterable[tuple[date, str]],
]


@dataclass(frozen=True)
class Planned:
    job: str
    rectangle: Rectangle

    def describe(self) -> str:
        return f"{self.job}: {self.rectangle.describe()}"

    def run_request(self, today: date) -> dg.RunRequest:
        rect = self.rectangle
        return dg.RunRequest(
            run_key=(
                f"repair:{self.job}:{rect.first_day}:{rect.last_day}:"
                f"{rect.instruments[0]}:{rect.instruments[-1]}:{today}"
            ),
            job_name=self.job,
            tags={
                **range_tags(rect.first_day, rect.last_day, list(rect.instruments)),
                REPAIR_TAG: "missing periods",
            },
        )


def time_windows(
    spec: TimeSeriesSpec, job: dg.UnresolvedAssetJobDefinition, now: datetime, lookback: timedelta
) -> list[date]:
    """The job's time partitions (as start days) that overlap [now - lookback, now]."""
    partitions = job.partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    time_def = time_dimension(partitions)
    since = (now - lookback).date()
    starts = (date.fromisoformat(key) for key in time_def.get_partition_keys(current_time=now))
    return [
        start
        for start in starts
        if next_partition(start, spec.interval.partition) > since and start <= now.date()
    ]


FINISHED = {
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
}


def runs_in_flight(instance: dg.DagsterInstance, job: str) -> bool:
    """Whether a run of `job` is queued or in progress: history fill, schedule or repair alike."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(
            job_name=job, statuses=[s for s in dg.DagsterRunStatus if s not in FINISHED]
        ),
        limit=1,
    )
    return bool(records)


def build_repair_sensor(
    series: Sequence[tuple[TimeSeriesSpec, dg.UnresolvedAssetJobDefinition]],
    settings: RepairSettings,
    find_missing: FindMissing = missing_periods,
    name: str = "repair_sensor",
    minimum_interval_seconds: int = 900,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
) -> dg.SensorDefinition:
    """`series`: each time-series data set the sensor repairs, with the job that materialises it."""
    mode = "dry run: reports only" if settings.dry_run else "launches repairs"

    @dg.sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        jobs=[job for _, job in series],
        description=(
            f"Re-materialises partitions with missing periods, grouped into few range runs, at "
            f"most {settings.max_partitions} partitions and {settings.max_runs} runs a tick "
            f"({mode}; CCDATA_REPAIR_DRY_RUN)."
        ),
    )
    def _sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult:
        now = clock.now()
        until = now - GRACE
        store = warehouse.get()
        plan: list[Planned] = []
        busy: list[str] = []
        found = 0
        for spec, job in series:
            instruments = context.instance.get_dynamic_partitions(spec.universe.partitions_name)
            if not instruments:
                continue
            if runs_in_flight(context.instance, job.name):
                busy.append(job.name)
                continue
            windows = time_windows(spec, job, until, timedelta(days=settings.lookback_days))
            missing = set(find_missing(store, spec, instruments, windows, until))
            if not missing:
                continue
            found += len(missing)
            plan += [Planned(job.name, r) for r in group_missing(missing, windows, instruments)]
        plan.sort(key=lambda p: (p.rectangle.last_day, p.job), reverse=True)
        kept_rects, left = cap(
            [p.rectangle for p in plan], settings.max_partitions, settings.max_runs
        )
        kept = _match(plan, kept_rects)
        summary = _summary(found, kept, left, busy, settings.dry_run)
        context.log.info(summary)
        cursor = json.dumps(
            {
                "at": now.isoformat(timespec="seconds"),
                "dry_run": settings.dry_run,
                "missing_partitions": found,
                "runs": [p.describe() for p in kept],
                "left_for_later": left,
                "waiting_for_runs_of": busy,
            },
            indent=1,
        )
        if settings.dry_run or not kept:
            return dg.SensorResult(cursor=cursor, skip_reason=dg.SkipReason(summary))
        return dg.SensorResult(
            run_requests=[p.run_request(now.date()) for p in kept], cursor=cursor
        )

    return _sensor


def _match(plan: Sequence[Planned], kept: Sequence[Rectangle]) -> list[Planned]:
    """Pair the capped rectangles back with their jobs (cap keeps order and may trim)."""
    return [Planned(p.job, rect) for p, rect in zip(plan, kept, strict=False)]


def _summary(found: int, kept: Sequence[Planned], left: int, busy: Sequence[str], dry: bool) -> str:
    """What the tick did, one fact a line (the UI shows a tick's skip reason as is)."""
    lines = [
        f"Waiting for runs in progress of {job} (they fill what looks missing)." for job in busy
    ]
    if not found:
        return "\n".join([*lines, "No partitions with missing periods."])
    cells = sum(p.rectangle.size for p in kept)
    verb = "Dry run: would launch" if dry else "Launching"
    lines.insert(
        0, f"{found} partitions miss periods. {verb} {len(kept)} runs over {cells} partitions:"
    )
    lines[1:1] = [f"- {p.describe()}" for p in kept]
    if left:
        lines.append(f"{left} partitions left for later ticks (cap).")
    return "\n".join(lines)
