"""Is each component reachable: the warehouse, the Data API, the Dagster daemon.

The three probes run in parallel and each answer is awaited at most `timeout` seconds, so a
component that hangs is reported as down rather than holding the request. Details are sentences
that name hosts and settings, never the API key or a password.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from typing import Any

import dagster as dg

# private: what `dagster-daemon liveness-check` runs; no public API reads daemon health
from dagster._daemon.controller import get_daemon_statuses

from ccdata_assets.api.settings import ApiSettings
from ccdata_assets.metrics.lag import bounded
from ccdata_assets.warehouse.settings import WarehouseSettings
from ccdata_assets.warehouse.warehouse import Warehouse

# Reports the key's own usage on the real Data API, so probing it spends no data call.
API_PROBE_PATH = "/admin/v2/rate/limit"
DAEMON_TOLERANCE_SECONDS = 300.0  # a daemon heartbeats every 30 s


@dataclass(frozen=True)
class Component:
    ok: bool
    detail: str


def warehouse_health(settings: WarehouseSettings, timeout: int) -> Component:
    warehouse = Warehouse(bounded(settings, timeout))
    with warehouse.connect() as session:
        session.query("SELECT 1")
    return Component(True, f"{warehouse.location} answered SELECT 1")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the key to another host; the probe reports it instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def api_health(settings: ApiSettings, timeout: float) -> Component:
    if settings.base_url is None:
        return Component(True, "embedded: each run serves the simulator in-process")
    base = settings.base_url
    request = urllib.request.Request(base + API_PROBE_PATH)
    if settings.api_key:
        request.add_header("authorization", f"Apikey {settings.api_key}")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Component(False, f"{base} is unreachable: {reason}.")
    if status in (401, 403):
        return Component(False, f"{base} refused the key (HTTP {status}).")
    if status >= 500:
        return Component(False, f"{base} answered HTTP {status}.")
    return Component(True, f"{base} answered HTTP {status}")


def daemon_health(instance: dg.DagsterInstance, tolerance: float) -> Component:
    """What `dagster-daemon liveness-check` asks: a recent heartbeat from every required daemon."""
    statuses = get_daemon_statuses(
        instance,
        daemon_types=instance.get_required_daemon_types(),
        heartbeat_tolerance_seconds=tolerance,
        ignore_errors=True,
    )
    silent = sorted(t for t, s in statuses.items() if s.required and not s.healthy)
    if silent:
        return Component(
            False,
            f"no daemon heartbeat within {tolerance:g} s from {', '.join(silent)}: "
            "is `dagster-daemon run` running on this instance?",
        )
    return Component(True, f"{len(statuses)} daemons sent a heartbeat within {tolerance:g} s")


def health(
    instance: dg.DagsterInstance,
    warehouse: WarehouseSettings,
    api: ApiSettings,
    timeout: float = 5.0,
    daemon_tolerance: float = DAEMON_TOLERANCE_SECONDS,
) -> dict[str, Any]:
    """{"ok": all reachable, "components": {name: {"ok", "detail"}}}."""
    probes: dict[str, Callable[[], Component]] = {
        "warehouse": lambda: warehouse_health(warehouse, max(1, int(timeout))),
        "api": lambda: api_health(api, timeout),
        "daemon": lambda: daemon_health(instance, daemon_tolerance),
    }
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="ccdata-health")
    futures = {name: pool.submit(probe) for name, probe in probes.items()}
    deadline = time.monotonic() + timeout + 1  # the probes' own timeouts, plus a margin
    components: dict[str, Component] = {}
    for name, future in futures.items():
        try:
            components[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            components[name] = Component(False, f"no answer within {timeout:g} s.")
        except Exception as exc:
            components[name] = Component(False, str(exc) or type(exc).__name__)
    pool.shutdown(wait=False, cancel_futures=True)
    return {
        "ok": all(c.ok for c in components.values()),
        "components": {name: asdict(c) for name, c in components.items()},
    }
