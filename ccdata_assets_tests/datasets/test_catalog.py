"""The catalog resolves every table once and links the data sets that are compared."""

import pytest

from ccdata_assets.checks.consistency import index_table
from ccdata_assets.datasets.catalog import SNAPSHOTS, TIME_SERIES, table_for
from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.ddl import table_names


def test_every_spec_holds_a_ddl_table_with_its_columns() -> None:
    for spec in TIME_SERIES:
        assert spec.table.name in table_names()
        for column in (spec.time_column, *spec.instrument_columns):
            spec.table.column(column)  # raises KeyError if the DDL lacks it
        assert table_for(spec.table.name) is spec.table
        assert spec.universe.instruments_table.name in table_names()
    for output in (o for spec in SNAPSHOTS for o in spec.outputs):
        assert table_for(output.table.name) is output.table


def test_table_for_refuses_tables_of_no_data_set() -> None:
    with pytest.raises(ConfigError, match="No data set"):
        table_for("cc_ohlcv_spot_1d_raw_quarantine")


def test_spot_data_sets_link_the_index_of_their_interval() -> None:
    for spec in TIME_SERIES:
        if spec.group == "spot":
            assert spec.index is not None and spec.index.group == "index"
            assert spec.index.interval == spec.interval
            assert index_table(spec) is spec.index.table
        else:
            assert spec.index is None and index_table(spec) is None
