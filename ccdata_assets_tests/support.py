"""Helpers the test modules share (a support module, not a test module: nothing here is collected).
Fixtures stay in the conftests; constants, functions and the platform harness live here."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import polars as pl
import pytest
import singlestoredb

from ccdata_assets.alerts.resource import AlertSinkResource
from ccdata_assets.datasets.spec import Universe
from ccdata_assets.definitions import build_definitions
from ccdata_assets.partitions import INSTRUMENT_KEY_FORMAT
from ccdata_assets.sensors.bootstrap import SENSOR_NAME as BOOTSTRAP_SENSOR
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.resource import WarehouseResource

REPO = Path(__file__).resolve().parents[1]
TEST_MYSQL_URL = os.environ.get("CCDATA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")

# A small universe with its clock pinned: May 2026 holds 31 closed days for any instrument.
SMALL_UNIVERSE = {
    "CCDATA_NOW": "2026-06-15T12:30:00",
    "CCDATA_START_DATE": "2026-01-01",
    "CCDATA_SPOT_EXCHANGES": "kraken",
    "CCDATA_TOP_N_ASSETS": "2",
}
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def connect(database: str | None = None):
    """A plain connection to the test MariaDB server (for creating and inspecting databases)."""
    parts = urlsplit(TEST_MYSQL_URL)
    return singlestoredb.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=database,
    )


def mysql_settings(url: str, database: str) -> dict[str, str]:
    """Environment settings that point the platform at `database` on the MariaDB at `url`."""
    parts = urlsplit(url)
    return {
        "S2_HOST": parts.hostname or "127.0.0.1",
        "S2_PORT": str(parts.port or 3306),
        "S2_USER": parts.username or "root",
        "S2_PASSWORD": parts.password or "",
        "S2_DATABASE": database,
        "CCDATA_SOURCE": "simulator",  # a real server with no key: simulated data on purpose
    }


def run_job(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    job: str,
    tags: dict[str, str] | None = None,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, tags=tags or {}, raise_on_error=False, run_config=run_config or QUIET
    )


def step_error(result: dg.ExecuteInProcessResult) -> str:
    """The platform's own message of the first failed step, under Dagster's wrappers."""
    [failure, *_] = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.error
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


# --- Warehouse rows that are hard to store faithfully --------------------------------------------

T0 = datetime(2024, 1, 1)
NASTY = [
    "plain",
    "comma,x",
    'quote"x',
    "back\\slash",
    "line\nbreak",
    "cr\rx",
    "\\N",
    "NULL",
    "",
    "ünï€😀",
    "tab\tx",
    '"',
    "end\\",
    None,
]


def candles(n: int, *, exchange: str = "kraken", symbol: str = "BTC-USD", close: float = 100.0):
    return pl.DataFrame(
        {
            "datetime": [T0 + timedelta(hours=i) for i in range(n)],
            "exchange": exchange,
            "symbol_unmapped": "XXBTZUSD",
            "symbol": symbol,
            "open": [close + i for i in range(n)],
            "close": [close + i + 0.5 for i in range(n)],
            "total_trades": list(range(n)),
            "first_trade_timestamp": [T0 + timedelta(hours=i, seconds=7) for i in range(n)],
        }
    )


# --- The simulator over real HTTP -----------------------------------------------------------------

# 2025-11-24T16:00:00Z: a fixed "now" for the simulator so every expectation is reproducible.
SIM_NOW = 1_764_000_000


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


# --- The code location as `dagster dev` loads it --------------------------------------------------

NOW = "2026-06-15T12:30:00"  # the platform's pinned clock (CCDATA_NOW)
TODAY = date(2026, 6, 15)
PLATFORM_VARS = (
    "CCDATA_API_KEY", "CCDATA_SOURCE", "DATA_API_BASE_URL", "SINGLESTOREDB_URL", "S2_HOST", "S2_PORT", "S2_USER",
    "S2_PASSWORD", "S2_DATABASE", "CCDATA_HOME", "CCDATA_SPOT_EXCHANGES", "CCDATA_TOP_N_ASSETS",
    "CCDATA_MIN_EXCHANGE_GRADE", "CCDATA_START_DATE", "CCDATA_NOW", "CCDATA_SIM_NOW",
    "CCDATA_REPAIR_DRY_RUN", "CCDATA_REPAIR_MAX_PARTITIONS", "CCDATA_REPAIR_MAX_RUNS",
    "CCDATA_REPAIR_LOOKBACK_DAYS", "DAGSTER_HOME", "CCDATA_RATE_LIMIT_URL", "CCDATA_CALLS_PER_SECOND",
    "CCDATA_CALLS_PER_MINUTE", "CCDATA_MINUTE_HISTORY_DAYS", "CCDATA_FUTURES_EXCHANGES",
    "CCDATA_FUTURES_STATUSES", "CCDATA_INDEX_MARKETS",
)  # fmt: skip


def set_platform_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Only `env` of the platform's settings, with the clock pinned at NOW unless `env` says."""
    for name in PLATFORM_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in {"CCDATA_NOW": NOW, **env}.items():
        monkeypatch.setenv(name, value)


class Platform:
    """The code location as `dagster dev` would load it, with the environment `monkeypatch` set."""

    def __init__(
        self,
        kind: str,
        monkeypatch: pytest.MonkeyPatch,
        instance: dg.DagsterInstance | None = None,
    ) -> None:
        self.kind = kind
        self.monkeypatch = monkeypatch
        self.instance = instance or dg.DagsterInstance.ephemeral()
        self.reload()

    def reload(self, **env: str) -> None:
        for name, value in env.items():
            self.monkeypatch.setenv(name, value)
        self.defs = build_definitions()

    def run(self, job: str, tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
        return run_job(self.defs, self.instance, job, tags)

    def sense(self, universe: str = "spot_instruments") -> dg.SensorResult | dg.SkipReason:
        sensor = self.defs.resolve_sensor_def(f"{universe}_sensor")
        with dg.build_sensor_context(
            instance=self.instance, resources={"warehouse": WarehouseResource.from_env()}
        ) as context:
            result = sensor(context)
        if isinstance(result, dg.SkipReason):
            return result
        for request in result.dynamic_partitions_requests or []:
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                self.instance.add_dynamic_partitions(
                    request.partitions_def_name, request.partition_keys
                )
            else:
                for key in request.partition_keys:
                    self.instance.delete_dynamic_partition(request.partitions_def_name, key)
        return result

    def sense_bootstrap(self) -> dg.RunRequest | dg.SkipReason:
        sensor = self.defs.resolve_sensor_def(BOOTSTRAP_SENSOR)
        resources = {"warehouse": WarehouseResource.from_env()}
        with dg.build_sensor_context(instance=self.instance, resources=resources) as context:
            return sensor(context)

    def instruments(self) -> list[str]:
        return self.instance.get_dynamic_partitions("spot_instruments")

    def active(self, universe: Universe) -> list[str]:
        """Partition keys of instruments still trading (expired futures have no recent rows)."""
        listed = self.table(universe.instruments_table).filter(
            pl.col("instrument_status_on_exchange") == "ACTIVE"
        )
        keys = set(
            listed.select(
                pl.format(INSTRUMENT_KEY_FORMAT, universe.market_column, universe.instrument_column)
            ).to_series()
        )
        return [
            k for k in self.instance.get_dynamic_partitions(universe.partitions_name) if k in keys
        ]

    def table(self, name: str | TableDef) -> pl.DataFrame:
        return WarehouseResource.from_env().get().read(name)

    def bootstrap(self, metadata_job: str = "metadata_job") -> list[str]:
        """Fresh warehouse: the universe's sensor waits, the bootstrap sensor asks for metadata
        (run here as `metadata_job`), then the universe's sensor adds its instruments."""
        waiting = self.sense()
        assert isinstance(waiting, dg.SkipReason) and BOOTSTRAP_SENSOR in waiting.skip_message
        request = self.sense_bootstrap()
        assert isinstance(request, dg.RunRequest) and request.job_name == "metadata_job"
        assert self.run(metadata_job).success
        self.sense()
        return self.instruments()


# --- Sensors evaluated as the daemon does ---------------------------------------------------------


class SensorTicker:
    """Evaluates a sensor the way the daemon does: fresh context, the previous tick's cursor."""

    def __init__(
        self, defs: dg.Definitions, instance: dg.DagsterInstance, name: str, resources: dict
    ) -> None:
        self.defs = defs
        self.instance = instance
        self.name = name
        self.resources = resources
        self.cursor: str | None = None
        self.results: list[dg.SensorResult] = []

    def tick(self) -> dg.SensorResult:
        sensor = self.defs.resolve_sensor_def(self.name)
        with dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            definitions=self.defs,
            resources=self.resources,
        ) as context:
            result = sensor(context)
        assert isinstance(result, dg.SensorResult)
        self.cursor = result.cursor
        self.results.append(result)
        return result


def alert_ticker(defs: dg.Definitions, instance: dg.DagsterInstance) -> SensorTicker:
    return SensorTicker(
        defs, instance, "alert_sensor", {"alert_sink": AlertSinkResource.from_env()}
    )
