"""/health's probes: the API against a standalone simulator over real HTTP and a closed port;
the daemon with a real `dagster-daemon run` on the exporter's instance."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ccdata_assets.api.settings import ApiSettings
from ccdata_assets.metrics.health import api_health
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets_tests.metrics._exporter import Exporter, platform_env

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


def test_health_is_200_once_a_real_daemon_heartbeats(monkeypatch, tmp_path, exporters) -> None:
    env = platform_env(
        monkeypatch,
        {"CCDATA_HOME": str(tmp_path / "ccdata"), "DAGSTER_HOME": str(tmp_path / "dagster_home")},
    )
    exporter = Exporter(env, tmp_path / "exporter.log")
    exporters.append(exporter)
    status, body = exporter.get("/health")
    assert status == 503 and not json.loads(body)["components"]["daemon"]["ok"]
    with (tmp_path / "daemon.log").open("w") as log:
        daemon = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", "--empty-workspace"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and daemon.poll() is None:
                status, body = exporter.get("/health")
                if status == 200:
                    break
                time.sleep(1)
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(timeout=30)
    report = json.loads(body)
    assert status == 200, (report, (tmp_path / "daemon.log").read_text()[-2000:])
    assert report["ok"] is True
    assert report["components"]["daemon"]["detail"].endswith("sent a heartbeat within 300 s")
    assert report["components"]["api"]["detail"].startswith("embedded")
