"""Everything one time-series check execution needs to know, gathered once per execution."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dagster as dg

from ccdata_assets import clock
from ccdata_assets.checks.settings import Thresholds
from ccdata_assets.checks.window import CheckWindow, cells_for_keys, recent_cells
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.warehouse.ddl import TableDef

AS_OF_KEY = "as_of"  # the asset's clock reading, in its materialisation metadata
RUN_KEY = "*"  # `Scope.streamed` key of the run's totals (no partition key has this form)


@dataclass(frozen=True)
class Scope:
    spec: TimeSeriesSpec
    table: TableDef
    limits: Thresholds
    window: CheckWindow
    now: datetime  # the platform clock (aware, UTC)
    until: datetime  # periods closed by then are expected (see `scope_for`)
    # Figures this run's asset computed while streaming (`streamed.py`): by partition key, or
    # the run's totals under RUN_KEY; `covered` are the window's partitions they account for.
    streamed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    covered: frozenset[str] = frozenset()

    def streamed_cells(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(key, figures): the run's totals, or each covered partition's, in window order."""
        if RUN_KEY in self.streamed:
            yield RUN_KEY, self.streamed[RUN_KEY]
        for c in self.window.cells:
            if c.key in self.streamed:
                yield c.key, self.streamed[c.key]

    def streamed_count(self) -> int:
        """How many of the window's partitions were judged from streamed figures."""
        return len(self.covered)

    def unstreamed(self) -> CheckWindow:
        """The window's partitions without streamed figures: read from the table."""
        return self.window.without(self.covered)


def scope_for(
    context: dg.AssetCheckExecutionContext, spec: TimeSeriesSpec, limits: Thresholds
) -> Scope:
    """In an asset run, periods closed by the asset's own clock reading are expected; elsewhere
    (the sweep) those closed a freshness threshold ago, since newer ones are the schedules' to
    fetch and the freshness check's to judge."""
    now = clock.now()
    op = context.op_execution_context
    if op.has_partition_key or op.has_partition_key_range:
        window = CheckWindow(cells_for_keys(spec, op.partition_keys), recent=False)
    else:
        instruments = context.instance.get_dynamic_partitions(spec.universe.partitions_name)
        window = CheckWindow(recent_cells(spec, instruments, now, limits.recent_windows), True)
    return Scope(
        spec=spec,
        table=spec.table,
        limits=limits,
        window=window,
        now=now,
        until=run_as_of(context, dg.AssetKey(spec.name)) or now - limits.freshness,
    )


def run_as_of(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey) -> datetime | None:
    """The clock reading the asset planned this run's requests with, if it ran in this run.

    A check that ran later than its asset must not expect the periods that closed in between.
    """
    records = context.instance.fetch_materializations(asset_key, limit=1).records
    if not records or records[0].run_id != context.run.run_id:
        return None
    value = records[0].asset_materialization.metadata.get(AS_OF_KEY)
    text = getattr(value, "value", None)
    return datetime.fromisoformat(text) if isinstance(text, str) else None
