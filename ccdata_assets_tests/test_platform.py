"""End to end: real Dagster runs of the generated code location, the embedded simulator over real
HTTP, into a real MariaDB and into the embedded local warehouse."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ccdata_assets.assets.timeseries import SCHEDULE_TAG
from ccdata_assets.datasets.catalog import TIME_SERIES, UNIVERSES
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import newest_window, range_tags
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets_tests.support import NOW, TODAY, Platform, set_platform_env

NOW_TS = int(datetime(2026, 6, 15, 12, 30, tzinfo=UTC).timestamp())


@pytest.fixture(params=["mariadb", "embedded"])
def platform(request, monkeypatch, tmp_path) -> Platform:
    """The code location as `dagster dev` would load it, on MariaDB or on the embedded file."""
    env = (
        request.getfixturevalue("mysql_env")
        if request.param == "mariadb"
        else {"CCDATA_HOME": str(tmp_path / "ccdata")}
    )
    set_platform_env(
        monkeypatch, {**env, "CCDATA_START_DATE": "2024-01-01", "CCDATA_TOP_N_ASSETS": "3"}
    )
    return Platform(request.param, monkeypatch)


def partition_metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, dict]:
    """Each partition's materialisation metadata, by partition key."""
    return {
        e.partition: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == asset
    }


def output_metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    """The run's output metadata (the `_in_run` figures every partition's materialisation
    carries; the rest are the first partition's own)."""
    events = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == asset
    ]
    return {k: v.value for k, v in events[0].materialization.metadata.items()}


def stable(frame: pl.DataFrame) -> pl.DataFrame:
    """Table contents without bookkeeping timestamps, in key order."""
    return frame.drop("collected_at").sort(["datetime", "exchange", "symbol"])


def closed_points(spec: TimeSeriesSpec, first: datetime, end: datetime) -> int:
    """Candles of `spec` in [first, end) that have closed by NOW, counted by hand."""
    unit = spec.interval.seconds
    last_closed_end = datetime.fromtimestamp(NOW_TS - NOW_TS % unit, UTC).replace(tzinfo=None)
    return max(0, int((min(end, last_closed_end) - first).total_seconds()) // unit)


def spec_named(name: str) -> TimeSeriesSpec:
    return next(spec for spec in TIME_SERIES if spec.name == name)


def test_fresh_platform_discovers_its_universe_and_fetches_newest_windows(platform) -> None:
    instruments = platform.bootstrap()
    assert 3 <= len(instruments) <= 60
    assert all(":" in key for key in instruments)
    exchanges = {key.split(":")[0] for key in instruments}
    assert exchanges <= {"binance", "coinbase", "kraken"}
    follow_up = platform.sense()
    assert isinstance(follow_up, dg.SkipReason)  # universe unchanged: nothing to add or remove
    assert "nothing to bootstrap" in platform.sense_bootstrap().skip_message

    daily = spec_named("spot_ohlcv_1d")
    month = newest_window(daily, datetime.fromisoformat(NOW))  # the month holding yesterday
    assert month == date(2026, 6, 1)
    result = platform.run("spot_ohlcv_1d_job", range_tags(month, month, instruments))
    assert result.success
    table = platform.table("cc_ohlcv_spot_1d_raw")
    assert table.height == 14 * len(instruments)  # June 1..14 have closed, all traded
    assert set(table.get_column("datetime").dt.day()) == set(range(1, 15))
    meta = output_metadata(result, "spot_ohlcv_1d")
    assert meta["api_calls_in_run"] == len(instruments)  # one page per instrument
    assert meta["rows_written_in_run"] == 14 * len(instruments)
    for partition in partition_metadata(result, "spot_ohlcv_1d").values():  # each its own
        assert partition["rows_written"] == 14 and partition["rows_quarantined"] == 0
        assert partition["first_period"] == "2026-06-01 00:00:00"
        assert partition["last_period"] == "2026-06-14 00:00:00"
    assert meta["source"].startswith("simulated")


def test_hourly_and_minute_runs_write_only_closed_candles(platform) -> None:
    instruments = platform.bootstrap()[:2]
    # 12:30 now: June 1 00:00 .. June 15 11:00 hours and today's 00:00..12:29 minutes have closed.
    for job, window, per_instrument in (
        ("spot_ohlcv_1h_job", date(2026, 6, 1), 14 * 24 + 12),
        ("spot_ohlcv_1m_job", TODAY, 12 * 60 + 30),
    ):
        result = platform.run(job, range_tags(window, window, instruments))
        assert result.success, job
        meta = output_metadata(result, job.removesuffix("_job"))
        assert meta["rows_written_in_run"] + meta[
            "rows_quarantined_in_run"
        ] == per_instrument * len(instruments)
        assert meta["api_calls_in_run"] == len(instruments)


def test_schedule_ticks_fetch_only_what_closed_since_the_newest_stored_period(platform) -> None:
    instruments = platform.bootstrap()[:2]
    june = date(2026, 6, 1)
    fill = platform.run("spot_ohlcv_1h_job", range_tags(june, june, instruments))
    assert output_metadata(fill, "spot_ohlcv_1h")["rows_fetched_in_run"] == (14 * 24 + 12) * 2
    before = platform.table("cc_ohlcv_spot_1h_raw")

    platform.reload(CCDATA_NOW="2026-06-15T15:30:00")  # 12:00, 13:00 and 14:00 have closed since
    tick_tags = {**range_tags(june, june, instruments), SCHEDULE_TAG: "spot_ohlcv_1h_schedule"}
    tick = platform.run("spot_ohlcv_1h_job", tick_tags)
    assert tick.success
    meta = output_metadata(tick, "spot_ohlcv_1h")
    assert meta["api_calls_in_run"] == 2  # still one call per instrument
    assert meta["rows_fetched_in_run"] == 3 * 2  # not the month again
    after = platform.table("cc_ohlcv_spot_1h_raw")
    assert after.height == before.height + 6
    assert_frame_equal(  # the earlier hours are untouched, bookkeeping included
        after.filter(pl.col("datetime") < datetime(2026, 6, 15, 12)).sort("datetime", "symbol"),
        before.sort("datetime", "symbol"),
    )

    again = platform.run("spot_ohlcv_1h_job", tick_tags)  # nothing closed since: no call at all
    assert again.success
    meta = output_metadata(again, "spot_ohlcv_1h")
    assert meta["api_calls_in_run"] == 0 and meta["instruments_without_rows"] == []


def test_backfill_pages_at_max_limit_and_rerun_leaves_identical_table(platform) -> None:
    """Two and a half years of hourly candles of one instrument in one run, as a backfill of
    one instrument's months gets grouped: ceil(hours / 2000) API calls, every hour once."""
    [instrument, *_] = platform.bootstrap()
    listed = platform.table("cc_instruments_spot").filter(
        pl.format("{}:{}", "exchange_internal_name", "mapped_instrument_symbol") == instrument
    )
    first_trade = listed.get_column("first_trade_datetime")[0]
    first = max(datetime(2024, 1, 1), first_trade.replace(minute=0, second=0))
    tags = range_tags(date(2024, 1, 1), date(2026, 5, 1), [instrument])

    result = platform.run("spot_ohlcv_1h_job", tags)
    assert result.success
    hours = closed_points(spec_named("spot_ohlcv_1h"), first, datetime(2026, 6, 1))
    meta = output_metadata(result, "spot_ohlcv_1h")
    assert meta["api_calls_in_run"] == math.ceil(hours / 2000)
    before = stable(platform.table("cc_ohlcv_spot_1h_raw"))
    assert before.height + meta["rows_quarantined_in_run"] == hours
    months = partition_metadata(result, "spot_ohlcv_1h")
    assert len(months) == 29  # January 2024 .. May 2026, each with its own figures
    assert sum(m["rows_written"] + m["rows_quarantined"] for m in months.values()) == hours
    assert all(m["rows_written"] <= 31 * 24 for m in months.values())
    assert before.get_column("datetime").is_unique().all()

    again = platform.run("spot_ohlcv_1h_job", tags)
    assert again.success
    assert stable(platform.table("cc_ohlcv_spot_1h_raw")).equals(before)


def test_sensor_retires_instruments_that_leave_the_universe(platform) -> None:
    instruments = platform.bootstrap()
    platform.reload(CCDATA_SPOT_EXCHANGES="kraken")
    result = platform.sense()
    [delete] = result.dynamic_partitions_requests
    assert isinstance(delete, dg.DeleteDynamicPartitionsRequest)
    assert sorted(delete.partition_keys) == sorted(
        k for k in instruments if not k.startswith("kraken:")
    )
    assert platform.instruments() == [k for k in instruments if k.startswith("kraken:")]


def test_unknown_instrument_fails_with_one_sentence_and_writes_the_rest(platform) -> None:
    [known, *_] = platform.bootstrap()
    platform.instance.add_dynamic_partitions("spot_instruments", ["kraken:NOPE-USD"])
    day = date(2026, 6, 1)
    result = platform.run(
        "spot_ohlcv_1d_job",
        {
            "dagster/asset_partition_range_start": f"{day}|{known}",
            "dagster/asset_partition_range_end": f"{day}|kraken:NOPE-USD",
        },
    )
    assert not result.success
    error = result.get_step_failure_events()[0].event_specific_data.error
    message = error.cause.message if error.cause else error.message
    assert "kraken:NOPE-USD" in message and "could not be fetched" in message
    assert platform.table("cc_ohlcv_spot_1d_raw").height >= 1


def test_every_data_set_materialises_and_reruns_identically(platform) -> None:
    """Each time series (spot, futures OHLCV, funding, open interest, index; 1d 1h 1m) from the
    simulator: the newest window (this month, or the last two days for minutes) x two active
    instruments, then the same partitions again."""
    assert platform.run("metadata_job").success
    for universe in UNIVERSES:
        platform.sense(universe.partitions_name)
        assert platform.instance.get_dynamic_partitions(universe.partitions_name), universe
    for spec in TIME_SERIES:
        instruments = platform.active(spec.universe)[:2]
        monthly = spec.interval.partition == "monthly"
        first, last = (date(2026, 6, 1),) * 2 if monthly else (TODAY - timedelta(days=2),) * 2
        last = last if monthly else TODAY - timedelta(days=1)
        end = datetime(2026, 7, 1) if monthly else datetime(2026, 6, 15)
        tags = range_tags(first, last, instruments)
        assert platform.run(f"{spec.name}_job", tags).success, spec.name
        keys = [spec.time_column, *spec.instrument_columns]
        stored = platform.table(spec.table).drop("collected_at").sort(keys)
        start = datetime(first.year, first.month, first.day)
        expected = 2 * closed_points(spec, start, end)
        quarantined = output_metadata(platform.run(f"{spec.name}_job", tags), spec.name)
        assert stored.height + quarantined["rows_quarantined_in_run"] == expected, spec.name
        assert stored.select(keys).is_duplicated().sum() == 0, spec.name
        again = platform.table(spec.table).drop("collected_at").sort(keys)
        assert again.equals(stored), spec.name


def test_api_key_never_reaches_logs_metadata_or_errors(platform, monkeypatch) -> None:
    """A real key against an API that requires one (the simulator over HTTP): successful and
    failing runs, then every event Dagster stored, including the error's stack and cause."""
    secret = "sk-live-DO-NOT-LEAK-4242"
    with serve_in_thread(SimulatorConfig(require_api_key=True)) as api:
        platform.reload(
            CCDATA_API_KEY=secret, DATA_API_BASE_URL=api.base_url, CCDATA_SOURCE="simulator"
        )
        [known, *_] = platform.bootstrap()
        platform.instance.add_dynamic_partitions("spot_instruments", ["kraken:NOPE-USD"])
        month = date(2026, 6, 1)
        ok = platform.run("spot_ohlcv_1d_job", range_tags(month, month, [known]))
        failed = platform.run(
            "spot_ohlcv_1d_job",
            {
                "dagster/asset_partition_range_start": f"{month}|{known}",
                "dagster/asset_partition_range_end": f"{month}|kraken:NOPE-USD",
            },
        )
    assert ok.success and not failed.success
    assert output_metadata(ok, "spot_ohlcv_1d")["source"].startswith("simulated (simulator at")
    stored = [
        repr(entry)
        for run in platform.instance.get_runs()
        for entry in platform.instance.all_logs(run.run_id)
    ]
    assert len(stored) > 50
    assert not [line for line in stored if secret in line]
    # The UI shows resource config: the key is the name of its variable, never its value.
    api_config = platform.defs.resources["api"]
    assert secret not in repr(api_config)
    assert api_config.__dict__["api_key"] == dg.EnvVar("CCDATA_API_KEY")


def test_the_tick_on_the_first_also_takes_the_open_month_at_no_extra_api_call(
    monkeypatch, tmp_path
) -> None:
    """At 00:15 on July 1 the newest closed day is June 30, so the tick's run also takes July:
    July holds no closed candle, costs no call, and shows materialised instead of missing."""
    first_of_july = datetime(2026, 7, 1, 0, 15, tzinfo=UTC)
    set_platform_env(
        monkeypatch,
        {
            "CCDATA_HOME": str(tmp_path / "ccdata"),
            "CCDATA_START_DATE": "2026-01-01",
            "CCDATA_TOP_N_ASSETS": "1",
            "CCDATA_SPOT_EXCHANGES": "kraken",
            "CCDATA_NOW": first_of_july.isoformat(),
        },
    )
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        platform = Platform("embedded", monkeypatch, instance)  # schedules need a real instance
        instruments = platform.bootstrap()
        schedule = platform.defs.resolve_schedule_def("spot_ohlcv_1d_schedule")
        with dg.build_schedule_context(
            instance=platform.instance, scheduled_execution_time=first_of_july
        ) as context:
            [request] = schedule.evaluate_tick(context).run_requests
        ranges = range_tags(date(2026, 6, 1), date(2026, 7, 1), instruments)
        assert {k: request.tags[k] for k in ranges} == ranges

        result = platform.run("spot_ohlcv_1d_job", dict(request.tags))  # as the tick asks
        assert result.success
        assert output_metadata(result, "spot_ohlcv_1d")["api_calls_in_run"] == len(instruments)
        partitions = partition_metadata(result, "spot_ohlcv_1d")
        assert len(partitions) == 2 * len(instruments)
        july = {p: m["rows_written"] for p, m in partitions.items() if p.startswith("2026-07-01|")}
        assert set(july.values()) == {0} and len(july) == len(instruments)
        materialised = platform.instance.get_materialized_partitions(dg.AssetKey("spot_ohlcv_1d"))
        assert {f"2026-07-01|{key}" for key in instruments} <= {str(k) for k in materialised}
        checks = result.get_asset_check_evaluations()
        assert checks and all(c.passed for c in checks), [
            (c.check_name, c.partition) for c in checks if not c.passed
        ]
