"""Dry runs: a run tagged ``ccdata/dry_run=true`` fetches and validates as usual, writes nothing.

The IO manager is the one place that writes, so it is the one place that honours the tag: it
consumes the batches, counts what it would write and quarantine (per partition where the rows
say which), and opens the warehouse read-only. The checks of such a run are skipped, since they
would judge stored rows that the run did not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import polars as pl
from dagster import MultiPartitionsDefinition, TimeWindowPartitionsDefinition

from ccdata_assets.settings import ConfigError

DRY_RUN_TAG = "ccdata/dry_run"
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


def is_dry_run(tags: Mapping[str, str]) -> bool:
    """Whether a run's tags ask for a dry run; a value that is neither true nor false is refused,
    since guessing "no" would write what the user meant only to preview."""
    raw = tags.get(DRY_RUN_TAG)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"Run tag {DRY_RUN_TAG} must be 'true' or 'false', got {raw!r}.")


def rows_by_partition(
    partitions_def: MultiPartitionsDefinition,
    keys: Sequence[str],
    frame: pl.DataFrame,
    time_column: str,
    instrument_columns: Sequence[str],
    date_dimension: str,
    instrument_dimension: str,
) -> Counter[str]:
    """How many of `frame`'s rows fall in each of the run's partitions `keys` (date x instrument):
    a row belongs to the date whose time window holds its `time_column` and to the instrument
    "<market>:<instrument>" its two instrument columns name. Rows outside `keys` are not counted."""
    counts: Counter[str] = Counter()
    if frame.is_empty() or not keys:
        return counts
    dims = {d.name: d.partitions_def for d in partitions_def.partitions_defs}
    time_def = dims[date_dimension]
    assert isinstance(time_def, TimeWindowPartitionsDefinition)
    by_cell: dict[tuple[str, str], str] = {}
    dates: set[str] = set()
    for key in keys:
        by_dim = partitions_def.get_partition_key_from_str(key).keys_by_dimension
        by_cell[(by_dim[date_dimension], by_dim[instrument_dimension])] = str(key)
        dates.add(by_dim[date_dimension])
    windows = pl.DataFrame(
        [
            (_naive(w.start), _naive(w.end), d)
            for d, w in ((d, time_def.time_window_for_partition_key(d)) for d in dates)
        ],
        schema={"_start": pl.Datetime("us"), "_end": pl.Datetime("us"), "_date": pl.String},
        orient="row",
    ).sort("_start")
    market, instrument = instrument_columns
    cells = (
        frame.select(
            pl.col(time_column).cast(pl.Datetime("us")).alias("_t"),
            pl.concat_str(pl.col(market), pl.lit(":"), pl.col(instrument)).alias("_i"),
        )
        .drop_nulls()
        .sort("_t")
        .join_asof(windows, left_on="_t", right_on="_start", strategy="backward")
        .filter(pl.col("_t") < pl.col("_end"))
        .group_by("_date", "_i")
        .len()
    )
    for date, inst, n in cells.iter_rows():
        key = by_cell.get((date, inst))
        if key is not None:
            counts[key] += n
    return counts


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)
