"""What an asset returns to stream rows into the warehouse as they are fetched.

An asset returns a `BatchStream` instead of one big frame so the IO manager can write each batch
while the next is still being fetched, and memory holds one batch, not the whole range.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from ccdata_assets.warehouse.ddl import TableDef


@dataclass(frozen=True)
class Batch:
    """Clean rows for the asset's table, and rows that failed validation.

    `quarantined` needs a `reason` column; its other columns are the offending record, stored as
    JSON in `raw_json` unless the frame already has one. `partition_key` and `data_set` are
    optional columns.
    """

    rows: pl.DataFrame
    quarantined: pl.DataFrame | None = None


@dataclass(frozen=True)
class AfterWrites:
    """A point in a `BatchStream`: `action` runs once every batch before it is in the warehouse
    (the IO manager writes one batch while it takes the next from the stream)."""

    action: Callable[[], None]


def coalesce(
    batches: Iterable[Batch],
    rows: int,
    *,
    waiting: Callable[[], bool] | None = None,
    at_least: int = 0,
) -> Iterator[Batch]:
    """The same rows in batches of at least `rows` clean rows (the last may hold fewer), in order.

    Every write costs a few round trips and a frame conversion whatever its size: pages of
    2000 rows written one by one spent more on that than on the rows. With `waiting` (whether
    the next batch has already arrived), a batch of `at_least` rows is given out as soon as
    nothing more is waiting, so the writer starts on what it has instead of idling for a full
    batch. Memory holds one batch. Batches that arrived before the source fails are still given
    out, then the failure raises.
    """
    held: list[Batch] = []
    count = 0
    try:
        for batch in batches:
            held.append(batch)
            count += batch.rows.height
            if count >= rows or (waiting is not None and count >= at_least and not waiting()):
                yield _merged(held)
                held, count = [], 0
    except Exception:
        if held:  # what arrived before the failure is still written (then the failure raised)
            yield _merged(held)
        raise
    if held:
        yield _merged(held)


def _merged(held: list[Batch]) -> Batch:
    if len(held) == 1:
        return held[0]
    quarantined = [b.quarantined for b in held if b.quarantined is not None]
    return Batch(
        pl.concat([b.rows for b in held]),
        pl.concat(quarantined, how="diagonal_relaxed") if quarantined else None,
    )


class BatchStream:
    """A single-use iterable of `Batch` (and `AfterWrites` points); `metadata()` is read after it
    has been consumed."""

    def __init__(
        self,
        batches: Iterable[Batch | AfterWrites],
        metadata: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        self._batches = batches
        self._metadata = metadata
        self._consumed = False

    def __iter__(self) -> Iterator[Batch | AfterWrites]:
        if self._consumed:
            raise RuntimeError("A BatchStream can be consumed only once.")
        self._consumed = True
        return iter(self._batches)

    def metadata(self) -> dict[str, Any]:
        return dict(self._metadata()) if self._metadata else {}


def quarantine_rows(quarantined: pl.DataFrame, table: TableDef) -> pl.DataFrame:
    """Rows for `<table>_quarantine`, keyed by sha256(data_set, raw_json) so re-runs are no-ops.

    Columns of the quarantine table are kept as given; any other columns are the record itself
    and become `raw_json` when the frame has none. `data_set` defaults to the table name.
    """
    if "reason" not in quarantined.columns:
        raise ValueError("Quarantined rows need a 'reason' column saying why they failed.")
    columns = table.quarantine.column_names
    frame = quarantined
    if "raw_json" not in frame.columns:
        record = [c for c in frame.columns if c not in columns]
        frame = frame.with_columns(pl.struct(record).struct.json_encode().alias("raw_json"))
    if "data_set" not in frame.columns:
        frame = frame.with_columns(pl.lit(table.name).alias("data_set"))
    frame = frame.with_columns(
        pl.concat_str("data_set", pl.lit("\0"), "raw_json")
        .map_elements(lambda s: hashlib.sha256(s.encode()).hexdigest(), return_dtype=pl.String)
        .alias("row_hash")
    )
    return frame.select(c for c in columns if c in frame.columns)
