"""Backfill benchmark: 100 instruments x 3 years of 1d and 1h plus 7 days of 1m, from the simulator.

The platform's backfill path (every window x chunks of instruments, as the instrument sensor and
`scripts/backfill.py` launch it) is executed for real through the generated jobs into the embedded
warehouse (or MariaDB with --mariadb). Prints API calls used vs the minimum possible
(ceil(points / limit) per instrument and interval, points bounded by listing), rows written, rows/s,
runs launched and peak RSS; the time the runs spent in their check steps against their whole run
time (from Dagster's STEP_START / STEP_SUCCESS and RUN_START / RUN_SUCCESS events); and, side by side, the runs and calls of the same backfill grouped the
way Dagster's backfill daemon groups a UI backfill (its own `get_partition_key_ranges`, priced with
the same page planner) if each run paged only its own partitions, as before the backfill ledger
(`scripts/benchmark_ui_backfill.py` runs a real UI backfill through the daemon).

    .venv/bin/python scripts/benchmark_backfill.py [--instruments 100] [--years 3] [--mariadb]

The checks' budget (issue 9) is measured on 20 instruments: `--instruments 20 --mariadb`.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=100)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--minute-days", type=int, default=7)
    parser.add_argument("--mariadb", action="store_true", help="write to 127.0.0.1:3306 (root)")
    parser.add_argument("--steps", action="store_true", help="print each run's step times")
    args = parser.parse_args()

    start = (NOW - timedelta(days=365 * args.years)).date()
    os.environ.update({"CCDATA_NOW": NOW.isoformat(), "CCDATA_START_DATE": start.isoformat()})
    if args.mariadb:
        os.environ.update(
            {
                "S2_HOST": "127.0.0.1",
                "S2_DATABASE": f"ccdata_bench_{os.getpid()}",
                "CCDATA_SOURCE": "simulator",
            }
        )
    else:
        os.environ["CCDATA_HOME"] = tempfile.mkdtemp(prefix="ccdata-bench-")

    import dagster as dg
    from bench_setup import QUIET as quiet
    from bench_setup import oldest_spot_instruments, platform_with_metadata
    from dagster._core.definitions.partitions.context import partition_loading_context

    from ccdata_assets.assets.backfill import history_runs
    from ccdata_assets.assets.planning import Span, clamp, plan
    from ccdata_assets.assets.timeseries import page_jobs
    from ccdata_assets.datasets.catalog import SPOT_UNIVERSE, TIME_SERIES
    from ccdata_assets.partitions import (
        DATE_DIMENSION,
        INSTRUMENT_DIMENSION,
        next_partition,
        partition_start,
    )

    defs, instance = platform_with_metadata()
    keys, bounds = oldest_spot_instruments(instance, args.instruments)

    plans = [
        (spec, start, NOW.date() - timedelta(days=1))
        for spec in TIME_SERIES
        if spec.universe is SPOT_UNIVERSE and spec.interval.label in ("1d", "1h")
    ] + [
        (spec, NOW.date() - timedelta(days=args.minute_days - 1), NOW.date())
        for spec in TIME_SERIES
        if spec.universe is SPOT_UNIVERSE and spec.interval.label == "1m"
    ]

    totals = {"calls": 0, "minimum": 0, "rows": 0, "quarantined": 0, "runs": 0}
    timing = {"run": 0.0, "checks": 0.0, "figures": 0.0}
    started = time.monotonic()
    for spec, first_day, last_day in plans:
        job = defs.resolve_job_def(f"{spec.name}_job")
        partitions_def = job.partitions_def
        granularity = spec.interval.partition
        windows = [partition_start(first_day, granularity)]
        while next_partition(windows[-1], granularity) <= last_day:
            windows.append(next_partition(windows[-1], granularity))
        wanted = [
            dg.MultiPartitionKey({DATE_DIMENSION: w.isoformat(), INSTRUMENT_DIMENSION: k})
            for w in windows
            for k in keys
        ]

        with partition_loading_context(dynamic_partitions_store=instance):
            ui_ranges = partitions_def.subset_with_partition_keys(wanted).get_partition_key_ranges(
                partitions_def
            )
            ui_calls = sum(
                len(
                    page_jobs(
                        spec,
                        plan(
                            partitions_def.get_partition_keys_in_range(r),
                            spec.interval,
                            bounds,
                            NOW,
                        ),
                    )
                )
                for r in ui_ranges
            )
        runs = history_runs(windows[0], windows[-1], keys)
        calls = rows = quarantined = 0
        run_seconds = check_seconds = 0.0
        spec_started = time.monotonic()
        for tags in runs:
            result = job.execute_in_process(instance=instance, run_config=quiet, tags=tags)
            assert result.success, f"{spec.name} {tags}"
            whole, steps = step_times(instance, result.run_id)
            if args.steps:
                shown = ", ".join(f"{key} {seconds:.1f} s" for key, seconds in steps.items())
                print(f"{'':>14}  run {whole:.1f} s: {shown}")
            run_seconds += whole
            check_seconds += sum(s for key, s in steps.items() if key != spec.name)
            event = result.get_asset_materialization_events()[0].materialization
            meta = {k: v.value for k, v in event.metadata.items()}
            # the checks' figures computed inside the asset step, while its batches streamed
            check_seconds += meta.get("check_figures_seconds_in_run", 0.0)
            timing["figures"] += meta.get("check_figures_seconds_in_run", 0.0)
            calls += meta["api_calls_in_run"]
            rows += meta["rows_written_in_run"]
            quarantined += meta["rows_quarantined_in_run"]
        unit = spec.interval.seconds
        span = Span(_epoch(windows[0]), _epoch(next_partition(windows[-1], granularity)) - unit)
        minimum = sum(
            math.ceil(clamped.points(unit) / spec.interval.max_limit)
            for b in bounds.values()
            if (clamped := clamp(span, unit, b, NOW)) is not None
        )
        seconds = time.monotonic() - spec_started
        print(
            f"{spec.name:>14}: {len(wanted):>6} partitions, {len(runs):>3} runs, {calls:>5} API calls "
            f"(minimum {minimum}, ratio {calls / max(minimum, 1):.3f}), {rows:>8} rows "
            f"(+{quarantined} quarantined), {rows / seconds:>7.0f} rows/s | grouped as a UI "
            f"backfill: {len(ui_ranges)} runs, {ui_calls} calls (ratio {ui_calls / max(minimum, 1):.2f})"
        )
        print(
            f"{'':>14}  checks {check_seconds:.1f} s of {run_seconds:.1f} s run time "
            f"({check_seconds / max(run_seconds, 1e-9):.1%})"
        )
        timing["run"] += run_seconds
        timing["checks"] += check_seconds
        for name, value in (("calls", calls), ("minimum", minimum), ("rows", rows)):
            totals[name] += value
        totals["quarantined"] += quarantined
        totals["runs"] += len(runs)

    seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'total':>14}: {totals['runs']:>4} runs, {totals['calls']:>6} API calls "
        f"(minimum {totals['minimum']}, ratio {totals['calls'] / totals['minimum']:.3f}), "
        f"{totals['rows']:>9} rows (+{totals['quarantined']} quarantined), "
        f"{totals['rows'] / seconds:>8.0f} rows/s, {seconds:.0f} s, peak RSS {peak_mb:.0f} MiB"
    )
    print(
        f"{'checks':>14}: {timing['checks']:.1f} s of {timing['run']:.1f} s run time "
        f"({timing['checks'] / max(timing['run'], 1e-9):.1%}: check steps, and {timing['figures']:.1f} s "
        "of figures the asset steps computed for them, over whole runs, from step events)"
    )
    if args.mariadb:
        _drop_database(os.environ["S2_DATABASE"])


def step_times(instance, run_id: str) -> tuple[float, dict[str, float]]:
    """(run seconds, {step key: seconds}) from the run's Dagster events: RUN_START..RUN_SUCCESS
    and each step's STEP_START..STEP_SUCCESS."""
    import dagster as dg

    started: dict[str | None, float] = {}
    steps: dict[str, float] = {}
    run = 0.0
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        kind = event.event_type
        if kind in (dg.DagsterEventType.RUN_START, dg.DagsterEventType.STEP_START):
            started[event.step_key] = record.timestamp
        elif kind == dg.DagsterEventType.RUN_SUCCESS:
            run = record.timestamp - started[None]
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            steps[event.step_key] = record.timestamp - started[event.step_key]
    return run, steps


def _drop_database(name: str) -> None:
    from ccdata_assets.warehouse.resource import WarehouseResource

    with WarehouseResource.from_env().get().connect() as session:
        cursor = session.connection.cursor()
        try:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            cursor.close()


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


if __name__ == "__main__":
    main()
