"""Running the simulator: in the current event loop, in a background thread, or standalone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from aiohttp import web

from ccdata_assets.simulator.app import STATE, create_app
from ccdata_assets.simulator.config import SimulatorConfig
from ccdata_assets.simulator.stats import SimulatorStats


@dataclass(frozen=True)
class SimulatorHandle:
    """Where a running simulator listens, and its live counters."""

    base_url: str
    stats: SimulatorStats


@asynccontextmanager
async def serve(
    config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[SimulatorHandle]:
    """Serve in the running loop on ``host:port`` (port 0 = any free port) until the block exits."""
    app = create_app(config or SimulatorConfig())
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        bound_host, bound_port = runner.addresses[0][:2]
        yield SimulatorHandle(f"http://{bound_host}:{bound_port}", app[STATE].stats)
    finally:
        await runner.cleanup()


@contextmanager
def serve_in_thread(
    config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[SimulatorHandle]:
    """Serve from a private thread and event loop, for synchronous code and tests."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="ccdata-simulator", daemon=True)
    thread.start()
    manager = serve(config, host, port)
    try:
        handle = asyncio.run_coroutine_threadsafe(manager.__aenter__(), loop).result(timeout=60)
        try:
            yield handle
        finally:
            asyncio.run_coroutine_threadsafe(manager.__aexit__(None, None, None), loop).result(
                timeout=60
            )
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
