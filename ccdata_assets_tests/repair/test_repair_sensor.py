"""The repair sensor on the real code location: a warehouse filled by real runs (embedded
simulator over HTTP), rows deleted through the warehouse, the gaps function finding them, and
the sensor asking for few grouped range runs (or, in dry run, none); running what it asked for
makes the warehouse whole again."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import pytest

from ccdata_assets.checks.gaps import missing_periods
from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.partitions import RANGE_END, RANGE_START, range_tags, time_dimension
from ccdata_assets.warehouse.dialects import portable_sql
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets_tests.support import NOW, Platform, alert_ticker, run_job, set_platform_env

JUNE = date(2026, 6, 1)
MINUTE_DAYS = [date(2026, 6, d) for d in range(11, 16)]  # the 4-day lookback's daily windows


SERIES = ("spot_ohlcv_1d", "spot_ohlcv_1h", "spot_ohlcv_1m")
GAPS_1M = dg.AssetCheckKey(dg.AssetKey("spot_ohlcv_1m"), "missing_periods")


def fill_jobs(defs: dg.Definitions) -> list[dg.UnresolvedAssetJobDefinition]:
    """The same assets without their checks (the fastest way to fill the warehouse for a test),
    and the real gaps check of the minute candles alone, as the daily sweep would run it."""
    graph = defs.resolve_asset_graph()
    metadata = [k for k in graph.get_all_asset_keys() if not graph.get(k).is_partitioned]
    return [
        dg.define_asset_job(
            "fill_metadata", selection=dg.AssetSelection.assets(*metadata).without_checks()
        ),
        dg.define_asset_job(
            "check_1m_gaps",
            selection=dg.AssetSelection.checks(GAPS_1M),
            partitions_def=defs.resolve_assets_def("spot_ohlcv_1m").partitions_def,
        ),
        *(
            dg.define_asset_job(
                f"fill_{name}",
                selection=dg.AssetSelection.assets(name).without_checks(),
                partitions_def=defs.resolve_assets_def(name).partitions_def,
            )
            for name in SERIES
        ),
    ]


class RepairPlatform(Platform):
    """The shared platform on an embedded warehouse, with the fill jobs beside its own."""

    def reload(self, **env: str) -> None:
        super().reload(**env)
        self.filler = dg.Definitions.merge(self.defs, dg.Definitions(jobs=fill_jobs(self.defs)))

    def run(self, job: str, tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
        result = run_job(self.filler, self.instance, job, tags)
        assert result.success, job
        return result

    def bootstrap(self) -> list[str]:
        """Universe from the instrument sensor, then every spot candle of the 4-day lookback."""
        instruments = super().bootstrap(metadata_job="fill_metadata")
        assert len(instruments) >= 3
        self.run("fill_spot_ohlcv_1d", range_tags(JUNE, JUNE, instruments))
        self.run("fill_spot_ohlcv_1h", range_tags(JUNE, JUNE, instruments))
        days = MINUTE_DAYS
        self.run("fill_spot_ohlcv_1m", range_tags(days[0], days[-1], instruments))
        return instruments

    def repair_tick(self) -> dg.SensorResult:
        sensor = self.defs.resolve_sensor_def("repair_sensor")
        with dg.build_sensor_context(
            instance=self.instance,
            definitions=self.defs,
            resources={"warehouse": WarehouseResource.from_env()},
        ) as context:
            result = sensor(context)
        assert isinstance(result, dg.SensorResult)
        return result

    def delete_minutes(self, instrument: str, day: date, hours: range) -> None:
        """Deletes candles straight in the warehouse, as a lost write would leave it."""
        exchange, symbol = instrument.split(":", 1)
        first = datetime(day.year, day.month, day.day, hours.start)
        end = datetime(day.year, day.month, day.day, hours.stop - 1, 59)
        with WarehouseResource.from_env().get().connect() as session:
            cursor = session.connection.cursor()
            cursor.execute(
                portable_sql(
                    "DELETE FROM cc_ohlcv_spot_1m_raw WHERE exchange = %s AND symbol = %s "
                    "AND datetime >= %s AND datetime <= %s",
                    session.dialect,
                ),
                (exchange, symbol, first.isoformat(sep=" "), end.isoformat(sep=" ")),
            )
            assert cursor.rowcount == len(hours) * 60
            cursor.close()


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Iterator[Path]:
    """Built once per module: a complete lookback in an embedded warehouse and a Dagster home."""
    root = tmp_path_factory.mktemp("repair")
    with _platform(root, pytest.MonkeyPatch()) as platform:
        platform.bootstrap()
    return root


@pytest.fixture
def platform(filled: Path, tmp_path: Path, monkeypatch) -> Iterator[RepairPlatform]:
    """A private copy of the filled platform, so a test may delete rows."""
    shutil.copytree(filled, tmp_path / "copy")
    with _platform(tmp_path / "copy", monkeypatch) as platform:
        yield platform


@contextmanager
def _platform(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RepairPlatform]:
    set_platform_env(
        monkeypatch,
        {
            "CCDATA_HOME": str(root / "ccdata"),
            "CCDATA_START_DATE": "2026-05-01",
            "CCDATA_TOP_N_ASSETS": "1",
            "CCDATA_SPOT_EXCHANGES": "kraken",
            "CCDATA_REPAIR_LOOKBACK_DAYS": "4",
            "CCDATA_REPAIR_DRY_RUN": "false",
        },
    )
    home = root / "dagster_home"
    home.mkdir(exist_ok=True)
    try:
        with dg.instance_for_test(temp_dir=str(home)) as instance:
            yield RepairPlatform("embedded", monkeypatch, instance)
    finally:
        monkeypatch.undo()


def test_complete_warehouse_needs_no_repair(platform) -> None:
    result = platform.repair_tick()
    assert result.run_requests == []
    assert result.skip_reason.skip_message == "No partitions with missing periods."


def _holes(platform: RepairPlatform) -> list[str]:
    """Deletes minutes: instrument 0 on three days running, instruments 1 and 2 on one day."""
    i = platform.instance.get_dynamic_partitions("spot_instruments")
    for day in MINUTE_DAYS[0:3]:  # June 11..13
        platform.delete_minutes(i[0], day, range(3, 5))
    for key in i[1:3]:
        platform.delete_minutes(key, MINUTE_DAYS[3], range(10, 12))  # June 14
    return i


def _ranges(result: dg.SensorResult) -> list[tuple[str | None, str, str]]:
    return [(r.job_name, r.tags[RANGE_START], r.tags[RANGE_END]) for r in result.run_requests]


def test_the_cap_keeps_the_newest_partitions_and_leaves_the_rest_for_later(platform) -> None:
    i = _holes(platform)
    platform.reload(CCDATA_REPAIR_MAX_PARTITIONS="3")
    result = platform.repair_tick()
    assert _ranges(result) == [
        ("spot_ohlcv_1m_job", f"2026-06-14|{i[1]}", f"2026-06-14|{i[2]}"),
        ("spot_ohlcv_1m_job", f"2026-06-13|{i[0]}", f"2026-06-13|{i[0]}"),
    ]
    assert result.skip_reason is None  # runs were requested
    assert json.loads(result.cursor)["left_for_later"] == 2

    platform.reload(CCDATA_REPAIR_MAX_PARTITIONS="500", CCDATA_REPAIR_MAX_RUNS="1")
    assert len(platform.repair_tick().run_requests) == 1


def test_dry_run_reports_what_it_would_launch_and_launches_nothing(platform) -> None:
    i = _holes(platform)
    platform.monkeypatch.delenv("CCDATA_REPAIR_DRY_RUN")
    platform.reload()  # the default
    sensor = platform.defs.resolve_sensor_def("repair_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    result = platform.repair_tick()
    assert result.run_requests == []
    assert result.skip_reason.skip_message.splitlines() == [  # one run a line, as the UI shows it
        "5 partitions miss periods. Dry run: would launch 2 runs over 5 partitions:",
        f"- spot_ohlcv_1m_job: 2026-06-14 x {i[1]}..{i[2]} (2 instruments)",
        f"- spot_ohlcv_1m_job: 2026-06-11..2026-06-13 (3 windows) x {i[0]}",
    ]
    cursor = json.loads(result.cursor)
    assert cursor["dry_run"] is True and cursor["missing_partitions"] == 5
    assert len(cursor["runs"]) == 2


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTED])
def test_a_data_set_with_a_run_in_flight_is_left_alone_and_not_counted(platform, status) -> None:
    """A new instrument's history fill (or a schedule or repair run) queued or running will fill
    what looks missing now: the tick neither counts nor repairs that data set."""
    i = _holes(platform)
    platform.instance.add_run(
        dg.DagsterRun(
            job_name="spot_ohlcv_1m_job",
            status=status,
            tags=range_tags(MINUTE_DAYS[0], MINUTE_DAYS[-1], i),  # as the instrument sensor asks
        )
    )
    result = platform.repair_tick()
    assert result.run_requests == []
    assert result.skip_reason.skip_message.splitlines() == [
        "Waiting for runs in progress of spot_ohlcv_1m_job (they fill what looks missing).",
        "No partitions with missing periods.",
    ]
    cursor = json.loads(result.cursor)
    assert cursor["missing_partitions"] == 0
    assert cursor["waiting_for_runs_of"] == ["spot_ohlcv_1m_job"]


def test_minute_history_older_than_kept_is_neither_missing_nor_repaired(platform) -> None:
    """With two days of minute history kept, the holes of June 11..13 are history not meant to be
    kept: the partitions start at June 14, the gaps function expects nothing before it and the
    repair sensor asks only for June 14 (the 4-day lookback would reach back to June 11)."""
    i = _holes(platform)
    platform.reload(CCDATA_MINUTE_HISTORY_DAYS="2")
    minute = platform.defs.resolve_assets_def("spot_ohlcv_1m").partitions_def
    days = time_dimension(minute).get_partition_keys(current_time=datetime.fromisoformat(NOW))
    assert days == ["2026-06-14", "2026-06-15"]

    spec = next(s for s in TIME_SERIES if s.name == "spot_ohlcv_1m")
    store = WarehouseResource.from_env().get()
    found = missing_periods(store, spec, i, MINUTE_DAYS, datetime.fromisoformat(NOW))
    assert sorted(found) == [(MINUTE_DAYS[3], key) for key in i[1:3]]

    result = platform.repair_tick()
    assert _ranges(result) == [
        ("spot_ohlcv_1m_job", f"2026-06-14|{i[1]}", f"2026-06-14|{i[2]}"),
    ]
    assert json.loads(result.cursor)["missing_partitions"] == 2


def test_gaps_alert_once_are_repaired_in_few_range_runs_and_recover_once(platform) -> None:
    """Missing minutes: the real gaps check fails, the alert sensor says so once, the repair
    sensor asks for two range runs (one instrument over three days; two instruments over one
    day), running them (the real job, checks included) fills the gaps and each repaired
    partition is announced as recovered once."""
    i = _holes(platform)
    alerts = alert_ticker(platform.defs, platform.instance)
    alerts.tick()
    lookback = range_tags(MINUTE_DAYS[0], MINUTE_DAYS[-1], i)
    check = platform.run("check_1m_gaps", lookback)  # the real check over the lookback
    for _ in range(3):
        alerts.tick()
    log = Path(os.environ["CCDATA_HOME"]) / "alerts.jsonl"  # nothing configured: the default sink
    [failed] = [json.loads(line) for line in log.read_text().splitlines()]
    assert (
        failed["title"] == "Check missing_periods failed (ERROR) on spot_ohlcv_1m for 5 partitions"
    )
    assert failed["link"] == f"http://127.0.0.1:3000/runs/{check.run_id}"
    assert failed["partitions"] == sorted(
        [f"2026-06-{d}|{i[0]}" for d in (11, 12, 13)] + [f"2026-06-14|{k}" for k in i[1:3]]
    )
    assert failed["details"]["periods_missing"] == str(5 * 120)

    result = platform.repair_tick()
    assert _ranges(result) == [
        ("spot_ohlcv_1m_job", f"2026-06-14|{i[1]}", f"2026-06-14|{i[2]}"),
        ("spot_ohlcv_1m_job", f"2026-06-11|{i[0]}", f"2026-06-13|{i[0]}"),
    ]
    assert all(r.tags["ccdata/repair"] == "missing periods" for r in result.run_requests)
    assert [r.run_key for r in result.run_requests] == [
        r.run_key for r in platform.repair_tick().run_requests
    ]  # the same gap asks with the same run key, which Dagster launches once

    for request in result.run_requests:
        run = platform.run(request.job_name, dict(request.tags))
        gaps = [c for c in run.get_asset_check_evaluations() if c.check_name == "missing_periods"]
        assert gaps and all(c.passed for c in gaps)
    assert platform.repair_tick().run_requests == []
    for _ in range(3):
        alerts.tick()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["kind"] for line in lines] == [
        "check_failed",
        "check_recovered",
        "check_recovered",
    ]
    assert sorted(p for line in lines[1:] for p in line["partitions"]) == failed["partitions"]
    assert {line["run_id"] for line in lines[1:]} == {
        r.run_id
        for r in platform.instance.get_runs(
            dg.RunsFilter(tags={"ccdata/repair": "missing periods"})
        )
    }  # one recovery per repair run, each linking to it
