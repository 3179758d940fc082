"""``python -m ccdata_assets.simulator --port 8765 [--calls-per-second N] [--fault-500-every N] ...``.

A standalone simulator for running the platform (or anything else) against a faulty API by hand:
every rate limit and fault of `SimulatorConfig` / `FaultConfig` is a flag, and the effective
configuration is printed at start so a log shows what the API was doing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
from collections.abc import Callable

from ccdata_assets.simulator.config import FaultConfig, SimulatorConfig
from ccdata_assets.simulator.server import serve

# FaultConfig field -> (flag, parser, metavar, help). One flag per field; a test keeps it complete.
FAULT_FLAGS: dict[str, tuple[str, Callable[[str], object], str, str]] = {
    "status_429_every": (
        "--fault-429-every",
        lambda raw: _count("--fault-429-every", raw),
        "N",
        "every Nth request gets 429 with a Retry-After header (0: off)",
    ),
    "retry_after_seconds": (
        "--fault-retry-after",
        lambda raw: _seconds("--fault-retry-after", raw),
        "SECONDS",
        "the Retry-After of an injected 429 (default 1)",
    ),
    "status_500_every": (
        "--fault-500-every",
        lambda raw: _count("--fault-500-every", raw),
        "N",
        "every Nth request gets a 500 error envelope (0: off)",
    ),
    "drop_connection_every": (
        "--fault-drop-connection-every",
        lambda raw: _count("--fault-drop-connection-every", raw),
        "N",
        "every Nth request: the connection is closed without a response (0: off)",
    ),
    "delay_seconds": (
        "--fault-delay",
        lambda raw: _seconds("--fault-delay", raw),
        "SECONDS",
        "latency added to every request (default 0)",
    ),
    "corrupt_every": (
        "--fault-corrupt-every",
        lambda raw: _count("--fault-corrupt-every", raw),
        "N",
        "every Nth bucket of history is malformed, kinds rotating; the platform quarantines "
        "them (0: off)",
    ),
    "drop_bucket_every": (
        "--fault-drop-bucket-every",
        lambda raw: _count("--fault-drop-bucket-every", raw),
        "N",
        "every Nth bucket of history is left out of pages, a gap (0: off)",
    ),
    "spike_every": (
        "--fault-spike-every",
        lambda raw: _count("--fault-spike-every", raw),
        "N",
        "every Nth bucket of history has OPEN/HIGH/LOW/CLOSE multiplied, a valid outlier (0: off)",
    ),
    "extra_field": (
        "--fault-extra-field",
        str,
        "NAME",
        "a field the API might add one day, on every history record (default: none)",
    ),
}


def _count(flag: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{flag} takes a whole number >= 0, got {raw!r}.")
    return value


def _positive(flag: str, raw: str) -> int:
    value = _count(flag, raw)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{flag} takes a whole number > 0, got {raw!r}.")
    return value


def _seconds(flag: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{flag} takes seconds >= 0, got {raw!r}.")
    return value


def build_parser() -> argparse.ArgumentParser:
    defaults = SimulatorConfig()
    parser = argparse.ArgumentParser(
        prog="python -m ccdata_assets.simulator",
        description="Serve the simulated CryptoCompare/CoinDesk Data API (deterministic data), "
        "optionally with enforced rate limits and injected faults.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--now", type=float, default=None, help="fixed 'now' in epoch seconds")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without an API key")
    limits = parser.add_argument_group(
        "rate limits",
        "enforced per API key, as the real API does: past them it answers 429 "
        "with Retry-After (the Min API: Type 99)",
    )
    limits.add_argument(
        "--calls-per-second",
        type=lambda raw: _positive("--calls-per-second", raw),
        default=defaults.rate_limit_per_second,
        metavar="N",
        help=f"calls allowed per second (default {defaults.rate_limit_per_second})",
    )
    limits.add_argument(
        "--calls-per-minute",
        type=lambda raw: _positive("--calls-per-minute", raw),
        default=defaults.rate_limit_per_minute,
        metavar="N",
        help=f"calls allowed per minute (default {defaults.rate_limit_per_minute})",
    )
    faults = parser.add_argument_group("faults", "injected failures, all off by default")
    fault_defaults = FaultConfig()
    for name, (flag, parse, metavar, text) in FAULT_FLAGS.items():
        faults.add_argument(
            flag,
            dest=name,
            type=parse,
            default=getattr(fault_defaults, name),
            metavar=metavar,
            help=text,
        )
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    return SimulatorConfig(
        now=args.now,
        require_api_key=not args.no_auth,
        rate_limit_per_second=args.calls_per_second,
        rate_limit_per_minute=args.calls_per_minute,
        faults=FaultConfig(**{name: getattr(args, name) for name in FAULT_FLAGS}),
    )


def describe(config: SimulatorConfig) -> str:
    """One line naming the limits and every fault that is on, for the log of a by-hand run."""
    defaults = FaultConfig()
    on = [
        f"{FAULT_FLAGS[f.name][0]} {getattr(config.faults, f.name)}"
        for f in dataclasses.fields(FaultConfig)
        if getattr(config.faults, f.name) != getattr(defaults, f.name)
    ]
    return (
        f"ccdata simulator config: calls per second {config.rate_limit_per_second}, "
        f"calls per minute {config.rate_limit_per_minute}, "
        f"api key {'required' if config.require_api_key else 'not required'}, "
        f"now {'wall clock' if config.now is None else config.now}, "
        f"faults: {', '.join(on) if on else 'none'}"
    )


async def _run(config: SimulatorConfig, host: str, port: int) -> None:
    async with serve(config, host, port) as handle:
        print(f"ccdata simulator listening on {handle.base_url}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    config = config_from_args(args)
    print(describe(config), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(config, args.host, args.port))


if __name__ == "__main__":
    main()
