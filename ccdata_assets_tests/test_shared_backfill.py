"""A backfill launched from the UI costs the fewest API calls however Dagster splits it into runs.

The backfill is stored in the instance as the webserver stores it, and its runs are the ones the
daemon would launch (Dagster's own grouping of the target, the `dagster/backfill` and range tags),
executed in turn: real materialisations, the simulator over HTTP counting the calls, MariaDB.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import dagster as dg
import polars as pl
import pytest

# private: the webserver builds a backfill with this; no public API stores one in an instance
from dagster._core.execution.backfill import PartitionBackfill

from ccdata_assets.assets import shared_backfill
from ccdata_assets.checks.streamed import SUMMARY_KEY
from ccdata_assets.partitions import RANGE_END, RANGE_START, multi_key
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets.simulator.server import SimulatorHandle
from ccdata_assets.warehouse.ledger import Ledger
from ccdata_assets.warehouse.settings import warehouse_settings
from ccdata_assets.warehouse.warehouse import Warehouse
from ccdata_assets_tests.support import SMALL_UNIVERSE, Platform, set_platform_env, step_error

ASSET = "spot_ohlcv_1h"
HOURS_PATH = "/spot/v1/historical/hours"
MONTHS = [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]  # 2136 closed hours: 2 pages
END = datetime(2026, 5, 1)


@pytest.fixture
def platform(mysql_env, monkeypatch) -> Iterator[tuple[Platform, SimulatorHandle]]:
    """The code location on MariaDB, its API the simulator over HTTP, the universe in place."""
    with serve_in_thread(SimulatorConfig()) as api:
        set_platform_env(
            monkeypatch,
            {
                **mysql_env,
                **SMALL_UNIVERSE,
                "DATA_API_BASE_URL": api.base_url,
                "CCDATA_API_KEY": "test-key",
            },
        )
        platform = Platform("spot", monkeypatch)
        platform.bootstrap()
        yield platform, api


def launch(platform: Platform, keys: list[str]) -> tuple[str, list[dict[str, str]]]:
    """Store a backfill of `keys` as the webserver does; the tags of the runs the daemon would
    launch for it (Dagster's grouping: one run per month here, 8 instruments each)."""
    backfill_id = uuid.uuid4().hex[:8]  # the webserver's ids are 8 letters too
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=backfill_id,
        asset_graph=platform.defs.resolve_asset_graph(),
        partition_names=keys,
        asset_selection=[dg.AssetKey(ASSET)],
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=platform.instance,
        all_partitions=False,
        title=None,
        description=None,
        run_config=None,
    )
    platform.instance.add_backfill(backfill)
    partitions_def = platform.defs.resolve_assets_def(ASSET).partitions_def
    with dg.partition_loading_context(dynamic_partitions_store=platform.instance):
        ranges = partitions_def.subset_with_partition_keys(keys).get_partition_key_ranges(
            partitions_def
        )
    return backfill_id, [
        {"dagster/backfill": backfill_id, RANGE_START: r.start, RANGE_END: r.end} for r in ranges
    ]


def minimum_calls(platform: Platform, instruments: list[str]) -> int:
    """ceil(closed hours / 2000) per instrument over the three months (from its first trade)."""
    listed = platform.table("cc_instruments_spot").with_columns(
        pl.format("{}:{}", "exchange_internal_name", "mapped_instrument_symbol").alias("key")
    )
    first_trade = dict(zip(listed["key"], listed["first_trade_datetime"], strict=True))
    start = datetime(2026, 2, 1)
    hours = {
        key: max(0, int((END - max(start, first_trade[key])) / timedelta(hours=1)))
        for key in instruments
    }
    return sum(math.ceil(h / 2000) for h in hours.values())


def stored_figures(platform: Platform) -> dict[str, dict]:
    """Rows, first and last period of each (month, instrument) in the warehouse."""
    table = platform.table("cc_ohlcv_spot_1h_raw").with_columns(
        pl.col("datetime").dt.truncate("1mo").dt.date().alias("month"),
        pl.format("{}:{}", "exchange", "symbol").alias("instrument"),
    )
    grouped = table.group_by("month", "instrument").agg(
        pl.len().alias("rows"), pl.col("datetime").min().alias("lo"), pl.col("datetime").max()
    )
    return {
        multi_key(month, instrument): {"rows": rows, "first": lo, "last": hi}
        for month, instrument, rows, lo, hi in grouped.iter_rows()
    }


def latest_figures(instance: dg.DagsterInstance, key: str) -> dict:
    [event] = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(ASSET), asset_partitions=[key]), limit=1
    ).records
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def hour_calls(api: SimulatorHandle) -> int:
    return api.stats.calls[HOURS_PATH]


@pytest.mark.parametrize("round_pages", [500, 2], ids=["one round", "a round per instrument"])
def test_a_ui_backfill_calls_the_api_once_per_page_and_every_partition_has_its_figures(
    platform, round_pages, monkeypatch
) -> None:
    platform, api = platform
    monkeypatch.setattr(shared_backfill, "ROUND_PAGES", round_pages)
    instruments = platform.instruments()
    keys = [multi_key(month, key) for month in MONTHS for key in instruments]
    _, runs = launch(platform, keys)
    assert len(runs) == len(MONTHS) and len(instruments) == 8  # one run per month
    minimum = minimum_calls(platform, instruments)
    assert minimum < len(runs) * len(instruments)  # paging each run alone would cost more

    before = hour_calls(api)
    results = [platform.run(f"{ASSET}_job", tags) for tags in runs]
    assert all(r.success for r in results)
    assert hour_calls(api) - before == minimum

    stored = stored_figures(platform)
    first_run, first_month = results[0].run_id, runs[0][RANGE_START].split("|")[0]
    for key in keys:
        figures = latest_figures(platform.instance, key)
        assert figures["rows_written"] == stored[key]["rows"] > 0, key
        assert figures["first_period"] == stored[key]["first"].isoformat(sep=" ")
        assert figures["last_period"] == stored[key]["last"].isoformat(sep=" ")
        if not key.startswith(first_month):  # read from the ledger, not fetched: the checks
            assert figures["fetched_in_run"] == first_run  # read its rows from the table
            assert SUMMARY_KEY not in figures
        else:
            assert "fetched_in_run" not in figures and SUMMARY_KEY in figures
    gaps = [e for r in results for e in r.get_asset_check_evaluations()
            if e.check_name == "missing_periods"]  # fmt: skip
    assert gaps and all(e.passed for e in gaps)  # every partition complete, however judged
    later = {k: v.value for k, v in results[-1].get_asset_materialization_events()[0]
             .materialization.metadata.items()}  # fmt: skip
    assert later["api_calls_in_run"] == 0 and later["instruments_fetched_by_other_runs"] == 8

    again = platform.run(f"{ASSET}_job", runs[0])  # a re-run of a finished backfill's run
    assert again.success and hour_calls(api) - before == minimum


def test_a_claim_left_by_a_failed_run_is_taken_over_and_a_live_one_is_waited_for(
    platform, monkeypatch
) -> None:
    platform, api = platform
    monkeypatch.setattr(shared_backfill, "WAIT_SECONDS", 1.0)  # a broken take-over fails fast
    monkeypatch.setattr(shared_backfill, "POLL_SECONDS", 0.2)
    instruments = platform.instruments()
    keys = [multi_key(month, key) for month in MONTHS for key in instruments]
    backfill_id, runs = launch(platform, keys)
    warehouse = Warehouse(warehouse_settings())
    job = platform.defs.resolve_job_def(f"{ASSET}_job")

    # A run of the backfill claimed every instrument, then died before writing anything.
    dead = platform.instance.create_run_for_job(job, tags=runs[1])
    Ledger(warehouse, backfill_id, ASSET, dead.run_id).claim(instruments)
    platform.instance.report_run_failed(dead)
    before = hour_calls(api)
    results = [platform.run(f"{ASSET}_job", tags) for tags in runs]
    assert all(r.success for r in results)
    assert hour_calls(api) - before == minimum_calls(platform, instruments)
    assert all(latest_figures(platform.instance, k)["rows_written"] > 0 for k in keys)

    # Another backfill whose instrument a live run holds: this run waits, then gives up.
    backfill_id, runs = launch(platform, keys)
    live = platform.instance.create_run_for_job(job, tags=runs[0])  # not started: not finished
    Ledger(warehouse, backfill_id, ASSET, live.run_id).claim(instruments[:1])
    before = hour_calls(api)
    waited = platform.run(f"{ASSET}_job", runs[0])
    assert not waited.success
    message = step_error(waited)
    assert "BackfillWaitError" in message
    assert instruments[0] in message and "another run still fetches" in message
    assert message.count(". ") == 0  # one sentence
    # The other seven instruments were fetched (two pages each) and recorded as done.
    assert hour_calls(api) - before == minimum_calls(platform, instruments[1:])

    # The same run again, while the live run completes its instrument: it waits, then reads it.
    monkeypatch.setattr(shared_backfill, "WAIT_SECONDS", 60.0)
    key = multi_key(runs[0][RANGE_START].split("|")[0], instruments[0])  # one of the run's own
    recorded = {"rows_written": 5, "rows_quarantined": 0}  # what the live run says it wrote

    def complete() -> None:
        time.sleep(1.5)
        Ledger(warehouse, backfill_id, ASSET, live.run_id).finish({instruments[0]: {key: recorded}})

    before = hour_calls(api)
    finisher = threading.Thread(target=complete)
    finisher.start()
    rerun = platform.run(f"{ASSET}_job", runs[0])
    finisher.join()
    assert rerun.success and hour_calls(api) == before  # nothing left to fetch
    figures = latest_figures(platform.instance, key)
    assert {k: figures[k] for k in [*recorded, "fetched_in_run"]} == {
        **recorded,
        "fetched_in_run": live.run_id,
    }
