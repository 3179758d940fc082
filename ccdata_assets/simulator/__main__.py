"""``python -m ccdata_assets.simulator --port 8765 [--host 127.0.0.1] [--now EPOCH]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from ccdata_assets.simulator.config import SimulatorConfig
from ccdata_assets.simulator.server import serve


async def _run(config: SimulatorConfig, host: str, port: int) -> None:
    async with serve(config, host, port) as handle:
        print(f"ccdata simulator listening on {handle.base_url}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ccdata_assets.simulator",
        description="Serve the simulated CryptoCompare/CoinDesk Data API (deterministic data).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--now", type=float, default=None, help="fixed 'now' in epoch seconds")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without an API key")
    args = parser.parse_args(argv)
    config = SimulatorConfig(now=args.now, require_api_key=not args.no_auth)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(config, args.host, args.port))


if __name__ == "__main__":
    main()
