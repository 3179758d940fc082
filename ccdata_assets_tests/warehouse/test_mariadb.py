"""MySQL-protocol specifics on the real MariaDB: both write paths, database creation, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import polars as pl
import pytest
import singlestoredb
from polars.testing import assert_frame_equal
from singlestoredb.exceptions import OperationalError

from ccdata_assets.warehouse import Warehouse, WarehouseConnectionError
from ccdata_assets.warehouse.settings import WarehouseSettings, warehouse_settings
from ccdata_assets.warehouse.writer import retry_locks
from ccdata_assets_tests.support import NASTY, candles, connect


def _frame(n: int) -> pl.DataFrame:
    frame = candles(n)
    return frame.with_columns(
        pl.Series("transform_function", [NASTY[i % len(NASTY)] for i in range(n)]),
        pl.Series("volume", [None if i % 5 == 0 else i / 3 for i in range(n)]),
    )


def test_load_data_and_executemany_write_the_same_rows(mysql_env: dict[str, str]) -> None:
    settings = warehouse_settings(mysql_env)
    bulk = Warehouse(settings)
    fallback = Warehouse(settings, local_infile=False)  # the server then refuses LOCAL INFILE
    frame = _frame(200)
    bulk.upsert("cc_ohlcv_spot_1h_raw", frame)
    fallback.upsert("cc_ohlcv_spot_1m_raw", frame)
    assert bulk.load_data_works is True
    assert fallback.load_data_works is False
    key = ["datetime", "exchange", "symbol"]
    loaded = bulk.read("cc_ohlcv_spot_1h_raw").sort(key).drop("collected_at")
    inserted = fallback.read("cc_ohlcv_spot_1m_raw").sort(key).drop("collected_at")
    assert_frame_equal(loaded, inserted)
    assert loaded["transform_function"].to_list() == frame["transform_function"].to_list()
    assert loaded["volume"].to_list() == frame["volume"].to_list()

    changed = frame.with_columns(pl.col("close") + 1)
    bulk.upsert("cc_ohlcv_spot_1h_raw", changed)
    fallback.upsert("cc_ohlcv_spot_1m_raw", changed)
    for warehouse, table in ((bulk, "cc_ohlcv_spot_1h_raw"), (fallback, "cc_ohlcv_spot_1m_raw")):
        got = warehouse.read(table).sort(key)
        assert got.height == 200
        assert got["close"].to_list() == changed["close"].to_list()


def test_staging_table_is_reused_within_a_session(mysql_env: dict[str, str]) -> None:
    warehouse = Warehouse(warehouse_settings(mysql_env), chunk_rows=10)
    with warehouse.connect() as session:
        session.upsert("cc_ohlcv_spot_1h_raw", candles(35))
        session.upsert("cc_ohlcv_spot_1h_raw", candles(35, symbol="ETH-USD"))
        assert len(session._stages) == 1  # one column set: one staging table, truncated per chunk
        assert session.read("cc_ohlcv_spot_1h_raw").height == 70


def test_missing_database_is_created(mysql_url: str) -> None:
    parts = urlsplit(mysql_url)
    name = f"ccdata_new_{uuid.uuid4().hex[:8]}"
    settings = WarehouseSettings(
        database=name,
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        Warehouse(settings).upsert("cc_assets_quarantine", _quarantine_row())
        assert Warehouse(settings).read("cc_assets_quarantine")["reason"].to_list() == ["bad"]
    finally:
        with singlestoredb.connect(mysql_url) as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def _quarantine_row() -> pl.DataFrame:
    return pl.DataFrame(
        {"row_hash": ["h"], "data_set": ["d"], "reason": ["bad"], "raw_json": ['{"a": 1}']}
    )


@pytest.mark.parametrize(
    ("env", "fragments"),
    [
        (
            {"S2_HOST": "127.0.0.1", "S2_PORT": "1"},
            ["Cannot reach the warehouse at 127.0.0.1:1", "S2_HOST", "S2_PORT"],
        ),
        (
            {"S2_PASSWORD": "s3cr3t-Passw0rd", "S2_USER": "root"},
            ["refused user 'root'", "S2_USER and S2_PASSWORD"],
        ),
    ],
)
def test_connection_errors_are_one_sentence_without_the_password(
    mysql_env: dict[str, str], env: dict[str, str], fragments: list[str]
) -> None:
    settings = warehouse_settings({**mysql_env, **env})
    with pytest.raises(WarehouseConnectionError) as info:
        Warehouse(settings).read("cc_assets")
    message = str(info.value)
    assert all(f in message for f in fragments), message
    assert "s3cr3t" not in message and info.value.__cause__ is None
    assert message.count(". ") == 0 and message.endswith(".")


@pytest.fixture
def limited_user(mysql_url: str) -> Iterator[tuple[str, str]]:
    """A MariaDB user that may log in but use no database (error 1044 on any other)."""
    user, password = f"ccdata_limited_{uuid.uuid4().hex[:6]}", "Limited-Pw-123"
    hosts = ("localhost", "127.0.0.1", "%")
    with connect() as conn, conn.cursor() as cur:
        for host in hosts:
            cur.execute(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'")
    try:
        yield user, password
    finally:
        with connect() as conn, conn.cursor() as cur:
            for host in hosts:
                cur.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")


def test_a_database_the_user_may_not_use_or_create_is_not_called_a_wrong_password(
    mysql_env: dict[str, str], limited_user: tuple[str, str]
) -> None:
    user, password = limited_user
    env = {**mysql_env, "S2_USER": user, "S2_PASSWORD": password, "S2_DATABASE": "ccdata_nope"}
    with pytest.raises(WarehouseConnectionError) as info:
        Warehouse(warehouse_settings(env)).read("cc_assets")
    message = str(info.value)
    assert f"User {user!r} may not use database 'ccdata_nope'" in message, message
    assert "S2_DATABASE" in message and "S2_PASSWORD" not in message and password not in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_lock_conflicts_are_retried() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError(1213, "Deadlock found when trying to get lock")
        return "done"

    assert retry_locks(flaky) == "done" and len(calls) == 3
    with pytest.raises(OperationalError):
        retry_locks(lambda: (_ for _ in ()).throw(OperationalError(1062, "Duplicate entry")))


def test_naive_datetimes_are_utc_and_whole_seconds(mysql_env: dict[str, str]) -> None:
    warehouse = Warehouse(warehouse_settings(mysql_env))
    moment = datetime(2024, 6, 30, 23, 59, 59, 900_000)
    warehouse.upsert(
        "cc_asset_market_data", pl.DataFrame({"asset_id": [7], "snapshot_ts": [moment]})
    )
    got = warehouse.query("SELECT snapshot_ts FROM cc_asset_market_data WHERE asset_id = %s", [7])
    assert got.item() == moment - timedelta(microseconds=900_000)
