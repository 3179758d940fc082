"""Raw API records -> a frame typed like the target table, with a reason for every record that
cannot be typed (a missing key field, a number sent as text). Nothing is dropped silently."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

REASON = "_reason"
ROW = "_row"


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted keys (`INSTRUMENT_MAPPING.BASE`); lists stay as they are."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def source_field(column: str, fields: Mapping[str, str]) -> str:
    return fields.get(column, column.upper())


def typed_frame(
    records: list[Mapping[str, Any]],
    schema: Mapping[str, pl.DataType],
    fields: Mapping[str, str],
    required: Iterable[str],
    sql_types: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Build the table columns from flat records.

    DATETIME columns take epoch seconds. The result has the table's columns plus `_row` (the
    record's position) and `_reason` (null when the record typed cleanly).
    """
    sql_types = sql_types or {}
    columns: dict[str, pl.Series] = {ROW: pl.Series(ROW, range(len(records)), pl.Int64)}
    problems: list[pl.Expr] = []
    required = set(required)
    for column, dtype in schema.items():
        name = source_field(column, fields)
        values = [record.get(name) for record in records]
        if sql_types.get(column, "").upper().startswith("JSON"):
            values = [None if v is None else json.dumps(v, sort_keys=True) for v in values]
        raw = pl.Series(column, values, strict=False)
        typed = _cast(raw, dtype)
        columns[column] = typed
        present = raw.is_not_null()
        if name in required:
            problems.append(pl.when(~present).then(pl.lit(f"missing {name}")))
        bad = present & typed.is_null()
        if bad.any():
            text = raw.cast(pl.String, strict=False).str.slice(0, 40)
            kind = "a timestamp" if dtype == pl.Datetime("us") else f"a valid {dtype}"
            columns[f"_bad_{column}"] = bad.alias(f"_bad_{column}")
            columns[f"_raw_{column}"] = text.alias(f"_raw_{column}")
            problems.append(
                pl.when(pl.col(f"_bad_{column}")).then(
                    pl.format(f"{name} is not {kind}: {{}}", pl.col(f"_raw_{column}"))
                )
            )
    frame = pl.DataFrame(list(columns.values()))
    reason = pl.coalesce(problems) if problems else pl.lit(None, pl.String)
    return frame.with_columns(reason.alias(REASON)).select([ROW, *schema.keys(), REASON])


def _cast(raw: pl.Series, dtype: pl.DataType) -> pl.Series:
    if raw.dtype == pl.Null:
        return pl.Series(raw.name, [None] * len(raw), dtype)
    if dtype == pl.Datetime("us"):
        seconds = raw.cast(pl.Float64, strict=False)
        micros = (seconds * 1_000_000).round().cast(pl.Int64, strict=False)
        plausible = seconds.is_between(0, 32_503_680_000)  # 1970 to year 3000
        return pl.select(
            pl.when(plausible).then(micros).cast(pl.Datetime("us")).alias(raw.name)
        ).to_series()
    if dtype == pl.Boolean and raw.dtype != pl.Boolean:
        return (
            raw.cast(pl.String, strict=False)
            .str.to_lowercase()
            .replace_strict(
                {"true": True, "false": False, "1": True, "0": False},
                default=None,
                return_dtype=pl.Boolean,
            )
        )
    if dtype.is_integer() and raw.dtype == pl.String:
        return raw.cast(pl.Float64, strict=False).cast(dtype, strict=False)
    return raw.cast(dtype, strict=False)


def raw_json(records: list[Mapping[str, Any]], rows: Iterable[int]) -> list[str]:
    """The records exactly as the API sent them, for the quarantine table."""
    return [json.dumps(records[i], sort_keys=True, default=str) for i in rows]
