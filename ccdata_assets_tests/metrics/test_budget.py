"""The shared rate budget's use, as the exporter reports it: calls taken through the runs' own
budget code (SQLite under CCDATA_HOME), counted by the exporter in another process."""

from __future__ import annotations

import asyncio
import json

from ccdata_assets.api.budget import account_id, open_budget
from ccdata_assets.api.resource import REAL_CALLS_PER_MINUTE, REAL_CALLS_PER_SECOND
from ccdata_assets.api.settings import rate_limit_url
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets_tests.metrics._exporter import Exporter, by_label, platform_env

KEY = "budget-key-never-shown-1618"
CALLS = 7


def test_budget_calls_are_counted_per_window_without_taking_any(
    monkeypatch, tmp_path, exporters
) -> None:
    with serve_in_thread(SimulatorConfig()) as sim:
        env = platform_env(
            monkeypatch,
            {
                "CCDATA_HOME": str(tmp_path / "ccdata"),
                "DATA_API_BASE_URL": sim.base_url,
                "CCDATA_API_KEY": KEY,
                "CCDATA_SOURCE": "simulator",
                "DAGSTER_HOME": str(tmp_path / "dagster_home"),
            },
        )
        exporter = Exporter(env, tmp_path / "exporter.log")
        exporters.append(exporter)
        before = exporter.metrics()
        assert by_label(before, "ccdata_api_budget_calls", "window") == {"second": 0, "minute": 0}

        budget = open_budget(
            rate_limit_url(),
            account_id(sim.base_url, KEY),
            REAL_CALLS_PER_SECOND,
            REAL_CALLS_PER_MINUTE,
        )
        try:

            async def spend() -> None:
                for _ in range(CALLS):
                    await budget.acquire()

            asyncio.run(spend())
        finally:
            budget.close()
        samples = exporter.metrics()
        again = exporter.metrics()  # reading takes nothing from the budget
        status, body = exporter.get("/health")

    calls = by_label(samples, "ccdata_api_budget_calls", "window")
    assert calls["minute"] == CALLS  # all taken well within the last minute
    assert 0 <= calls["second"] <= CALLS
    assert by_label(again, "ccdata_api_budget_calls", "window")["minute"] == CALLS
    assert by_label(samples, "ccdata_api_budget_limit", "window") == {
        "second": REAL_CALLS_PER_SECOND,
        "minute": REAL_CALLS_PER_MINUTE,
    }
    assert by_label(samples, "ccdata_metrics_source_up", "source")["budget"] == 1
    api = json.loads(body)["components"]["api"]
    assert api["ok"] is True, api
    assert KEY not in body
    assert KEY not in (tmp_path / "exporter.log").read_text()
    assert status == 503  # no daemon runs here
