"""Asset definitions say where their rows go: the server's own kind, never a guess."""

from __future__ import annotations

import socket

import dagster as dg
import pytest

from ccdata_assets.definitions import build_definitions
from ccdata_assets.warehouse.kind import storage, storage_kind
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets_tests.support import connect, set_platform_env


def _asset(key: str) -> dg.AssetSpec:
    return build_definitions().resolve_asset_graph().get(dg.AssetKey(key))


def test_embedded_assets_are_sqlite_and_name_their_table(monkeypatch, tmp_path) -> None:
    set_platform_env(monkeypatch, {"CCDATA_HOME": str(tmp_path)})
    for key, table in [("spot_ohlcv_1h", "cc_ohlcv_spot_1h_raw"), ("assets", "cc_assets")]:
        node = _asset(key)
        assert node.kinds == {"polars", "sqlite"}
        assert node.metadata["dagster/table_name"] == f"market.{table}"
        assert node.metadata["ccdata/warehouse"] == f"embedded warehouse {tmp_path}/market.sqlite"


def test_a_mariadb_server_is_labelled_mariadb_and_the_probe_creates_nothing(
    monkeypatch, mysql_env, tmp_path
) -> None:
    database = f"{mysql_env['S2_DATABASE']}_never"
    env = {**mysql_env, "S2_DATABASE": database, "CCDATA_SOURCE": "simulator"}
    set_platform_env(monkeypatch, {**env, "CCDATA_HOME": str(tmp_path)})
    node = _asset("futures_ohlcv_1d")
    assert node.kinds == {"polars", "mariadb"}
    assert node.metadata["dagster/table_name"] == f"{database}.cc_futures_ohlcv_1d"
    assert storage(warehouse_settings(env)).where.startswith("warehouse 127.0.0.1:")
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (database,))
        assert not cur.fetchall()


def test_an_unreachable_server_gets_no_storage_kind(tmp_path) -> None:
    with socket.socket() as listener:  # a port nothing answers on once closed
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    settings = warehouse_settings({"S2_HOST": "127.0.0.1", "S2_PORT": str(port)})
    assert storage_kind(settings) is None
    assert storage(settings).kinds == {"polars"}


@pytest.mark.parametrize("key", ["index_ohlcv_1m", "exchanges_general"])
def test_the_table_shows_on_every_kind_of_asset(monkeypatch, tmp_path, key) -> None:
    set_platform_env(monkeypatch, {"CCDATA_HOME": str(tmp_path)})
    assert _asset(key).metadata["dagster/table_name"].startswith("market.cc_")
