"""The one parse step every data set shares: records -> (clean rows, quarantined rows).

Columns, types and key nullability come from the table's DDL in `sql/`; the spec adds only field
renames and row rules. Bookkeeping columns are left to the warehouse's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from ccdata_assets.api.page_rows import PageRows
from ccdata_assets.datasets.records import ROW, raw_json, source_field, typed_frame
from ccdata_assets.datasets.spec import RowRule, TimeSeriesSpec
from ccdata_assets.datasets.validation import split_valid
from ccdata_assets.warehouse.ddl import TableDef

BOOKKEEPING = frozenset({"collected_at", "created_at", "updated_at"})


@dataclass(frozen=True)
class Parsed:
    clean: pl.DataFrame
    quarantined: pl.DataFrame
    # Record fields no column takes: a field the API added shows up here instead of vanishing.
    unmapped: frozenset[str] = frozenset()


def written_schema(table: TableDef) -> dict[str, pl.DataType]:
    return {n: t for n, t in table.polars_schema().items() if n not in BOOKKEEPING}


@cache
def _frame_shape(table: TableDef) -> tuple[dict[str, pl.DataType], tuple[str, ...], dict[str, str]]:
    """The written columns and types, those that may not be null, and every column's SQL type."""
    schema = written_schema(table)
    not_null = tuple(c.name for c in table.columns if not c.nullable and c.name in schema)
    return schema, not_null, {c.name: c.sql_type for c in table.columns}


def parse_records(
    records: Sequence[Mapping[str, Any]] | PageRows,
    *,
    table: TableDef,
    fields: Mapping[str, str],
    required: Iterable[str],
    rules: tuple[RowRule, ...],
    data_set: str,
    partition_key: str | None,
) -> Parsed:
    page = PageRows.of(records)
    schema, not_null, sql_types = _frame_shape(table)
    typed = typed_frame(page, schema, fields, required, sql_types)
    split = split_valid(typed, not_null, rules)
    return Parsed(
        clean=split.clean,
        quarantined=quarantine_frame(
            page, split.rejected, data_set=data_set, partition_key=partition_key
        ),
        unmapped=unmapped_fields(page, table, fields),
    )


def parse_series(
    spec: TimeSeriesSpec,
    records: Sequence[Mapping[str, Any]] | PageRows,
    partition_key: str | None = None,
) -> Parsed:
    """Records of a time-series data set, parsed as its spec declares them."""
    return parse_records(
        records,
        table=spec.table,
        fields=spec.fields,
        required=spec.required_fields,
        rules=spec.rules,
        data_set=spec.name,
        partition_key=partition_key,
    )


def unmapped_fields(page: PageRows, table: TableDef, fields: Mapping[str, str]) -> frozenset[str]:
    """Fields present in the records that no column of `table` is filled from."""
    taken = {source_field(column, fields) for column in table.column_names}
    return frozenset(page.field_names() - taken)


def quarantine_frame(
    page: PageRows,
    rejected: pl.DataFrame,
    *,
    data_set: str,
    partition_key: str | None,
) -> pl.DataFrame:
    rows = rejected.get_column(ROW).to_list()
    return pl.DataFrame(
        {
            "data_set": [data_set] * len(rows),
            "partition_key": [partition_key] * len(rows),
            "reason": rejected.get_column("_reason").to_list(),
            "raw_json": raw_json(page.records(), rows) if rows else [],
        },
        schema={
            "data_set": pl.String,
            "partition_key": pl.String,
            "reason": pl.String,
            "raw_json": pl.String,
        },
    )
