"""The API probe of /health against a standalone simulator over real HTTP, and a closed port."""

from __future__ import annotations

import socket
import time

from ccdata_assets.metrics.health import api_health
from ccdata_assets.settings import ApiSettings
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread

KEY = "probe-key-never-shown-2718"


def test_a_reachable_api_is_healthy_and_a_refused_key_is_not() -> None:
    with serve_in_thread(SimulatorConfig()) as sim:
        keyed = api_health(ApiSettings(base_url=sim.base_url, api_key=KEY), timeout=5)
        keyless = api_health(ApiSettings(base_url=sim.base_url), timeout=5)
    assert keyed.ok, keyed.detail
    assert keyed.detail.startswith(f"{sim.base_url} answered HTTP")
    assert KEY not in keyed.detail
    assert not keyless.ok
    assert keyless.detail == f"{sim.base_url} refused the key (HTTP 401)."


def test_an_unreachable_api_is_reported_within_the_timeout() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    started = time.monotonic()
    result = api_health(ApiSettings(base_url=f"http://127.0.0.1:{closed}", api_key=KEY), timeout=2)
    assert time.monotonic() - started < 5
    assert not result.ok
    assert result.detail.startswith(f"http://127.0.0.1:{closed} is unreachable:")
    assert KEY not in result.detail
