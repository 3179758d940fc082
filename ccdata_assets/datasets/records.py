"""Raw API records -> a frame typed like the target table, with a reason for every record that
cannot be typed (a missing key field, a number sent as text). Nothing is dropped silently."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from ccdata_assets.api.page_rows import PageRows

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
    page: PageRows,
    schema: Mapping[str, pl.DataType],
    fields: Mapping[str, str],
    required: Iterable[str],
    sql_types: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Build the table columns from a page's flat records.

    DATETIME columns take epoch seconds. The result has the table's columns plus `_row` (the
    record's position) and `_reason` (null when the record typed cleanly).

    Vectorised: the records are one frame (read by polars from the page's bytes, or built in one
    `pl.from_dicts` pass), each field at the type its values share (text when a number came as a
    string somewhere), and one query casts every column and words every record's first problem.
    Should polars refuse to read the records in one go, each column is read from the Python
    values instead.
    """
    sql_types = sql_types or {}
    names = {column: source_field(column, fields) for column in schema}
    json_columns = {c for c in schema if sql_types.get(c, "").upper().startswith("JSON")}
    try:
        raw = _raw_frame(page, names, json_columns, at_once=True)
        return _typed(raw, schema, names, set(required))
    except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError):
        raw = _raw_frame(page, names, json_columns, at_once=False)
        return _typed(raw, schema, names, set(required))


def _raw_frame(
    page: PageRows,
    names: Mapping[str, str],
    json_columns: set[str],
    *,
    at_once: bool,
) -> pl.DataFrame:
    """One column per table column with the records' values as polars reads them (JSON columns
    as sorted JSON text), untyped."""
    whole = page.frame if at_once else None
    columns = []
    for column, name in names.items():
        if column in json_columns or whole is None:
            values = [record.get(name) for record in page.records()]
            if column in json_columns:
                values = [None if v is None else json.dumps(v, sort_keys=True) for v in values]
            columns.append(pl.Series(column, values, strict=False))
        elif name in whole.columns:
            columns.append(whole.get_column(name).alias(column))
        else:
            columns.append(pl.Series(column, [None] * len(page), pl.Null))
    return pl.DataFrame(columns)


def _typed(
    raw: pl.DataFrame,
    schema: Mapping[str, pl.DataType],
    names: Mapping[str, str],
    required: set[str],
) -> pl.DataFrame:
    """`raw` cast to `schema`, with `_row` and the first problem of each record in `_reason`."""
    typed: list[pl.Expr] = []
    problems: list[pl.Expr] = []
    for column, dtype in schema.items():
        source, name = pl.col(column), names[column]
        cast = _cast(source, raw.schema[column], dtype)
        typed.append(cast.alias(column))
        if name in required:
            problems.append(pl.when(source.is_null()).then(pl.lit(f"missing {name}")))
        kind = "a timestamp" if dtype == pl.Datetime("us") else f"a valid {dtype}"
        text = source.cast(pl.String, strict=False).str.slice(0, 40)
        problems.append(
            pl.when(source.is_not_null() & cast.is_null()).then(
                pl.format(f"{name} is not {kind}: {{}}", text)
            )
        )
    reason = pl.coalesce(problems) if problems else pl.lit(None, pl.String)
    return raw.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW), *typed, reason.alias(REASON)
    )


def _cast(source: pl.Expr, raw: pl.DataType, dtype: pl.DataType) -> pl.Expr:
    if raw == pl.Null:
        return source.cast(dtype)
    if dtype == pl.Datetime("us"):
        seconds = source.cast(pl.Float64, strict=False)
        micros = (seconds * 1_000_000).round().cast(pl.Int64, strict=False)
        plausible = seconds.is_between(0, 32_503_680_000)  # 1970 to year 3000
        return pl.when(plausible).then(micros).cast(pl.Datetime("us"))
    if dtype == pl.Boolean and raw != pl.Boolean:
        return (
            source.cast(pl.String, strict=False)
            .str.to_lowercase()
            .replace_strict(
                {"true": True, "false": False, "1": True, "0": False},
                default=None,
                return_dtype=pl.Boolean,
            )
        )
    if dtype.is_integer() and raw == pl.String:
        return source.cast(pl.Float64, strict=False).cast(dtype, strict=False)
    return source.cast(dtype, strict=False)


def raw_json(records: Sequence[Mapping[str, Any]], rows: Iterable[int]) -> list[str]:
    """The records exactly as the API sent them, for the quarantine table."""
    return [json.dumps(records[i], sort_keys=True, default=str) for i in rows]
