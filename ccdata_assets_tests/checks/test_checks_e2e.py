"""The generated checks in real Dagster runs of the code location, on MariaDB and on the embedded
warehouse, with data from the simulator over HTTP: each check passes on clean data and fails on
data corrupted on purpose, by the simulator or by a realistic hand on the warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import polars as pl
import pytest

from ccdata_assets.assets.timeseries import SCHEDULE_TAG
from ccdata_assets.checks.gaps import missing_periods, settle_for
from ccdata_assets.datasets.catalog import (
    FUNDING_UNIVERSE,
    FUTURES_UNIVERSE,
    OPEN_INTEREST_UNIVERSE,
    SNAPSHOTS,
    TIME_SERIES,
)
from ccdata_assets.partitions import range_tags
from ccdata_assets.simulator import FaultConfig, SimulatorConfig, serve_in_thread
from ccdata_assets.simulator.faults import bucket_hit
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets_tests.support import NOW, QUIET, TODAY, Platform

JUNE = date(2026, 6, 1)  # the monthly window holding NOW (2026-06-15 12:30)
HOURS_SO_FAR = 14 * 24 + 12  # closed hours of June by NOW
TIME_SERIES_CHECKS = {
    # name: (blocking, severity)
    "freshness": (False, "ERROR"),
    "schema": (True, "ERROR"),
    "unexpected_api_fields": (False, "WARN"),
    "row_sanity": (False, "ERROR"),
    "outliers": (False, "WARN"),
    "unique_keys": (True, "ERROR"),
    "missing_periods": (False, "ERROR"),
    "index_consistency": (False, "WARN"),
    "quarantine": (False, "WARN"),
}


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
        run_config=QUIET,
    )


def check_keys(job: dg.JobDefinition) -> set[tuple[str, str]]:
    """(asset, check) of every check the job runs."""
    return {
        (key.asset_key.to_user_string(), key.name)
        for key in job.asset_layer.asset_graph.asset_check_keys
    }


def execute(platform, sql: str) -> None:
    """What a legacy writer or a DBA does: plain SQL on the warehouse, outside the platform."""
    with WarehouseResource.from_env().get().connect() as session:
        cursor = session.connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()


def test_clean_simulator_data_passes_every_check(platform) -> None:
    spot = platform.instruments()
    platform.sense("index_instruments")
    indices = platform.instance.get_dynamic_partitions("index_instruments")
    index_run = platform.run("index_ohlcv_1h_job", range_tags(JUNE, JUNE, indices))
    assert index_run.success

    result = platform.run("spot_ohlcv_1h_job", range_tags(JUNE, JUNE, spot))
    assert result.success
    checks = evaluations(result, "spot_ohlcv_1h")
    assert {name: (e.blocking, e.severity.name) for name, e in checks.items()} == TIME_SERIES_CHECKS
    failed = {name: meta(e)["summary"] for name, e in checks.items() if not e.passed}
    assert failed == {}
    logged = [entry.user_message for entry in platform.instance.all_logs(result.run_id)]
    assert logged  # the run's log is there to read
    assert not [m for m in logged if "did not yield" in m]  # check ops yield their outputs
    stored = platform.table("cc_ohlcv_spot_1h_raw").filter(
        pl.col("datetime") >= datetime(2026, 6, 1)
    )
    gaps = meta(checks["missing_periods"])
    assert gaps["periods_expected"] == stored.height == HOURS_SO_FAR * len(spot)
    assert gaps["periods_filled_no_trades"] == stored.filter(pl.col("total_trades") == 0).height
    # Per partition: one passing evaluation for each (June, instrument) partition of the run.
    per_partition = partition_evaluations(result, "spot_ohlcv_1h", "missing_periods")
    assert sorted(per_partition) == sorted(f"{JUNE}|{key}" for key in spot)
    assert all(e.passed for e in per_partition.values())
    # BTC-USD and ETH-USD trade on coinbase and kraken; the busier venue's hours are compared.
    assert meta(checks["index_consistency"])["periods_compared"] == 2 * HOURS_SO_FAR
    assert meta(checks["row_sanity"])["rows_checked"] == stored.height
    # The run's checks judged its partitions from the figures its batches gave on their way to
    # the warehouse; the sweep reads the same rows back from the table and finds the same.
    for name in ("row_sanity", "outliers", "missing_periods"):
        assert meta(checks[name])["partitions_judged_while_streaming"] == len(spot)
    swept = run_checks(platform, "spot_ohlcv_1h", "row_sanity", "outliers")
    for again in swept.get_asset_check_evaluations():
        assert again.passed and meta(again)["partitions_judged_while_streaming"] == 0
        assert meta(again)["rows_checked"] == stored.height
    # A venue that prints 10 % above the index for one hour (high lifted too: still a valid candle).
    execute(
        platform,
        "UPDATE cc_ohlcv_spot_1h_raw SET close = close * 1.1, high = close * 1.1 "
        "WHERE symbol = 'BTC-USD' AND datetime = '2026-06-10 07:00:00'",
    )
    [off] = run_checks(platform, "spot_ohlcv_1h", "index_consistency").get_asset_check_evaluations()
    assert not off.passed and off.severity.name == "WARN"
    assert meta(off)["periods_off"] == 1  # only the busier of coinbase and kraken is compared
    assert meta(off)["first_off"][0]["period"] == "2026-06-10T07:00:00"
    assert meta(off)["first_off"][0]["deviation"] == pytest.approx(0.1, abs=0.02)
    index_checks = evaluations(index_run, "index_ohlcv_1h")
    assert len(index_checks) == 8 and all(e.passed for e in index_checks.values())

    # The bootstrap's metadata run checked every table it wrote; all passed.
    for output in (o.name for s in SNAPSHOTS for o in s.outputs):
        for check in ("freshness", "schema", "quarantine"):
            record = platform.instance.event_log_storage.get_latest_asset_check_execution_by_key(
                [dg.AssetCheckKey(dg.AssetKey(output), check)]
            )
            [latest] = record.values()
            assert latest.status.value == "SUCCEEDED", (output, check)


def test_simulator_faults_fail_gaps_outliers_fields_and_quarantine_until_repaired(platform) -> None:
    """Minute data for two instruments today from a simulator that drops buckets (gaps the API
    should have filled), spikes prices (valid rows, outliers), adds a field and sends malformed
    rows (quarantined, so also missing)."""
    pair = platform.instruments()[:2]
    tags = range_tags(TODAY, TODAY, pair)
    faults = FaultConfig(
        drop_bucket_every=97, spike_every=89, corrupt_every=211, extra_field="NEW_METRIC"
    )
    with faulty_api(platform, faults):
        result = platform.run("spot_ohlcv_1m_job", tags)
    assert result.success  # only non-blocking checks fail
    checks = evaluations(result, "spot_ohlcv_1m")
    assert {n for n, e in checks.items() if not e.passed} == {
        "missing_periods", "outliers", "unexpected_api_fields", "quarantine"
    }  # fmt: skip

    table = platform.table("cc_ohlcv_spot_1m_raw").filter(
        pl.col("datetime") >= datetime(2026, 6, 15)
    )
    minutes = pl.datetime_range(
        datetime(2026, 6, 15), datetime(2026, 6, 15, 12, 29), "1m", eager=True
    )
    absent, spiked = {}, 0
    for key in pair:
        market, symbol = key.split(":")
        rows = table.filter((pl.col("exchange") == market) & (pl.col("symbol") == symbol))
        absent[key] = sorted(set(minutes.to_list()) - set(rows["datetime"].to_list()))
        raw_key = (
            f"{market}:{rows['symbol_unmapped'][0]}"  # the simulator keys faults by API symbol
        )
        epoch = lambda t: int(t.replace(tzinfo=UTC).timestamp())  # noqa: E731
        dropped = [t for t in minutes.to_list() if bucket_hit("drop", raw_key, 60, epoch(t), 97)]
        assert dropped and set(dropped) <= set(absent[key])
        spiked += sum(bucket_hit("spike", raw_key, 60, epoch(t), 89) for t in rows["datetime"])

    gaps = meta(checks["missing_periods"])
    assert gaps["periods_missing"] == sum(len(a) for a in absent.values())
    no_trades = table.filter(pl.col("total_trades") == 0).height
    assert gaps["periods_filled_no_trades"] == no_trades > 0  # kept and counted, not missing
    assert gaps["periods_expected"] == 2 * len(minutes)
    first = min((t, k) for k, ts in absent.items() for t in ts)
    assert gaps["first_missing"][0] == {"partition": f"{TODAY}|{first[1]}", "period": f"{first[0]}"}
    per_partition = partition_evaluations(result, "spot_ohlcv_1m", "missing_periods")
    for key in pair:
        evaluation = per_partition[f"{TODAY}|{key}"]
        assert not evaluation.passed and meta(evaluation)["periods_missing"] == len(absent[key])
    # The repair sensor's view: the same partitions, the same counts.
    spec = next(s for s in TIME_SERIES if s.name == "spot_ohlcv_1m")
    now = datetime.fromisoformat(NOW).replace(tzinfo=UTC)
    store = WarehouseResource.from_env().get()
    found = missing_periods(store, spec, pair, [TODAY], now)
    assert {k: m.missing for k, m in found.items()} == {
        (TODAY, k): len(a) for k, a in absent.items()
    }
    # Settled by the freshness threshold (30m), minutes missing after 11:59 are left out.
    settled = missing_periods(store, spec, pair, [TODAY], now, settle=settle_for(spec))
    noon = datetime(2026, 6, 15, 12, 0)
    assert {k: m.missing for k, m in settled.items()} == {
        (TODAY, k): len([t for t in a if t < noon]) for k, a in absent.items()
    }
    # History older than the kept days is not expected: June 14, never fetched here, is missing
    # while seven days of minutes are kept and neither missing nor checked with one day kept.
    june_14 = date(2026, 6, 14)
    platform.monkeypatch.setenv("CCDATA_MINUTE_HISTORY_DAYS", "7")
    assert {(june_14, k) for k in pair} <= missing_periods(store, spec, pair, [june_14], now).keys()
    platform.monkeypatch.setenv("CCDATA_MINUTE_HISTORY_DAYS", "1")
    assert missing_periods(store, spec, pair, [june_14, TODAY], now).keys() == found.keys()
    platform.monkeypatch.delenv("CCDATA_MINUTE_HISTORY_DAYS")

    assert meta(checks["outliers"])["outliers"] == spiked > 0
    assert meta(checks["outliers"])["partitions_judged_while_streaming"] == len(pair)
    # Read back from the table by the sweep, the same candles are outliers.
    [swept] = run_checks(platform, "spot_ohlcv_1m", "outliers").get_asset_check_evaluations()
    assert meta(swept)["partitions_judged_while_streaming"] == 0
    assert meta(swept)["outliers"] == spiked
    assert meta(swept)["first_outliers"] == meta(checks["outliers"])["first_outliers"]
    assert checks["row_sanity"].passed  # spiked candles are valid candles
    assert meta(checks["unexpected_api_fields"])["unexpected_fields"] == ["NEW_METRIC"]
    materialised = result.get_asset_materialization_events()[0].materialization.metadata
    assert "NEW_METRIC" in materialised["api_fields_not_stored"].value
    quarantined = meta(checks["quarantine"])
    rows_quarantined = materialised["rows_quarantined_in_run"].value
    assert quarantined["unreviewed_rows"] == rows_quarantined > 0

    # Repair with the clean API: every gap is filled, spikes and the extra field are gone.
    repaired = evaluations(platform.run("spot_ohlcv_1m_job", tags), "spot_ohlcv_1m")
    assert {n for n, e in repaired.items() if not e.passed} == {"quarantine"}
    execute(platform, "UPDATE cc_ohlcv_spot_1m_raw_quarantine SET reviewed = 1")
    [reviewed] = run_checks(platform, "spot_ohlcv_1m", "quarantine").get_asset_check_evaluations()
    assert reviewed.passed and meta(reviewed)["unreviewed_rows"] == 0


def test_legacy_writer_breaks_row_sanity_uniqueness_and_schema(platform) -> None:
    """Daily candles are fine; then a legacy writer corrupts one row and, later, rebuilds the table
    without its primary key and inserts one instrument's rows a second time."""
    pair = platform.instruments()[:2]
    assert platform.run("spot_ohlcv_1d_job", range_tags(JUNE, JUNE, pair)).success
    sweep = ("row_sanity", "unique_keys", "schema")
    assert all(
        e.passed
        for e in run_checks(platform, "spot_ohlcv_1d", *sweep).get_asset_check_evaluations()
    )

    market, symbol = pair[0].split(":")
    execute(
        platform,
        "UPDATE cc_ohlcv_spot_1d_raw SET high = low * 0.5 "
        f"WHERE exchange = '{market}' AND symbol = '{symbol}' AND datetime = '2026-06-03 00:00:00'",
    )
    result = run_checks(platform, "spot_ohlcv_1d", *sweep)
    [sanity] = [e for e in result.get_asset_check_evaluations() if e.check_name == "row_sanity"]
    assert not sanity.passed and sanity.severity.name == "ERROR"
    broken = meta(sanity)
    assert broken["partitions_judged_while_streaming"] == 0  # the sweep reads the table
    assert broken["rows_broken"] == 1 and broken["broken_by_rule"]["high_not_below_low"] == 1
    assert broken["first_broken"][0]["instrument"] == pair[0]
    assert broken["first_broken"][0]["period"] == "2026-06-03T00:00:00"
    assert result.success  # row_sanity is not blocking

    execute(platform, "CREATE TABLE legacy_copy AS SELECT * FROM cc_ohlcv_spot_1d_raw")
    execute(platform, "DROP TABLE cc_ohlcv_spot_1d_raw")
    execute(platform, "ALTER TABLE legacy_copy RENAME TO cc_ohlcv_spot_1d_raw")
    execute(
        platform,
        "INSERT INTO cc_ohlcv_spot_1d_raw SELECT * FROM cc_ohlcv_spot_1d_raw "
        f"WHERE exchange = '{market}' AND symbol = '{symbol}'",
    )
    result = run_checks(platform, "spot_ohlcv_1d", "unique_keys", "schema")
    assert not result.success  # both are blocking ERROR checks: the run fails, alerts follow
    found = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not found["unique_keys"].passed and not found["schema"].passed
    days = platform.table("cc_ohlcv_spot_1d_raw").filter(pl.col("symbol") == symbol).height // 2
    assert meta(found["unique_keys"])["duplicated_keys"] == days == 14
    assert meta(found["unique_keys"])["extra_rows"] == days
    assert meta(found["schema"])["primary_key_stored"] == []
    assert meta(found["schema"])["retyped_columns"] == []  # a copy keeps the columns' types


def test_schema_drift_in_a_stored_table_is_reported_and_blocks(platform) -> None:
    """A DBA renames a column of a snapshot table; the check names both sides of the change."""
    execute(platform, "ALTER TABLE cc_exchanges_general RENAME COLUMN grade TO grade_label")
    try:
        result = run_checks(platform, "exchanges_general", "schema")
        [drift] = result.get_asset_check_evaluations()
        assert not result.success and not drift.passed
        assert meta(drift)["missing_columns"] == ["grade"]
        assert meta(drift)["unexpected_columns"] == ["grade_label"]
        assert "missing column grade; unexpected column grade_label" in meta(drift)["summary"]
    finally:
        execute(platform, "ALTER TABLE cc_exchanges_general RENAME COLUMN grade_label TO grade")
    assert run_checks(platform, "exchanges_general", "schema").success


def test_stale_data_fails_freshness(platform) -> None:
    """Fresh after a run; then the clock is pinned three days past the wall clock (CCDATA_NOW),
    as if every schedule had stopped: time series and snapshots are both stale."""
    last = platform.instruments()[-1:]
    result = platform.run("spot_ohlcv_1h_job", range_tags(JUNE, JUNE, last))
    assert evaluations(result, "spot_ohlcv_1h")["freshness"].passed
    later = datetime.now(UTC) + timedelta(days=3)
    platform.reload(CCDATA_NOW=later.isoformat(timespec="seconds"))
    try:
        series = run_checks(platform, "spot_ohlcv_1h", "freshness").get_asset_check_evaluations()
        snapshot = run_checks(
            platform, "spot_instruments", "freshness"
        ).get_asset_check_evaluations()
    finally:
        platform.reload(CCDATA_NOW=NOW)
    [series_check], [snapshot_check] = series, snapshot
    stale = meta(series_check)
    assert not series_check.passed
    assert stale["instruments_stale"] == stale["instruments_checked"] == len(platform.instruments())
    assert stale["newest_period"] == "2026-06-15 11:00:00"
    assert not snapshot_check.passed and meta(snapshot_check)["age_hours"] > 71


def test_every_data_set_gets_the_checks_that_fit_it_in_its_asset_job(platform) -> None:
    """Index consistency for spot data only, outliers where the table has a close column; the
    asset job of each data set runs its checks, the daily sweep runs them all."""
    sweep = check_keys(platform.defs.resolve_job_def("data_quality_checks"))
    for spec in TIME_SERIES:
        expected = {
            (spec.name, check)
            for check in TIME_SERIES_CHECKS
            if (check != "index_consistency" or spec.group == "spot")
            and (
                check != "outliers" or not spec.name.startswith(("futures_funding", "futures_open"))
            )
        }
        assert check_keys(platform.defs.resolve_job_def(f"{spec.name}_job")) == expected
        assert expected <= sweep
    snapshots = {
        (o.name, c)
        for s in SNAPSHOTS
        for o in s.outputs
        for c in ("freshness", "schema", "quarantine")
    }
    assert snapshots <= sweep
    assert snapshots <= check_keys(platform.defs.resolve_job_def("metadata_job"))


def test_funding_rates_and_open_interest_within_plausible_bounds(platform) -> None:
    """Clean funding-rate and open-interest hours pass; a funding rate of 20 % per interval and
    a negative open interest, written by hand, break the bounds (not the data set's rules)."""
    broken = {}
    for data_set, universe, table, columns, value in (
        ("futures_funding_rate_1h", FUNDING_UNIVERSE, "cc_futures_funding_rate_ohlc_1h", ("open_fr", "high_fr", "low_fr", "close_fr"), "0.2"),
        ("futures_open_interest_1h", OPEN_INTEREST_UNIVERSE, "cc_futures_open_interest_ohlc_1h", ("close_oi_quote",), "-5"),
    ):  # fmt: skip
        platform.sense(universe.partitions_name)
        first = platform.active(universe)[:1]
        result = platform.run(f"{data_set}_job", range_tags(JUNE, JUNE, first))
        checks = evaluations(result, data_set)
        assert result.success and len(checks) == 7  # no outliers (no close), no index
        assert {n: meta(e)["summary"] for n, e in checks.items() if not e.passed} == {}
        market, instrument = first[0].split(":", 1)
        execute(
            platform,
            f"UPDATE {table} SET {', '.join(f'{c} = {value}' for c in columns)} "
            f"WHERE market = '{market}' "
            f"AND mapped_instrument = '{instrument}' AND datetime = '2026-06-02 05:00:00'",
        )
        [sanity] = run_checks(platform, data_set, "row_sanity").get_asset_check_evaluations()
        broken[data_set] = meta(sanity)["broken_by_rule"]
    assert broken == {
        "futures_funding_rate_1h": {
            f"{p}_fr_within_bounds": 1 for p in ("open", "high", "low", "close")
        },
        "futures_open_interest_1h": {"close_oi_quote_within_bounds": 1},
    }


def test_a_schedule_tick_judges_its_new_candles_against_the_stored_window(platform) -> None:
    """A month of clean hours, then a tick three hours later from a simulator that spikes about
    every other hour: the tick's checks judge the six new candles from the figures streamed with
    them, give each new close its stored neighbours and the month's spread, and count the
    month's periods in the table (the tick wrote only its newest)."""
    platform.sense(FUTURES_UNIVERSE.partitions_name)
    pair = platform.active(FUTURES_UNIVERSE)[:2]
    assert platform.run("futures_ohlcv_1h_job", range_tags(JUNE, JUNE, pair)).success
    tick_tags = {**range_tags(JUNE, JUNE, pair), SCHEDULE_TAG: "futures_ohlcv_1h_schedule"}
    platform.reload(CCDATA_NOW="2026-06-15T15:30:00")  # 12:00, 13:00 and 14:00 have closed
    try:
        with faulty_api(platform, FaultConfig(spike_every=2)):
            tick = platform.run("futures_ohlcv_1h_job", tick_tags)
    finally:
        platform.reload(CCDATA_NOW=NOW)
    checks = evaluations(tick, "futures_ohlcv_1h")
    assert tick.success
    new = platform.table("cc_futures_ohlcv_1h").filter(
        pl.col("datetime") >= datetime(2026, 6, 15, 12)
    )
    assert new.height == 6
    spiked = sum(
        bucket_hit("spike", f"{r['market']}:{r['instrument']}", 3600, int(r["datetime"].replace(tzinfo=UTC).timestamp()), 2)
        for r in new.iter_rows(named=True)
    )  # fmt: skip
    assert 0 < spiked < 6
    outliers = meta(checks["outliers"])
    assert outliers["partitions_judged_while_streaming"] == len(pair)
    assert outliers["rows_checked"] == 6 and outliers["outliers"] == spiked
    assert meta(checks["row_sanity"])["rows_checked"] == 6 and checks["row_sanity"].passed
    gaps = meta(checks["missing_periods"])
    assert checks["missing_periods"].passed
    assert gaps["periods_expected"] == (14 * 24 + 15) * len(pair)
