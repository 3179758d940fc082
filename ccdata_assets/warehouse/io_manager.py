"""`WarehouseIOManager`: assets upsert into, and load polars frames from, warehouse tables.

Contract with the asset definitions (definition metadata of each asset):
- `ccdata/table`: the name of the table of a data set in the catalog (`table_metadata`).
- `ccdata/time_column` (time-partitioned assets): the DATETIME column the time dimension filters.
- `ccdata/instrument_columns` (instrument-partitioned assets): two columns; an instrument key
  "<market>:<instrument>" is parsed into them (`partitions.InstrumentKey`).
Multi-partition dimensions are those of `partitions.py`. Outputs are upserted whatever
partitions the run spans (a range of dates x instruments included), so `handle_output` never
looks at partition keys; `load_input` reads exactly the upstream partitions the input maps to.
A run tagged `ccdata/dry_run=true` reads through a read-only session; its assets yield no output
(they observe, `dry_run.py`), and an output that reaches `handle_output` anyway is refused before
anything is written or materialised.

Definition metadata holds text, not objects, so it also carries the table's DDL
(`ccdata/table_ddl`, the SingleStore text the catalog resolved once) and the IO manager parses that
back into the `TableDef` (`_table`): it looks no table up by name, so a code location built with
any data sets (`definitions.build_definitions(time_series=...)`) writes each to its own table, and
the definition in the UI shows the table's DDL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache
from typing import Any

import polars as pl
from dagster import (
    ConfigurableIOManager,
    DagsterInvariantViolationError,
    InputContext,
    MultiPartitionsDefinition,
    OutputContext,
    PartitionsDefinition,
    TableColumn,
    TableSchema,
    TimeWindowPartitionsDefinition,
    partition_loading_context,
)

from ccdata_assets.partitions import (
    DATE_DIMENSION,
    INSTRUMENT_DIMENSION,
    InstrumentKey,
    time_dimension,
)
from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.batches import AfterWrites, Batch, BatchStream, quarantine_rows
from ccdata_assets.warehouse.ddl import TableDef, parse_table
from ccdata_assets.warehouse.dialects import Dialect
from ccdata_assets.warehouse.dry_run import DRY_RUN_TAG, is_dry_run
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets.warehouse.warehouse import Session

TABLE_KEY = "ccdata/table"
TABLE_DDL_KEY = "ccdata/table_ddl"
TIME_COLUMN_KEY = "ccdata/time_column"
INSTRUMENT_COLUMNS_KEY = "ccdata/instrument_columns"


def table_metadata(table: TableDef) -> dict[str, Any]:
    """Definition metadata for an asset stored in `table`."""
    return {
        TABLE_KEY: table.name,
        TABLE_DDL_KEY: table.sql,
        "dagster/column_schema": column_schema(table),
    }


class WarehouseIOManager(ConfigurableIOManager):
    """Upserts asset outputs into their warehouse table; loads inputs back as polars frames."""

    warehouse: WarehouseResource

    @classmethod
    def from_env(cls) -> WarehouseIOManager:
        return cls(warehouse=WarehouseResource.from_env())

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        table = _table(context.definition_metadata, context)
        if isinstance(obj, pl.DataFrame):
            batches: Iterable[Batch] = [Batch(obj)]
        elif isinstance(obj, BatchStream):
            batches = obj
        else:
            raise TypeError(
                f"{TABLE_KEY} assets must return a polars DataFrame or a BatchStream, "
                f"got {type(obj).__name__}."
            )
        if _dry_run(context):
            raise RuntimeError(
                f"{context.asset_key.to_user_string()} yielded an output in a dry run "
                f"({DRY_RUN_TAG}=true); a dry run writes and materialises nothing, so its asset "
                "must observe its batches (ccdata_assets.warehouse.dry_run.observe) instead."
            )
        warehouse = self.warehouse.get()
        with warehouse.connect() as session:
            session.claim_source()  # before the first API call, not after the fetch
            session.ensure_table(table)
            with BackgroundWrites(session, table) as writes:
                for item in batches:  # each batch is written as it arrives
                    if isinstance(item, AfterWrites):
                        writes.wait()
                        item.action()
                    else:
                        writes.submit(item)
        written, quarantined = writes.rows, writes.quarantined
        # One run may cover many partitions and every partition's materialisation carries this
        # metadata, so there the counts are named as the run's (`_in_run`; the asset gives each
        # partition its own `rows_written`), and the column schema stays on the definition.
        run = "_in_run" if context.has_asset_partitions else ""
        metadata: dict[str, Any] = {
            f"rows_written{run}": written,
            f"rows_quarantined{run}": quarantined,
        }
        if isinstance(obj, BatchStream):
            metadata.update(obj.metadata())
        metadata["dagster/table_name"] = f"{warehouse.database}.{table.name}"  # Dagster's key
        context.add_output_metadata(metadata)

    def load_input(self, context: InputContext) -> pl.DataFrame:
        upstream = context.upstream_output
        if upstream is None:
            raise ConfigError("WarehouseIOManager loads only inputs that come from an asset.")
        metadata = upstream.definition_metadata
        table = _table(metadata, context)
        with self.warehouse.get().connect(read_only=_dry_run(context)) as session:
            if not context.has_asset_partitions:
                return session.read(table)
            with partition_loading_context(dynamic_partitions_store=context.instance):
                keys = list(context.asset_partition_keys)
                reads = _partition_reads(context.asset_partitions_def, keys, metadata, table)
            frames = [session.read(table, **read) for read in reads]
        return pl.concat(frames) if frames else pl.DataFrame(schema=table.polars_schema())


def column_schema(table: TableDef) -> TableSchema:
    return TableSchema(
        columns=[
            TableColumn(
                name=c.name,
                type=c.sql_type,
                description="primary key" if c.name in table.primary_key else None,
            )
            for c in table.columns
        ]
    )


def _table(metadata: Mapping[str, Any], context: InputContext | OutputContext) -> TableDef:
    name, ddl = metadata.get(TABLE_KEY), metadata.get(TABLE_DDL_KEY)
    if not isinstance(name, str) or not isinstance(ddl, str):
        raise ConfigError(
            f"{context.asset_key.to_user_string()} needs {TABLE_KEY} and {TABLE_DDL_KEY} "
            "metadata (table_metadata)."
        )
    table = _parse(ddl, name)
    if table.name != name:
        raise ConfigError(f"{TABLE_KEY} says {name!r} but {TABLE_DDL_KEY} creates {table.name!r}.")
    return table


@cache
def _parse(ddl: str, name: str) -> TableDef:
    return parse_table(ddl, f"{TABLE_DDL_KEY} of {name}")


def _dry_run(context: InputContext | OutputContext) -> bool:
    """Whether the context's run is tagged as a dry run (no run, as in unit tests: no)."""
    try:
        tags = context.step_context.run_tags
    except DagsterInvariantViolationError:
        return False
    return is_dry_run(tags)


class BackgroundWrites:
    """Batches written in order in a worker thread, one at a time, while the stream makes the
    next one (fetching, parsing and merging pages overlap the server's work instead of waiting
    for it). A failed write raises at the next `submit` or `wait`; a failure of the stream
    lets the write in flight finish first. SQLite connections stay in the thread that opened
    them, so the embedded file is written in place."""

    def __init__(self, session: Session, table: TableDef) -> None:
        self._session, self._table = session, table
        threaded = session.dialect is not Dialect.SQLITE
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ccdata-write") if threaded else None
        self._pending: Future[None] | None = None
        self.rows = self.quarantined = 0

    def submit(self, batch: Batch) -> None:
        self.wait()
        if self._pool is None:
            self._write(batch)
        else:
            self._pending = self._pool.submit(self._write, batch)

    def wait(self) -> None:
        """Until every submitted batch is written (re-raising a write's failure)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _write(self, batch: Batch) -> None:
        self.rows += self._session.upsert(self._table, batch.rows)
        self.quarantined += _quarantine(self._session, self._table, batch)

    def __enter__(self) -> BackgroundWrites:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        try:
            if error is None:
                self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)  # the write in flight ends before anything else


def _quarantine(session: Session, table: TableDef, batch: Batch) -> int:
    if batch.quarantined is None or batch.quarantined.is_empty():
        return 0
    return session.upsert(table.quarantine, quarantine_rows(batch.quarantined, table))


def _partition_reads(
    partitions_def: PartitionsDefinition,
    keys: Sequence[str],
    metadata: Mapping[str, Any],
    table: TableDef,
) -> list[dict[str, Any]]:
    """`read` filters covering exactly `keys`: instruments grouped by their set of dates, and each
    group's dates merged into contiguous windows (one read for a plain range)."""
    time_def, dates_by_instrument = _split_keys(partitions_def, keys)
    groups: dict[frozenset[str], list[str | None]] = defaultdict(list)
    for instrument, dates in dates_by_instrument.items():
        groups[frozenset(dates)].append(instrument)
    reads = []
    for dates, instruments in groups.items():
        filters: dict[str, Any] = {}
        if instruments != [None]:
            filters["equals"] = _instrument_filter(metadata, table, instruments)
        if time_def is None:
            reads.append(filters)
            continue
        time_column = metadata.get(TIME_COLUMN_KEY)
        if not isinstance(time_column, str):
            raise ConfigError(f"Time-partitioned {table.name} needs {TIME_COLUMN_KEY} metadata.")
        for start, end in _windows(time_def, dates):
            reads.append({**filters, "time_column": time_column, "start": start, "end": end})
    return reads


def _split_keys(
    partitions_def: PartitionsDefinition, keys: Sequence[str]
) -> tuple[TimeWindowPartitionsDefinition | None, dict[str | None, set[str | None]]]:
    """The time dimension (if any) and, per instrument key (None if none), its date keys."""
    dates_by_instrument: dict[str | None, set[str | None]] = defaultdict(set)
    if isinstance(partitions_def, MultiPartitionsDefinition):
        time_def = time_dimension(partitions_def)
        for key in keys:
            by_dim = partitions_def.get_partition_key_from_str(key).keys_by_dimension
            dates_by_instrument[by_dim[INSTRUMENT_DIMENSION]].add(by_dim[DATE_DIMENSION])
        return time_def, dates_by_instrument
    if isinstance(partitions_def, TimeWindowPartitionsDefinition):
        dates_by_instrument[None].update(keys)
        return partitions_def, dates_by_instrument
    for key in keys:  # static or dynamic instrument keys only
        dates_by_instrument[key].add(None)
    return None, dates_by_instrument


def _instrument_filter(
    metadata: Mapping[str, Any], table: TableDef, instruments: Sequence[str | None]
) -> dict[str, list[str]]:
    columns = metadata.get(INSTRUMENT_COLUMNS_KEY)
    if not isinstance(columns, Sequence) or isinstance(columns, str) or len(columns) != 2:
        raise ConfigError(
            f"Instrument-partitioned {table.name} needs {INSTRUMENT_COLUMNS_KEY} metadata: "
            "two column names such as ['exchange', 'symbol']."
        )
    keys = [InstrumentKey.parse(key or "") for key in instruments]
    return {columns[0]: [k.market for k in keys], columns[1]: [k.instrument for k in keys]}


def _windows(
    time_def: TimeWindowPartitionsDefinition, dates: Iterable[str | None]
) -> list[tuple[datetime, datetime]]:
    spans = sorted(
        (_utc(w.start), _utc(w.end))
        for w in (time_def.time_window_for_partition_key(d) for d in dates if d is not None)
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)
