"""Fixtures: a simulator served over real HTTP with a fixed clock, and a tiny HTTP helper."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ccdata_assets.simulator import SimulatorConfig, SimulatorHandle, serve_in_thread

# 2025-11-24T16:00:00Z: a fixed "now" so every expectation below is reproducible.
NOW = 1_764_000_000


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def fetch(
    base_url: str, path: str, params: dict | None = None, key: str | None = "test-key"
) -> Reply:
    """GET over real HTTP; errors come back as replies, not exceptions."""
    query = urllib.parse.urlencode(params or {})
    request = urllib.request.Request(f"{base_url}{path}?{query}")
    if key is not None:
        request.add_header("authorization", f"Apikey {key}")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return Reply(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers.items()), err.read())


@pytest.fixture(scope="session")
def sim() -> Iterator[SimulatorHandle]:
    """One shared simulator with generous limits (tests that need limits start their own)."""
    config = SimulatorConfig(
        now=NOW, rate_limit_per_second=100_000, rate_limit_per_minute=1_000_000
    )
    with serve_in_thread(config) as handle:
        yield handle


@pytest.fixture
def get(sim: SimulatorHandle):
    def _get(path: str, **params: object) -> Reply:
        return fetch(sim.base_url, path, {k: str(v) for k, v in params.items()})

    return _get
