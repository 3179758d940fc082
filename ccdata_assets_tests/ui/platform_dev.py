"""`dagster dev` on a fresh home for the browser test: the universe is set up in-process first,
and only the runs a user launches (backfills) execute, so the 2-core machine stays quiet."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
import yaml

from ccdata_assets.datasets.catalog import UNIVERSES
from ccdata_assets_tests.support import REPO, SMALL_UNIVERSE, Platform, set_platform_env

# Runs launched by the daemon's sensors and schedules stay queued (a limit of 0 runs at once):
# the universe is added before the daemon starts, and the test launches the only runs it needs.
HOLD_AUTOMATION = [
    {"key": "dagster/sensor_name", "limit": 0},
    {"key": "dagster/schedule_name", "limit": 0},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_instance_config(home: Path) -> None:
    config = yaml.safe_load((REPO / "local" / "dagster.yaml").read_text())
    config["concurrency"]["runs"]["tag_concurrency_limits"] = HOLD_AUTOMATION
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))


def prepare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fresh DAGSTER_HOME and CCDATA_HOME with metadata and the universe's partitions in place;
    returns the environment `dagster dev` must run with."""
    env = {
        **SMALL_UNIVERSE,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "CCDATA_HOME": str(tmp_path / "ccdata"),
    }
    write_instance_config(Path(env["DAGSTER_HOME"]))
    set_platform_env(monkeypatch, env)
    # Not `with instance:`, which makes it the process's current definitions-state storage; that
    # would outlive this test and break every later test that resolves a code location.
    instance = dg.DagsterInstance.get()
    try:
        platform = Platform("spot", monkeypatch, instance)
        platform.bootstrap()
        for universe in UNIVERSES:
            platform.sense(universe.partitions_name)
    finally:
        instance.dispose()
    return {k: v for k, v in os.environ.items()}


@contextmanager
def dagster_dev(env: dict[str, str], log: Path) -> Iterator[str]:
    """`make run`'s launcher on a free port; yields the UI's base URL once it answers."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "scripts" / "dagster_dev.py"), "-w", "workspace.yaml",
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180
            while True:
                assert process.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                try:
                    with urllib.request.urlopen(f"{url}/server_info", timeout=5):
                        break
                except OSError:
                    time.sleep(1)
            yield url
        finally:
            process.terminate()  # the launcher stops dagster dev's whole process group
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
