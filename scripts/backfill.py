"""Launch an API-optimal backfill on a running platform (`make run`).

Each run covers every time window of the range for a chunk of instruments, so each instrument's
span is paged at the API's largest page size: about instruments x ceil(points / limit) calls,
whatever the ratio of windows to instruments (see ccdata_assets/assets/backfill.py).

    DAGSTER_HOME=$PWD/.dagster_home .venv/bin/python scripts/backfill.py spot_ohlcv_1h \
        --from 2024-01-01 --to 2025-12-31 [--instruments kraken:BTC-USD,binance:ETH-USDT] \
        [--chunk 50] [--url http://127.0.0.1:3000]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from urllib.parse import urlsplit

import dagster as dg
from dagster_graphql import DagsterGraphQLClient

from ccdata_assets.assets.backfill import DEFAULT_CHUNK, history_runs
from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.partitions import partition_start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("asset", choices=[spec.name for spec in TIME_SERIES])
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
    parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True)
    parser.add_argument("--instruments", default="all", help="comma-separated keys, or all")
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    args = parser.parse_args()

    spec = next(s for s in TIME_SERIES if s.name == args.asset)
    known = dg.DagsterInstance.get().get_dynamic_partitions(spec.universe.partitions_name)
    wanted = known if args.instruments == "all" else args.instruments.split(",")
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        print(
            f"Unknown {spec.universe.partitions_name} keys {', '.join(unknown)}: pick keys the "
            "instrument sensor added (see the asset's partitions in the UI).",
            file=sys.stderr,
        )
        return 2
    ordered = [key for key in known if key in set(wanted)]  # partition order: ranges stay exact
    runs = [
        tags
        for start in range(len(ordered))
        if start == 0 or known.index(ordered[start]) != known.index(ordered[start - 1]) + 1
        for tags in history_runs(
            partition_start(args.first, spec.interval.partition),
            partition_start(args.last, spec.interval.partition),
            _contiguous_from(ordered, known, start),
            args.chunk,
        )
    ]
    url = urlsplit(args.url)
    client = DagsterGraphQLClient(url.hostname or "127.0.0.1", port_number=url.port or 3000)
    for tags in runs:
        run_id = client.submit_job_execution(f"{spec.name}_job", tags=tags)
        print(
            f"{run_id}: {tags['dagster/asset_partition_range_start']} .. {tags['dagster/asset_partition_range_end']}"
        )
    return 0


def _contiguous_from(ordered: list[str], known: list[str], start: int) -> list[str]:
    """The run of `ordered` from `start` whose keys sit next to each other in `known`."""
    run = [ordered[start]]
    for key in ordered[start + 1 :]:
        if known.index(key) != known.index(run[-1]) + 1:
            break
        run.append(key)
    return run


if __name__ == "__main__":
    sys.exit(main())
