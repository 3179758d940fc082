"""The production shape, for real: deploy/dagster.yaml on PostgreSQL, the code location served by
`dagster api grpc`, `dagster-daemon run` reading deploy/workspace.yaml, a MariaDB warehouse.

After one scripted metadata run, the daemon's instrument sensors add the universes and launch
their history fills on their own. The ccdata_api pool is closed (0 slots, as an operator pauses
API use) until four runs are in progress at once, which none can leave while its API step waits,
then opened at 1; every run succeeds, and the warehouse then holds exactly what the simulator
serves for the partitions the instance says were materialised.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import dagster as dg
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.datasets.parse import BOOKKEEPING, parse_series
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import next_partition
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets_tests.support import REPO, fetch

BIN = REPO / ".venv" / "bin"
# Pinned, so the data is the same on any date: the first minutes of a year, where every window
# (month and day) turns over at once.
NOW = "2026-01-01T00:40:00"
NOW_TS = int(datetime(2026, 1, 1, 0, 40, tzinfo=UTC).timestamp())
START_DATE = "2025-10-01"
POOL = "ccdata_api"
STARTUP_SECONDS = 120
RUNS_SECONDS = 600  # 20 runs, a process each: minutes more on a loaded 2-core machine
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else f"({path} is empty)"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[[str, list[str], dict[str, str]], Path]]:
    """Starts long-lived commands in their own process groups (run workers the code server
    spawns join its group) and always stops them, whatever the test did."""
    started: list[tuple[subprocess.Popen[bytes], IO[str]]] = []

    def start(name: str, args: list[str], env: dict[str, str]) -> Path:
        log_path = tmp_path / f"{name}.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            args,
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((process, log))
        return log_path

    yield start
    for process, log in reversed(started):
        signal_group(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        signal_group(process.pid, signal.SIGKILL)  # whatever of the group is left, run workers too
        process.wait(timeout=30)
        log.close()


def signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has exited
        os.killpg(pid, sig)


def platform_env(
    tmp_path: Path, home: Path, mysql_env: dict[str, str], postgres: dict[str, str], port: int
) -> dict[str, str]:
    """What every process of the deployment sees: the instance, the warehouse, a small universe."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CCDATA_", "DAGSTER_", "S2_", "SINGLESTOREDB", "DATA_API"))
    }
    return {
        **inherited,
        **mysql_env,
        **postgres,
        "DAGSTER_HOME": str(home),
        "DAGSTER_CODE_SERVER_HOST": "127.0.0.1",
        "DAGSTER_CODE_SERVER_PORT": str(port),
        "CCDATA_SOURCE": "simulator",
        "CCDATA_HOME": str(tmp_path / "ccdata"),
        "CCDATA_NOW": NOW,
        "CCDATA_START_DATE": START_DATE,
        "CCDATA_TOP_N_ASSETS": "2",
        "CCDATA_SPOT_EXCHANGES": "kraken",
        "CCDATA_FUTURES_EXCHANGES": "bitfinex",  # 2 active contracts, both perpetual
        "CCDATA_FUTURES_STATUSES": "ACTIVE",
        "CCDATA_INDEX_MARKETS": "cadli",
        "CCDATA_MINUTE_HISTORY_DAYS": "1",
    }


def wait_for_code_server(port: int, log: Path) -> None:
    # private: no public Python API pings a code server (the CLI would cost seconds a poll)
    from dagster._grpc.client import DagsterGrpcClient

    client = DagsterGrpcClient(port=port, host="127.0.0.1")
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            client.ping("ready?")
            return
        except Exception:
            time.sleep(0.5)
    pytest.fail(f"The code server did not answer within {STARTUP_SECONDS}s:\n{tail(log)}")


def wait_for_runs(
    instance: dg.DagsterInstance, jobs: set[str], logs: list[Path]
) -> list[dg.RunRecord]:
    """Every run of the history fills, once all of `jobs` have run and none is in flight."""
    deadline = time.monotonic() + RUNS_SECONDS
    while True:
        records = instance.get_run_records()
        failed = [
            r for r in records if r.dagster_run.status in FINISHED - {dg.DagsterRunStatus.SUCCESS}
        ]
        if failed:
            run = failed[0].dagster_run
            errors = [
                e.message
                for e in instance.all_logs(run.run_id)
                if e.is_dagster_event and e.dagster_event and e.dagster_event.is_failure
            ]
            pytest.fail(
                f"Run {run.run_id} ({run.job_name}) ended {run.status.value}: {errors[-3:]}\n"
                + "\n".join(tail(p) for p in logs)
            )
        seen = {r.dagster_run.job_name for r in records}
        if jobs <= seen and all(r.dagster_run.status in FINISHED for r in records):
            return records
        if time.monotonic() > deadline:
            pending = sorted(jobs - seen)
            states = sorted(
                f"{r.dagster_run.job_name}:{r.dagster_run.status.value}" for r in records
            )
            pytest.fail(
                f"After {RUNS_SECONDS}s the daemon had not finished the history fills (not yet "
                f"launched: {pending}; runs: {states}).\n" + "\n".join(tail(p) for p in logs)
            )
        time.sleep(1)


def wait_for_started(instance: dg.DagsterInstance, count: int, logs: list[Path]) -> None:
    """Until `count` runs are STARTED at once (their API steps waiting on the closed pool)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        started = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        if len(started) >= count:
            return
        time.sleep(1)
    states = sorted(
        f"{r.dagster_run.job_name}:{r.dagster_run.status.value}" for r in instance.get_run_records()
    )
    pytest.fail(
        f"{count} runs were not in progress at once within {STARTUP_SECONDS}s (runs: {states}).\n"
        + "\n".join(tail(p) for p in logs)
    )


def peak_overlap(records: list[dg.RunRecord]) -> int:
    """Most runs STARTED and not yet finished at one instant, from the stored start/end times."""
    edges = sorted(
        [(r.start_time, 1) for r in records if r.start_time]
        + [(r.end_time, -1) for r in records if r.end_time],
        key=lambda edge: (edge[0], edge[1]),  # an end at the same instant as a start goes first
    )
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def spans(records: list[dg.RunRecord]) -> list[tuple[float, float, str]]:
    """(start, end, job) of each run, in seconds since the first started, for failure messages."""
    zero = min(r.start_time or 0.0 for r in records)
    return sorted(
        (
            round((r.start_time or 0) - zero, 1),
            round((r.end_time or 0) - zero, 1),
            r.dagster_run.job_name,
        )
        for r in records
    )


def window_end(spec: TimeSeriesSpec, start: date) -> int:
    """Start of the last bucket of the window (month or day) that begins at `start`."""
    end = next_partition(start, spec.interval.partition)
    return (
        int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp()) - spec.interval.seconds
    )


def simulator_truth(spec: TimeSeriesSpec, partition_keys: set[str], base_url: str) -> pl.DataFrame:
    """The rows the simulator serves for these partitions, one request per window, parsed as
    the platform parses them; the still-open candle and later ones left out."""
    unit = spec.interval.seconds
    last_closed = NOW_TS - NOW_TS % unit - unit
    records = []
    for key in sorted(partition_keys):
        day, instrument = key.split("|")
        market, name = instrument.split(":", 1)
        start = date.fromisoformat(day)
        first = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        to_ts = min(window_end(spec, start), last_closed)
        if to_ts < first:
            continue
        params = {
            **spec.request_params(market, name),
            "to_ts": str(to_ts),
            "limit": str((to_ts - first) // unit + 1),
        }
        reply = fetch(base_url, spec.path, params)
        if reply.status == 404:  # the instrument's history starts after this window
            continue
        assert reply.status == 200, (spec.name, key, reply.body[:300])
        extra = spec.page_fields(market, name) if spec.page_fields else {}
        records += [{**extra, **row} for row in reply.json()["Data"]]
    parsed = parse_series(spec, records)
    assert parsed.quarantined.is_empty(), (spec.name, parsed.quarantined.head(3))
    return parsed.clean


@pytest.mark.slow
def test_daemon_on_postgres_runs_history_fills_concurrently_into_the_warehouse(
    tmp_path: Path,
    mysql_env: dict[str, str],
    postgres_database: dict[str, str],
    launch: Callable[[str, list[str], dict[str, str]], Path],  # stopped before the databases go
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = platform_env(tmp_path, home, mysql_env, postgres_database, port)

    code_log = launch(
        "code_server",
        [
            str(BIN / "dagster"),
            "api",
            "grpc",
            "-m",
            "ccdata_assets.definitions",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--location-name",
            "ccdata_assets",
        ],
        env,
    )
    wait_for_code_server(port, code_log)
    # The universes are drawn from the metadata tables: fill them once, as README's scripted use.
    metadata = subprocess.run(
        [
            str(BIN / "dagster"),
            "job",
            "execute",
            "-m",
            "ccdata_assets.definitions",
            "-j",
            "metadata_job",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )
    assert metadata.returncode == 0, metadata.stdout[-3000:] + metadata.stderr[-3000:]

    for name in postgres_database:
        monkeypatch.setenv(name, postgres_database[name])
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        instance.event_log_storage.set_concurrency_slots(POOL, 0)
        daemon_log = launch(
            "daemon",
            [str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "deploy" / "workspace.yaml")],
            env,
        )
        logs = [daemon_log, code_log]
        wait_for_started(instance, 4, logs)
        assert not any(
            instance.get_materialized_partitions(dg.AssetKey(spec.name)) for spec in TIME_SERIES
        ), "an API step ran while the ccdata_api pool had no slot"
        instance.event_log_storage.set_concurrency_slots(POOL, 1)
        jobs = {f"{spec.name}_job" for spec in TIME_SERIES}
        records = wait_for_runs(instance, jobs | {"metadata_job"}, logs)
        fills = [r for r in records if r.dagster_run.tags.get("dagster/sensor_name")]
        assert {r.dagster_run.job_name for r in fills} == jobs
        peak = peak_overlap(records)
        assert peak >= 4, f"at most {peak} runs were in progress at once: {spans(records)}"

        warehouse = WarehouseResource(
            host=mysql_env["S2_HOST"],
            port=mysql_env["S2_PORT"],
            user=mysql_env["S2_USER"],
            password=mysql_env["S2_PASSWORD"],
            database=mysql_env["S2_DATABASE"],
        ).get()
        with serve_in_thread(
            SimulatorConfig(
                now=NOW_TS, rate_limit_per_second=100_000, rate_limit_per_minute=1_000_000
            )
        ) as sim:
            for spec in TIME_SERIES:
                materialised = instance.get_materialized_partitions(dg.AssetKey(spec.name))
                assert materialised, spec.name
                truth = simulator_truth(spec, materialised, sim.base_url)
                assert truth.height > 0, spec.name
                keys = [spec.time_column, *spec.instrument_columns]
                stored = warehouse.read(spec.table)
                stored = stored.drop([c for c in stored.columns if c in BOOKKEEPING])
                assert_frame_equal(
                    stored.select(truth.columns).sort(keys), truth.sort(keys), check_dtypes=False
                )
    finally:
        instance.dispose()
