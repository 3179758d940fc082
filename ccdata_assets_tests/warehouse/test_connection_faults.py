"""A frozen warehouse or a connection lost mid-write fails the run with one sentence, within the
read timeout, and a re-run completes the partition with nothing lost or doubled. Real Dagster
runs into a real MariaDB, behind a proxy that makes the fault on the wire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import dagster as dg
import pytest

from ccdata_assets.definitions import build_definitions
from ccdata_assets.partitions import range_tags
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets.warehouse.warehouse import Warehouse
from ccdata_assets_tests.support import SMALL_UNIVERSE, run_job, step_error
from ccdata_assets_tests.warehouse.tcp_proxy import FaultyProxy, faulty_proxy

MAY = date(2026, 5, 1)
INSTRUMENT = "kraken:BTC-USD"


@pytest.fixture
def proxied(mysql_env: dict[str, str], monkeypatch) -> Iterator[FaultyProxy]:
    """The platform's env pointing at MariaDB through the proxy, with a 3 s read timeout."""
    with faulty_proxy(mysql_env["S2_HOST"], int(mysql_env["S2_PORT"])) as proxy:
        for name, value in {
            **mysql_env,
            "S2_PORT": str(proxy.port),
            "S2_READ_TIMEOUT": "3",
            **SMALL_UNIVERSE,
        }.items():
            monkeypatch.setenv(name, value)
        yield proxy


@pytest.mark.parametrize("mode", ["freeze", "cut"])
def test_a_frozen_or_lost_warehouse_fails_the_run_in_one_sentence_and_a_rerun_completes(
    proxied: FaultyProxy, mysql_env: dict[str, str], mode: str
) -> None:
    defs, instance = build_definitions(), dg.DagsterInstance.ephemeral()
    assert run_job(defs, instance, "metadata_job").success
    instance.add_dynamic_partitions("spot_instruments", [INSTRUMENT])
    tags = range_tags(MAY, MAY, [INSTRUMENT])

    proxied.arm(b"LOAD DATA", mode)  # the first bulk write of the candles
    failed = run_job(defs, instance, "spot_ohlcv_1d_job", tags)
    assert proxied.triggered.is_set() and not failed.success
    kind, message = step_error(failed).split(": ", 1)
    assert kind.endswith("WarehouseConnectionError")
    assert message.startswith(f"Lost the connection to the warehouse at 127.0.0.1:{proxied.port}")
    assert "within 3 s" in message and "S2_READ_TIMEOUT" in message and "re-run" in message
    assert message.count(". ") == 0 and message.endswith(".")

    proxied.heal()
    assert run_job(defs, instance, "spot_ohlcv_1d_job", tags).success
    direct = Warehouse(warehouse_settings(mysql_env))
    stored = direct.read("cc_ohlcv_spot_1d_raw").sort("datetime")
    assert stored.height == 31  # every closed day of May, once
    assert stored["datetime"].dt.day().to_list() == list(range(1, 32))
    assert run_job(defs, instance, "spot_ohlcv_1d_job", tags).success  # and again: nothing doubles
    again = direct.read("cc_ohlcv_spot_1d_raw").sort("datetime")
    assert again.drop("collected_at").equals(stored.drop("collected_at"))
