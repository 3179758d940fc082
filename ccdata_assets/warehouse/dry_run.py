"""Dry runs: a run tagged ``ccdata/dry_run=true`` fetches and validates as usual, writes nothing.

A dry run must not materialise anything either: Dagster records a materialisation for every
partition an asset's output covers, and the UI, freshness policies, alerts and the metrics
exporter would take those partitions for filled. So the assets (`output_required=False`) do not
yield an `Output` in a dry run: they hand their batch stream to `observe`, which consumes and
validates it as a write would (read-only session, no rows, tables or source claim), counts what
it would write and quarantine (per partition where the rows say which) and returns
`AssetObservation`s, which Dagster shows in the asset's timeline without marking any partition
materialised. The IO manager refuses a dry run's output, should an asset ever yield one. The
checks of such a run are skipped, since they would judge stored rows that the run did not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    MultiPartitionsDefinition,
)

from ccdata_assets.partitions import (
    DATE_DIMENSION,
    INSTRUMENT_DIMENSION,
    INSTRUMENT_KEY_FORMAT,
    time_dimension,
)
from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.batches import AfterWrites, Batch, BatchStream, quarantine_rows
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.frames import prepare
from ccdata_assets.warehouse.warehouse import Warehouse

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


@dataclass(frozen=True)
class PartitionColumns:
    """How an asset's rows say their partition (date x instrument): the row's `time_column`
    falls in a date's time window, its two `instrument_columns` name "<market>:<instrument>"."""

    partitions_def: MultiPartitionsDefinition
    time_column: str
    instrument_columns: Sequence[str]


@dataclass
class DryRunCounts:
    """What a dry run would have written: rows and quarantined rows of the run, and (when the
    rows say their partition) each of the run's partitions' rows, every partition listed."""

    would_write: int = 0
    would_quarantine: int = 0
    by_partition: dict[str, int] = field(default_factory=dict)


def count_batches(
    warehouse: Warehouse,
    table: TableDef,
    batches: Iterable[Batch | AfterWrites],
    keys: Sequence[str] = (),
    partitions: PartitionColumns | None = None,
) -> DryRunCounts:
    """Consume and validate `batches` as a write would (the checks a write makes before its SQL,
    and the source claim's refusal of a mismatch) and count them, writing nothing: the
    session is read-only. Rows are counted per partition of `keys` when `partitions` is given."""
    counted: Counter[str] = Counter()
    counts = DryRunCounts()
    now = datetime.now(UTC)
    with warehouse.connect(read_only=True) as session:
        session.claim_source()  # refuses a mismatch as a real run would, claims nothing
        for batch in batches:
            if isinstance(batch, AfterWrites):  # nothing is written: every point is reached
                batch.action()
                continue
            prepare(table, batch.rows, now)
            counts.would_write += batch.rows.height
            if batch.quarantined is not None and not batch.quarantined.is_empty():
                rows = quarantine_rows(batch.quarantined, table)
                prepare(table.quarantine, rows, now)
                counts.would_quarantine += rows.height
            if partitions is not None:
                counted.update(
                    rows_by_partition(
                        partitions.partitions_def,
                        keys,
                        batch.rows,
                        partitions.time_column,
                        partitions.instrument_columns,
                    )
                )
    if partitions is not None:
        counts.by_partition = {str(k): counted.get(str(k), 0) for k in keys}
    return counts


def observe(
    context: AssetExecutionContext,
    warehouse: Warehouse,
    asset_key: AssetKey,
    table: TableDef,
    stream: BatchStream,
    partitions: PartitionColumns | None = None,
) -> list[AssetObservation]:
    """A dry run of one asset: consume `stream`, count, log, and return its observations: one
    per partition of the run (its own `rows_would_write`) when `partitions` says how rows map to
    them, else one for the run. Each carries the run's counts and the stream's metadata."""
    keys = list(context.partition_keys) if partitions is not None else []
    counts = count_batches(warehouse, table, stream, keys, partitions)
    run: dict[str, Any] = {
        "dry_run": True,
        "rows_would_write": counts.would_write,
        "rows_would_quarantine": counts.would_quarantine,
    }
    run.update(stream.metadata())
    run["dagster/table_name"] = f"{warehouse.database}.{table.name}"  # Dagster's key
    context.log.info(
        f"Dry run ({DRY_RUN_TAG}=true): {asset_key.to_user_string()} would write "
        f"{counts.would_write} rows into {table.name} and quarantine {counts.would_quarantine}; "
        "nothing was written or materialised."
    )
    if partitions is None:
        return [AssetObservation(asset_key=asset_key, metadata=run)]
    return [
        AssetObservation(
            asset_key=asset_key,
            partition=key,
            metadata={
                **run,
                "rows_would_write": counts.by_partition[str(key)],  # this partition's own
                "rows_would_write_in_run": counts.would_write,
            },
        )
        for key in keys
    ]


def rows_by_partition(
    partitions_def: MultiPartitionsDefinition,
    keys: Sequence[str],
    frame: pl.DataFrame,
    time_column: str,
    instrument_columns: Sequence[str],
) -> Counter[str]:
    """How many of `frame`'s rows fall in each of the run's partitions `keys` (date x instrument):
    a row belongs to the date whose time window holds its `time_column` and to the instrument
    "<market>:<instrument>" its two instrument columns name. Rows outside `keys` are not counted."""
    counts: Counter[str] = Counter()
    if frame.is_empty() or not keys:
        return counts
    time_def = time_dimension(partitions_def)
    by_cell: dict[tuple[str, str], str] = {}
    dates: set[str] = set()
    for key in keys:
        by_dim = partitions_def.get_partition_key_from_str(key).keys_by_dimension
        by_cell[(by_dim[DATE_DIMENSION], by_dim[INSTRUMENT_DIMENSION])] = str(key)
        dates.add(by_dim[DATE_DIMENSION])
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
            pl.format(INSTRUMENT_KEY_FORMAT, pl.col(market), pl.col(instrument)).alias("_i"),
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
