"""The catalog resolves every table once and links the data sets that are compared."""

from ccdata_assets.checks.consistency import index_table
from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.warehouse.ddl import table_names


def test_every_spec_holds_a_ddl_table_with_its_columns() -> None:
    for spec in TIME_SERIES:
        assert spec.table.name in table_names()
        for column in (spec.time_column, *spec.instrument_columns):
            spec.table.column(column)  # raises KeyError if the DDL lacks it
        assert spec.universe.instruments_table.name in table_names()


def test_spot_data_sets_link_the_index_of_their_interval() -> None:
    for spec in TIME_SERIES:
        if spec.group == "spot":
            assert spec.index is not None and spec.index.group == "index"
            assert spec.index.interval == spec.interval
            assert index_table(spec) is spec.index.table
        else:
            assert spec.index is None and index_table(spec) is None
