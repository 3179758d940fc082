"""Simulated data never reaches a real warehouse by accident: the data source is explicit, and a
warehouse remembers which kind of data filled it and refuses the other kind."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg
import polars as pl
import pytest

from ccdata_assets.definitions import build_definitions
from ccdata_assets.partitions import range_tags
from ccdata_assets.settings import ConfigError
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets.warehouse.source_marker import SourceMismatchError
from ccdata_assets.warehouse.warehouse import Warehouse
from ccdata_assets_tests.support import SMALL_UNIVERSE, run_job, step_error

ROW = pl.DataFrame({"asset_id": [7], "snapshot_ts": [datetime(2026, 1, 1)]})


def _one_sentence(message: str) -> bool:
    return message.count(". ") == 0 and message.endswith(".")


def test_a_real_warehouse_without_a_key_refuses_to_load(mysql_env, monkeypatch) -> None:
    for name, value in mysql_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CCDATA_SOURCE")
    monkeypatch.delenv("CCDATA_API_KEY", raising=False)
    with pytest.raises(ConfigError) as error:
        build_definitions()
    message = str(error.value)
    assert "CCDATA_API_KEY" in message and "CCDATA_SOURCE=simulator" in message
    assert f"127.0.0.1:{mysql_env['S2_PORT']}" in message and _one_sentence(message)
    monkeypatch.setenv("CCDATA_SOURCE", "simulator")  # asked for by name: it loads
    assert build_definitions().resolve_job_def("metadata_job")


@pytest.mark.parametrize(("first", "second"), [("simulator", "api"), ("api", "simulator")])
def test_a_warehouse_refuses_the_other_kind_of_data(backend_env, first, second) -> None:
    settings = warehouse_settings(backend_env)
    Warehouse(settings, source=first).upsert("cc_asset_market_data", ROW)
    Warehouse(settings, source=first).upsert("cc_asset_market_data", ROW)  # same kind: fine
    with pytest.raises(SourceMismatchError) as error:
        Warehouse(settings, source=second).upsert("cc_asset_market_data", ROW)
    assert _one_sentence(str(error.value)) and "CCDATA_SOURCE" in str(error.value)
    marker = Warehouse(settings).query("SELECT source FROM ccdata_source")
    assert marker["source"].to_list() == [first]


def test_real_rows_are_refused_before_any_api_call_into_a_simulated_warehouse(
    mysql_env, monkeypatch
) -> None:
    """Filled by the embedded simulator, then pointed at an API with a key: the run fails at
    the warehouse's marker, the table keeps its rows and the API is never asked for candles."""
    for name, value in {**mysql_env, **SMALL_UNIVERSE}.items():
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.ephemeral()
    defs = build_definitions()
    tags = range_tags(date(2026, 5, 1), date(2026, 5, 1), ["kraken:BTC-USD"])
    instance.add_dynamic_partitions("spot_instruments", ["kraken:BTC-USD"])
    assert run_job(defs, instance, "metadata_job").success
    assert run_job(defs, instance, "spot_ohlcv_1d_job", tags).success
    stored = Warehouse(warehouse_settings(mysql_env)).read("cc_ohlcv_spot_1d_raw")

    with serve_in_thread(SimulatorConfig(require_api_key=True)) as api:
        monkeypatch.delenv("CCDATA_SOURCE")
        monkeypatch.setenv("CCDATA_API_KEY", "sk-live-key")
        monkeypatch.setenv("DATA_API_BASE_URL", api.base_url)
        refused = run_job(build_definitions(), instance, "spot_ohlcv_1d_job", tags)
        history_calls = sum(n for path, n in api.stats.calls.items() if "historical" in path)
    assert not refused.success and history_calls == 0
    message = step_error(refused)
    assert "SourceMismatchError" in message and "holds simulated data" in message
    after = Warehouse(warehouse_settings(mysql_env)).read("cc_ohlcv_spot_1d_raw")
    assert after.height == stored.height == 31
