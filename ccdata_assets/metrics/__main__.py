"""`python -m ccdata_assets.metrics --port 9108`: serve /metrics and /health.

Reads the instance in DAGSTER_HOME and the warehouse and API settings of the code location (the
same environment variables), so run it with the environment the code server has.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import warnings

import dagster as dg
from prometheus_client import CollectorRegistry

from ccdata_assets.api.settings import api_settings
from ccdata_assets.datasets.catalog import SNAPSHOTS, TIME_SERIES
from ccdata_assets.metrics.collector import CCDataCollector
from ccdata_assets.metrics.health import DAEMON_TOLERANCE_SECONDS, health
from ccdata_assets.metrics.lag import bounded
from ccdata_assets.metrics.server import build_app, serve
from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets.warehouse.warehouse import Warehouse

log = logging.getLogger("ccdata_assets.metrics")


def check_keys() -> set[dg.AssetCheckKey]:
    """The code location's checks (built from the same settings as the code server)."""
    from ccdata_assets.definitions import build_definitions

    with warnings.catch_warnings():  # Dagster's preview notices are the code server's business
        warnings.simplefilter("ignore")
        return set(build_definitions().resolve_asset_graph().asset_check_keys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ccdata_assets.metrics", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (0.0.0.0)")
    parser.add_argument("--port", type=int, default=9108, help="port to listen on (9108)")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds each health probe may take (5)"
    )
    parser.add_argument(
        "--query-timeout", type=int, default=20, help="seconds a warehouse query may take (20)"
    )
    parser.add_argument(
        "--daemon-tolerance",
        type=float,
        default=DAEMON_TOLERANCE_SECONDS,
        help=f"seconds without a daemon heartbeat before it counts as down "
        f"({DAEMON_TOLERANCE_SECONDS:g})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        store, source = warehouse_settings(), api_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    instance = dg.DagsterInstance.get()
    registry = CollectorRegistry()
    registry.register(
        CCDataCollector(
            instance,
            Warehouse(bounded(store, args.query_timeout)),
            source,
            TIME_SERIES,
            [*(s.name for s in TIME_SERIES), *(o.name for s in SNAPSHOTS for o in s.outputs)],
            check_keys,
        )
    )
    app = build_app(
        registry,
        lambda: health(instance, store, source, args.timeout, args.daemon_tolerance),
    )
    log.info("ccdata metrics on http://%s:%d/metrics and /health", args.host, args.port)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
        serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
