"""Fixtures: a simulator served over real HTTP with a fixed clock (support.SIM_NOW)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ccdata_assets.simulator import SimulatorConfig, SimulatorHandle, serve_in_thread
from ccdata_assets_tests.support import SIM_NOW, Reply, fetch


@pytest.fixture(scope="session")
def sim() -> Iterator[SimulatorHandle]:
    """One shared simulator with generous limits (tests that need limits start their own)."""
    config = SimulatorConfig(
        now=SIM_NOW, rate_limit_per_second=100_000, rate_limit_per_minute=1_000_000
    )
    with serve_in_thread(config) as handle:
        yield handle


@pytest.fixture
def get(sim: SimulatorHandle):
    def _get(path: str, **params: object) -> Reply:
        return fetch(sim.base_url, path, {k: str(v) for k, v in params.items()})

    return _get
