"""Adding a data set is one catalog entry (README, "Adding a data set"): a code location built with
one extra entry has its asset, checks, job, schedule and universe sensor, and materialises it.

The extra entry is realistic and new in every part the README names: spot daily candles of a
second, narrower universe (the spot universe's USD pairs) in a table of their own, declared the
way the README says (a table of the spot OHLCV family). The test renders that table's DDL with
`ddl_templates.render` in memory instead of adding a file to the checkout's `sql/tables`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import dagster as dg
import pytest

from ccdata_assets.datasets.catalog import (
    CANDLE_RULES,
    INDEX_OHLCV,
    SPOT_CANDLE_FIELDS,
    SPOT_UNIVERSE,
    TIME_SERIES,
    aligned,
)
from ccdata_assets.datasets.spec import DAY, TimeSeriesSpec
from ccdata_assets.definitions import build_definitions
from ccdata_assets.definitions import defs as catalog_defs
from ccdata_assets.partitions import INSTRUMENT_DIMENSION, range_tags
from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.ddl import load_table, parse_table
from ccdata_assets.warehouse.ddl_templates import FAMILIES, Family, render
from ccdata_assets.warehouse.io_manager import TABLE_KEY
from ccdata_assets_tests.support import SMALL_UNIVERSE, Platform, set_platform_env

SPOT_1D = next(spec for spec in TIME_SERIES if spec.name == "spot_ohlcv_1d")

# What FAMILIES would gain, rendered here instead of into sql/tables.
[SPOT_FAMILY] = [family for family in FAMILIES if family.template == "spot_ohlcv"]
USD_FAMILY = Family(SPOT_FAMILY.template, "cc_ohlcv_spot_usd_{interval}", legacy=(), new=("1d",))
USD_TABLE = parse_table(render(USD_FAMILY, "1d"), "cc_ohlcv_spot_usd_1d (rendered by the test)")

# The catalog entry, as README.md shows it: the spot universe narrowed to USD quotes, and its
# daily candles.
SPOT_USD_UNIVERSE = replace(
    SPOT_UNIVERSE,
    partitions_name="spot_usd_instruments",
    rule=lambda read, settings: [
        key for key in SPOT_UNIVERSE.rule(read, settings) if key.endswith("-USD")
    ],
)
SPOT_USD_1D = TimeSeriesSpec(
    name="spot_usd_ohlcv_1d",
    group="spot",
    path="/spot/v1/historical/days",
    interval=DAY,
    table=USD_TABLE,  # in the catalog: load_table("cc_ohlcv_spot_usd_1d")
    universe=SPOT_USD_UNIVERSE,
    time_column="datetime",
    instrument_columns=("exchange", "symbol"),
    fields=SPOT_CANDLE_FIELDS,
    request_params=lambda market, instrument: {"market": market, "instrument": instrument},
    rules=(aligned("datetime", DAY), *CANDLE_RULES),
    index=INDEX_OHLCV[DAY],
    description="Spot daily candles of the USD pairs of the spot universe.",
)


@pytest.fixture
def platform(monkeypatch, local_env) -> Platform:
    """The code location with the extra entry, on the embedded warehouse."""
    set_platform_env(monkeypatch, {**SMALL_UNIVERSE, **local_env})
    platform = Platform("embedded", monkeypatch)
    platform.defs = build_definitions((*TIME_SERIES, SPOT_USD_1D))
    return platform


def checks_of(defs: dg.Definitions, asset: str) -> set[str]:
    graph = defs.resolve_asset_graph()
    return {key.name for key in graph.asset_check_keys if key.asset_key == dg.AssetKey(asset)}


def test_the_extra_table_is_new_and_of_its_family() -> None:
    with pytest.raises(ConfigError, match="not a warehouse table"):
        load_table(USD_TABLE.name)  # not in sql/tables: the code location must not need it there
    assert USD_TABLE.columns == SPOT_1D.table.columns
    assert USD_TABLE.primary_key == SPOT_1D.table.primary_key


def test_one_catalog_entry_brings_asset_checks_job_schedule_and_sensor(platform) -> None:
    defs = platform.defs
    asset = defs.resolve_assets_def("spot_usd_ohlcv_1d")
    assert asset.metadata_by_key[asset.key][TABLE_KEY] == "cc_ohlcv_spot_usd_1d"
    dimensions = {d.name: d.partitions_def for d in asset.partitions_def.partitions_defs}
    assert dimensions[INSTRUMENT_DIMENSION].name == "spot_usd_instruments"
    assert checks_of(defs, "spot_usd_ohlcv_1d") == checks_of(defs, "spot_ohlcv_1d") != set()
    assert defs.resolve_job_def("spot_usd_ohlcv_1d_job")
    assert defs.resolve_schedule_def("spot_usd_ohlcv_1d_schedule")
    assert defs.resolve_sensor_def("spot_usd_instruments_sensor")
    assert dg.AssetKey("spot_usd_ohlcv_1d") not in catalog_defs.resolve_all_asset_keys()


def test_the_extra_data_set_materialises_into_its_own_table(platform) -> None:
    spot = platform.bootstrap()  # metadata, then the spot universe
    platform.sense("spot_usd_instruments")
    usd = platform.instance.get_dynamic_partitions("spot_usd_instruments")
    assert usd and set(usd) <= set(spot) and all(key.endswith("-USD") for key in usd)

    june = date(2026, 6, 1)
    result = platform.run("spot_usd_ohlcv_1d_job", range_tags(june, june, usd[:1]))
    assert result.success
    [event] = result.get_asset_materialization_events()
    assert event.materialization.metadata["rows_written"].value == 14  # June 1..14 have closed
    stored = platform.table(USD_TABLE)
    assert stored.height == 14
    assert set(stored.get_column("datetime").dt.day()) == set(range(1, 15))
    exchange, symbol = usd[0].split(":")
    assert set(stored.get_column("exchange")) == {exchange}
    assert set(stored.get_column("symbol")) == {symbol}
