"""The metrics exporter end to end: real runs into a persistent instance and a real MariaDB, then
`python -m ccdata_assets.metrics` in its own process, scraped over HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

import dagster as dg
import pytest

from ccdata_assets.definitions import build_definitions
from ccdata_assets.partitions import range_tags
from ccdata_assets_tests.metrics._exporter import (
    Exporter,
    by_data_set,
    by_label,
    free_port,
    platform_env,
)

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
INSTRUMENT = "kraken:BTC-USD"
FIGURES = {
    "rows_written": "ccdata_rows_written",
    "rows_quarantined": "ccdata_rows_quarantined",
    "api_calls": "ccdata_api_calls",
    "api_429s": "ccdata_api_429",
}


@pytest.fixture
def env(monkeypatch, tmp_path, mysql_env) -> dict[str, str]:
    return platform_env(
        monkeypatch,
        {
            **mysql_env,
            "CCDATA_NOW": NOW.isoformat(),
            "CCDATA_START_DATE": "2025-01-01",
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        },
    )


def run(
    defs: dg.Definitions, instance: dg.DagsterInstance, job: str, tags: dict[str, str] | None = None
) -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance,
        tags=tags or {},
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    assert result.success, job
    return result


def run_figures(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, float]]:
    """asset -> the run's figures, from its first materialisation (each partition's repeats them)."""
    figures: dict[str, dict[str, float]] = {}
    for event in result.get_asset_materialization_events():
        asset = event.asset_key.to_user_string()
        meta = event.materialization.metadata
        run = {k: meta.get(f"{k}_in_run", meta.get(k)) for k in FIGURES}  # `_in_run`: the run's
        figures.setdefault(asset, {k: v.value for k, v in run.items() if v is not None})
    return figures


def add(total: dict[str, dict[str, float]], more: dict[str, dict[str, float]]) -> None:
    for asset, figures in more.items():
        for name, value in figures.items():
            total.setdefault(asset, dict.fromkeys(FIGURES, 0.0))[name] += value


def failing_now(results: list[dg.ExecuteInProcessResult]) -> dict[tuple[str, str], int]:
    """(data set, severity) -> checks whose newest run-level evaluation failed."""
    latest: dict[tuple[str, str], dg.AssetCheckEvaluation] = {}
    for result in results:
        for evaluation in result.get_asset_check_evaluations():
            if evaluation.partition is None:
                latest[(evaluation.asset_key.to_user_string(), evaluation.check_name)] = evaluation
    failing: dict[tuple[str, str], int] = {}
    for (asset, _), evaluation in latest.items():
        if not evaluation.passed:
            key = (asset, evaluation.severity.value)
            failing[key] = failing.get(key, 0) + 1
    return failing


def test_exporter_sums_each_run_once_and_reports_lag_and_failing_checks(
    env, exporters, tmp_path
) -> None:
    instance = dg.DagsterInstance.local_temp(tempdir=env["DAGSTER_HOME"])
    defs = build_definitions()
    metadata = run(defs, instance, "metadata_job")
    instance.add_dynamic_partitions("spot_instruments", [INSTRUMENT])
    january = run(
        defs,
        instance,
        "spot_ohlcv_1d_job",
        range_tags(date(2025, 1, 1), date(2025, 1, 1), [INSTRUMENT]),
    )
    expected: dict[str, dict[str, float]] = {}
    add(expected, run_figures(metadata))
    add(expected, run_figures(january))
    assert expected["spot_ohlcv_1d"]["rows_written"] == 31  # every day of January 2025
    assert expected["spot_ohlcv_1d"]["api_calls"] == 1

    exporter = Exporter(env, tmp_path / "exporter.log")
    exporters.append(exporter)
    first = exporter.metrics()
    for entry, metric in FIGURES.items():
        seen = by_data_set(first, f"{metric}_total")
        for asset, figures in expected.items():
            assert seen[asset] == figures[entry], (metric, asset)
    assert by_data_set(first, "ccdata_rows_written_total")["spot_ohlcv_1h"] == 0
    newest_close = datetime(2025, 2, 1, tzinfo=UTC)  # January 31's candle closes at midnight
    lag = by_data_set(first, "ccdata_data_set_lag_seconds")
    assert lag == {"spot_ohlcv_1d": (NOW - newest_close).total_seconds()}

    # One run over two months: two materialisations carrying the same run figures, counted once.
    spring = run(
        defs,
        instance,
        "spot_ohlcv_1d_job",
        range_tags(date(2025, 2, 1), date(2025, 3, 1), [INSTRUMENT]),
    )
    spring_figures = run_figures(spring)["spot_ohlcv_1d"]
    assert spring_figures["rows_written"] == 28 + 31
    assert len(spring.get_asset_materialization_events()) == 2
    add(expected, run_figures(spring))
    second = exporter.metrics()
    written = by_data_set(second, "ccdata_rows_written_total")
    assert written["spot_ohlcv_1d"] == 31 + 28 + 31
    for entry, metric in FIGURES.items():
        assert (
            by_data_set(second, f"{metric}_total")["spot_ohlcv_1d"]
            == (expected["spot_ohlcv_1d"][entry])
        ), metric
    assert by_data_set(second, "ccdata_materializing_runs_total")["spot_ohlcv_1d"] == 2
    lag = by_data_set(second, "ccdata_data_set_lag_seconds")
    assert lag["spot_ohlcv_1d"] == (NOW - datetime(2025, 4, 1, tzinfo=UTC)).total_seconds()

    failures = {
        (dict(labels)["data_set"], dict(labels)["severity"]): value
        for (name, labels), value in second.items()
        if name == "ccdata_check_failures"
    }
    expected_failing = failing_now([metadata, january, spring])
    assert ("spot_ohlcv_1d", "ERROR") in expected_failing  # freshness: March is months old
    assert {k: v for k, v in failures.items() if v} == expected_failing
    assert failures[("spot_ohlcv_1h", "WARN")] == 0
    up = by_label(second, "ccdata_metrics_source_up", "source")
    assert up == {"lag": 1, "events": 1, "checks": 1, "budget": 1}

    # No daemon runs on this instance: /health says so with 503; the warehouse answers.
    status, body = exporter.get("/health")
    report = json.loads(body)
    assert status == 503 and report["ok"] is False
    components = report["components"]
    assert components["warehouse"]["ok"] is True
    assert components["api"] == {
        "ok": True,
        "detail": "embedded: each run serves the simulator in-process",
    }
    assert components["daemon"]["ok"] is False
    assert "no daemon heartbeat" in components["daemon"]["detail"]
    assert "SENSOR" in components["daemon"]["detail"]


def test_health_names_an_unreachable_warehouse(env, exporters, tmp_path) -> None:
    closed = free_port()  # nothing listens on it
    broken = {**env, "S2_PORT": str(closed), "S2_PASSWORD": "never-shown-3141"}
    exporter = Exporter(broken, tmp_path / "exporter.log")
    exporters.append(exporter)
    started = time.monotonic()
    status, body = exporter.get("/health")
    assert time.monotonic() - started < 10
    report = json.loads(body)
    assert status == 503
    warehouse = report["components"]["warehouse"]
    assert warehouse["ok"] is False
    assert f"127.0.0.1:{closed}" in warehouse["detail"]
    assert "never-shown-3141" not in body
    # Metrics still come from the instance; the lag source is reported down.
    samples = exporter.metrics()
    assert samples[("ccdata_metrics_source_up", (("source", "lag"),))] == 0
    assert samples[("ccdata_metrics_source_up", (("source", "events"),))] == 1
    assert not [name for name, _ in samples if name.startswith("ccdata_api_budget")]  # embedded
    assert "never-shown-3141" not in exporter.get("/metrics")[1]
    assert "never-shown-3141" not in (tmp_path / "exporter.log").read_text()
