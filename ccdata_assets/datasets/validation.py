"""The pandera gate before the warehouse: rows that break a rule are split off with a reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from ccdata_assets.datasets.records import REASON, ROW
from ccdata_assets.datasets.spec import RowRule


@dataclass(frozen=True)
class Split:
    clean: pl.DataFrame  # table columns only
    rejected: pl.DataFrame  # `_row` (record position) and `_reason`


def frame_schema(
    schema: Mapping[str, pl.DataType], not_null: Iterable[str], rules: Iterable[RowRule]
) -> pa.DataFrameSchema:
    """The pandera schema of a table's frame: its columns, types, key nullability and row rules."""
    not_null = set(not_null)
    return pa.DataFrameSchema(
        {name: pa.Column(dtype, nullable=name not in not_null) for name, dtype in schema.items()},
        checks=[_check(rule) for rule in rules],
        strict="filter",
        coerce=False,
    )


def _check(rule: RowRule) -> pa.Check:
    def holds(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(rule.expr().fill_null(True))

    return pa.Check(holds, name=rule.name)


def split_valid(typed: pl.DataFrame, schema: pa.DataFrameSchema, rules: Iterable[RowRule]) -> Split:
    """Keep rows that typed cleanly and pass the schema; the rest carry their first reason."""
    reasons = {rule.name: rule.reason for rule in rules}
    typing_failed = typed.filter(pl.col(REASON).is_not_null())
    candidates = typed.filter(pl.col(REASON).is_null()).with_row_index("_pos")
    try:
        schema.validate(candidates.drop(ROW, REASON, "_pos"), lazy=True)
        failed = pl.DataFrame(schema={"_pos": pl.UInt32, REASON: pl.String})
    except pa.errors.SchemaErrors as errors:
        failed = (
            errors.failure_cases.filter(pl.col("index").is_not_null())
            .with_columns(
                pl.col("index").cast(pl.UInt32).alias("_pos"),
                pl.col("check")
                .replace_strict(reasons, default=None)
                .fill_null(pl.format("{} failed {}", pl.col("column"), pl.col("check")))
                .alias(REASON),
            )
            .group_by("_pos", maintain_order=True)
            .agg(pl.col(REASON).first())
        )
    rejected_rules = candidates.join(failed, on="_pos", how="inner", suffix="_rule").select(
        ROW, pl.col(f"{REASON}_rule").alias(REASON)
    )
    clean = candidates.join(failed, on="_pos", how="anti").drop(ROW, REASON, "_pos")
    rejected = pl.concat([typing_failed.select(ROW, REASON), rejected_rules]).sort(ROW)
    return Split(clean=clean, rejected=rejected)
