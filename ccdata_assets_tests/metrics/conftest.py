"""Exporters started by a test are stopped after it, pass or fail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ccdata_assets_tests.metrics._exporter import Exporter


@pytest.fixture
def exporters() -> Iterator[list[Exporter]]:
    started: list[Exporter] = []
    yield started
    for exporter in started:
        exporter.stop()
