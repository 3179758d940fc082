"""UI backfill benchmark: API calls of backfills launched as the UI launches them, vs the minimum.

Starts the simulator (which counts every call it serves) and `dagster dev` (webserver, daemon,
code server) on a fresh DAGSTER_HOME, adds I instruments, then for 1d, 1h and 1m launches a
backfill of W windows x I instruments through the webserver's GraphQL `launchPartitionBackfill`
(what the Materialize dialog sends), lets the daemon split and run it, and prints the calls the
simulator served against the minimum, sum over instruments of ceil(points / page limit), and what
Dagster's grouping would cost if each run paged only its own partitions (priced, not run).

    .venv/bin/python scripts/benchmark_ui_backfill.py [--instruments 20] [--months 13]
        [--minute-days 7] [--intervals 1d,1h,1m] [--mariadb]

Exits 1 if a backfill fails or costs more than 1.1 x the minimum.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test harness's `dagster dev` launcher and platform helpers

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)
LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""
WAIT_SECONDS = 1800


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=20)
    parser.add_argument("--months", type=int, default=13, help="monthly windows of 1d and 1h")
    parser.add_argument("--minute-days", type=int, default=7, help="daily windows of 1m")
    parser.add_argument("--intervals", default="1d,1h,1m")
    parser.add_argument("--mariadb", action="store_true", help="warehouse on 127.0.0.1:3306")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ccdata-ui-bench-"))
    first_month = _months_back(NOW.date().replace(day=1), args.months)
    env = {
        "DAGSTER_HOME": str(work / "dagster_home"),
        "CCDATA_HOME": str(work / "ccdata"),
        "CCDATA_NOW": NOW.isoformat(),
        "CCDATA_START_DATE": first_month.isoformat(),
        "CCDATA_MINUTE_HISTORY_DAYS": str(args.minute_days + 1),  # + the open day
        "CCDATA_API_KEY": "bench-key",
        "CCDATA_SOURCE": "simulator",
        "CCDATA_CALLS_PER_SECOND": "40",
        "CCDATA_CALLS_PER_MINUTE": "2400",
    }
    if args.mariadb:
        database = f"bench_ledger_{uuid.uuid4().hex[:8]}"
        env.update({"S2_HOST": "127.0.0.1", "S2_DATABASE": database})

    import dagster as dg
    import pytest

    from ccdata_assets.simulator import SimulatorConfig, serve_in_thread

    # The simulator's limits are above the platform's, so no call is refused and retried.
    config = SimulatorConfig(
        now=NOW.timestamp(), rate_limit_per_second=1000, rate_limit_per_minute=100_000
    )
    with serve_in_thread(config) as api, pytest.MonkeyPatch.context() as patch:
        env["DATA_API_BASE_URL"] = api.base_url
        from ccdata_assets_tests.support import Platform, set_platform_env
        from ccdata_assets_tests.ui.platform_dev import dagster_dev, write_instance_config

        write_instance_config(Path(env["DAGSTER_HOME"]))  # local/dagster.yaml; ticks held
        set_platform_env(patch, env)
        instance = dg.DagsterInstance.get()
        platform = Platform("spot", patch, instance)
        platform.bootstrap()  # metadata and the universe, in this process
        chosen = platform.active(_spot_universe())[: args.instruments]
        if len(chosen) < args.instruments:
            print(f"The universe holds only {len(chosen)} active instruments.", file=sys.stderr)
            return 2
        print(
            f"size: {len(chosen)} instruments x {args.months} months (1d, 1h) / "
            f"{args.minute_days} days (1m); warehouse: "
            f"{'MariaDB' if args.mariadb else 'embedded SQLite'}; dagster dev with "
            "local/dagster.yaml (4 runs at once)",
            flush=True,
        )
        failed = False
        with dagster_dev(dict(os.environ), work / "dagster_dev.log") as url:
            for label in args.intervals.split(","):
                failed |= not _bench(platform, api, url, label, chosen, args)
        if args.mariadb:
            _drop(env["S2_DATABASE"])
    return 1 if failed else 0


def _bench(platform, api, url: str, label: str, instruments: list[str], args) -> bool:
    import dagster as dg

    from ccdata_assets.assets.planning import plan
    from ccdata_assets.assets.timeseries import page_jobs
    from ccdata_assets.datasets.catalog import TIME_SERIES
    from ccdata_assets.datasets.universe import instrument_bounds
    from ccdata_assets.partitions import multi_key, next_partition

    spec = next(
        s for s in TIME_SERIES if s.universe.partitions_name == "spot_instruments"
        and s.interval.label == label
    )  # fmt: skip
    granularity = spec.interval.partition
    if granularity == "monthly":
        windows = [_months_back(NOW.date().replace(day=1), args.months)]
        count = args.months
    else:
        windows = [NOW.date() - timedelta(days=args.minute_days)]
        count = args.minute_days
    while len(windows) < count:
        windows.append(next_partition(windows[-1], granularity))
    keys = [multi_key(w, i) for w in windows for i in instruments]

    # The minimum: every instrument paged over all the windows at once. Without the ledger:
    # each of the runs Dagster's grouping makes paged alone.
    bounds = instrument_bounds(platform.table(spec.universe.instruments_table), spec.universe)
    minimum = len(page_jobs(spec, plan(keys, spec.interval, bounds, NOW)))
    partitions_def = platform.defs.resolve_assets_def(spec.name).partitions_def
    with dg.partition_loading_context(dynamic_partitions_store=platform.instance):
        ranges = partitions_def.subset_with_partition_keys(keys).get_partition_key_ranges(
            partitions_def
        )
        alone = sum(
            len(page_jobs(spec, plan(partitions_def.get_partition_keys_in_range(r),
                                     spec.interval, bounds, NOW)))
            for r in ranges
        )  # fmt: skip

    before = api.stats.calls[spec.path]
    started = time.monotonic()
    backfill_id = _launch(url, spec.name, keys)
    runs = _wait(platform.instance, backfill_id)
    seconds = time.monotonic() - started
    calls = api.stats.calls[spec.path] - before
    succeeded = sum(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    records = platform.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(spec.name), asset_partitions=keys),
        limit=len(keys) * 4,
    ).records
    materialised = len({r.partition_key for r in records})
    ratio = calls / max(minimum, 1)
    print(
        f"{spec.name:>14}: {len(instruments)} instruments x {len(windows)} windows = "
        f"{len(keys)} partitions, {len(runs)} runs ({succeeded} succeeded), {materialised} "
        f"materialised, {calls} API calls counted by the simulator (minimum {minimum}, ratio "
        f"{ratio:.3f}) in {seconds:.0f} s | each run paging alone: {alone} calls (ratio "
        f"{alone / max(minimum, 1):.2f})",
        flush=True,
    )
    return succeeded == len(runs) and materialised == len(keys) and ratio <= 1.1


def _launch(url: str, asset: str, keys: list[str]) -> str:
    """The mutation the Materialize dialog sends for a selection of partitions."""
    params = {"assetSelection": [{"path": [asset]}], "partitionNames": keys, "fromFailure": False}
    body = json.dumps({"query": LAUNCH, "variables": {"params": params}}).encode()
    request = urllib.request.Request(
        f"{url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    result = (answer.get("data") or {}).get("launchPartitionBackfill") or {}
    if result.get("__typename") != "LaunchBackfillSuccess":
        raise RuntimeError(f"launchPartitionBackfill failed: {answer}")
    return result["backfillId"]


def _wait(instance, backfill_id: str) -> list:
    """The backfill's runs, once the daemon has launched them all and each has finished."""
    import dagster as dg

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        backfill = instance.get_backfill(backfill_id)
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        settled = backfill.status.value not in ("REQUESTED", "CANCELING")
        if settled and runs and all(r.is_finished for r in runs):
            return runs
        time.sleep(2)
    raise RuntimeError(f"Backfill {backfill_id} did not finish within {WAIT_SECONDS} s.")


def _spot_universe():
    from ccdata_assets.datasets.catalog import SPOT_UNIVERSE

    return SPOT_UNIVERSE


def _months_back(first_of_month: date, months: int) -> date:
    """The first of the month `months` before `first_of_month`'s (13 -> a year and a month)."""
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _drop(database: str) -> None:
    import singlestoredb

    with singlestoredb.connect(host="127.0.0.1", user="root") as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{database}`")


if __name__ == "__main__":
    sys.exit(main())
