"""One bootstrapped platform per backend for the whole module (MariaDB, then the embedded file):
the metadata run and the instrument sensors cost seconds, so the check tests share them and each
test works on its own data set or instruments."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import dagster as dg
import pytest

from ccdata_assets.simulator import FaultConfig, SimulatorConfig, serve_in_thread
from ccdata_assets_tests.conftest import _connect
from ccdata_assets_tests.test_platform import NOW, PLATFORM_VARS, Platform


@pytest.fixture(scope="module", params=["mariadb", "embedded"])
def platform(request, tmp_path_factory, mysql_url) -> Iterator[Platform]:
    patch = pytest.MonkeyPatch()
    database = f"ccdata_checks_{uuid.uuid4().hex[:10]}"
    if request.param == "mariadb":
        parts = urlsplit(mysql_url)
        env = {
            "S2_HOST": parts.hostname or "127.0.0.1",
            "S2_PORT": str(parts.port or 3306),
            "S2_USER": parts.username or "root",
            "S2_PASSWORD": parts.password or "",
            "S2_DATABASE": database,
            "CCDATA_SOURCE": "simulator",
        }
    else:
        env = {"CCDATA_HOME": str(tmp_path_factory.mktemp("ccdata"))}
    for name in PLATFORM_VARS:
        patch.delenv(name, raising=False)
    for name, value in {
        **env,
        "CCDATA_NOW": NOW,
        "CCDATA_START_DATE": "2024-01-01",
        "CCDATA_TOP_N_ASSETS": "2",
    }.items():
        patch.setenv(name, value)
    try:
        platform = Platform(request.param, patch)
        platform.bootstrap()
        yield platform
    finally:
        patch.undo()
        if request.param == "mariadb":
            with _connect() as conn, conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{database}`")


@contextmanager
def faulty_api(platform: Platform, faults: FaultConfig) -> Iterator[None]:
    """Point the platform at a simulator with `faults` over HTTP, then back at the embedded one."""
    with serve_in_thread(SimulatorConfig(faults=faults)) as sim:
        platform.reload(
            DATA_API_BASE_URL=sim.base_url, CCDATA_API_KEY="test-key", CCDATA_SOURCE="simulator"
        )
        try:
            yield
        finally:
            platform.monkeypatch.delenv("DATA_API_BASE_URL")
            platform.monkeypatch.delenv("CCDATA_API_KEY")
            platform.reload()


def evaluations(
    result: dg.ExecuteInProcessResult, asset: str
) -> dict[str, dg.AssetCheckEvaluation]:
    """The run-level evaluation of each check of `asset` (per-partition ones left out)."""
    return {
        e.check_name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == asset and e.partition is None
    }


def partition_evaluations(
    result: dg.ExecuteInProcessResult, asset: str, check: str
) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.partition: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == asset and e.check_name == check and e.partition
    }


def meta(evaluation: dg.AssetCheckEvaluation) -> dict:
    return {k: v.value for k, v in evaluation.metadata.items()}


def run_checks(platform: Platform, asset: str, *checks: str) -> dg.ExecuteInProcessResult:
    """Only these checks of `asset`, as the daily sweep runs them (no partitions: recent windows)."""
    sweep = platform.defs.resolve_job_def("data_quality_checks")
    selected = {dg.AssetCheckKey(dg.AssetKey(asset), check) for check in checks}
    return sweep.get_subset(asset_check_selection=selected).execute_in_process(
        instance=platform.instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )


def check_keys(job: dg.JobDefinition) -> set[tuple[str, str]]:
    """(asset, check) of every check the job runs."""
    return {
        (key.asset_key.to_user_string(), key.name)
        for key in job.asset_layer.asset_graph.asset_check_keys
    }
