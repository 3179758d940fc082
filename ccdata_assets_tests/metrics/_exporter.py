"""`python -m ccdata_assets.metrics` as the tests run it: its own process, scraped over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ccdata_assets_tests.support import PLATFORM_VARS

EXPORTER = [sys.executable, "-m", "ccdata_assets.metrics", "--host", "127.0.0.1", "--timeout", "3"]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Exporter:
    """`python -m ccdata_assets.metrics` on a free port, with the test's environment."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [*EXPORTER, "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                self.get("/health", timeout=10)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"the exporter did not start: {log.read_text()}") from None
                time.sleep(0.3)

    def get(self, path: str, timeout: float = 120) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def metrics(self) -> Samples:
        status, text = self.get("/metrics")
        assert status == 200, text[-2000:]
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        self.log.close()


def platform_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, str]:
    """Set `env` (and nothing else of the platform's) here; the same for the exporter's process."""
    for name in PLATFORM_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    return {**{k: v for k, v in os.environ.items() if k not in PLATFORM_VARS}, **env}


def by_data_set(samples: Samples, name: str) -> dict[str, float]:
    return {dict(labels)["data_set"]: value for (n, labels), value in samples.items() if n == name}


def by_label(samples: Samples, name: str, label: str) -> dict[str, float]:
    return {dict(labels)[label]: value for (n, labels), value in samples.items() if n == name}
