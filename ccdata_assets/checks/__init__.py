"""Asset checks generated from the data-set catalog, never written per table.

Per time-series data set (asset `spot_ohlcv_1h`, ...):

| check                 | blocking | severity | looks at                                          |
|-----------------------|----------|----------|---------------------------------------------------|
| freshness             | no       | ERROR    | newest stored period per instrument vs now        |
| schema                | yes      | ERROR    | stored columns, types, primary key vs sql/tables  |
| unexpected_api_fields | no       | WARN     | API fields no column takes (latest materialisation)|
| row_sanity            | no       | ERROR    | the spec's row rules + plausible bounds, stored   |
| outliers              | no       | WARN     | closes k robust sigmas from their neighbours      |
| unique_keys           | yes      | ERROR    | duplicate (time, market, instrument) rows         |
| missing_periods       | no       | ERROR    | expected but missing periods; filled ones counted |
| index_consistency     | no       | WARN     | busiest-exchange close vs CADLI close (spot only) |
| quarantine            | no       | WARN     | unreviewed quarantined rows of the data set       |

Per snapshot table: freshness (latest materialisation), schema, quarantine.

Window: checks that read rows look at the partitions of the run they are in; a run without
partitions (the daily sweep, "Execute checks" in the UI) takes the recent windows (`window.py`).
In an asset run, row_sanity, outliers and missing_periods judge the run's partitions from figures
the asset computed while its batches streamed to the warehouse (`streamed.py`), not by reading
the written rows back.
Checks run in every run of their asset (an asset job's selection includes its checks) and in the
daily `data_quality_checks` job. What each check is: `kinds.py`; thresholds: `settings.py`
(CCDATA_CHECKS_FILE).

Dry runs (run tag `ccdata/dry_run=true`) skip every check: the run wrote nothing, so the checks
would only re-judge stored rows (and raise alerts about them), and reading a table must not
create it. In an asset's own dry run Dagster already skips its checks' steps (the asset yields no
output, see `warehouse/dry_run.py`); the guard below covers a dry run of checks alone (the daily
sweep job). The UI shows the checks as not executed in such a run.
"""

# No `from __future__ import annotations` here: Dagster reads the check functions' annotations
# (context type, resources) at definition time and needs them as real objects.

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import dagster as dg

# private: define_asset_job returns this type; dagster 1.13 does not export it
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from ccdata_assets.checks.kinds import TIME_SERIES_KINDS, Kind, snapshot_items
from ccdata_assets.checks.results import Targets, emit, guarded
from ccdata_assets.checks.scope import scope_for
from ccdata_assets.checks.settings import CheckSettings, Thresholds, check_settings
from ccdata_assets.checks.streamed import STREAM_JUDGED, run_figures
from ccdata_assets.datasets.spec import SnapshotSpec, TimeSeriesSpec
from ccdata_assets.warehouse.dry_run import DRY_RUN_TAG, is_dry_run
from ccdata_assets.warehouse.resource import WarehouseResource

__all__ = [
    "CheckSettings",
    "CheckSuite",
    "build_checks",
    "check_settings",
    "with_freshness_policies",
]

SWEEP_JOB = "data_quality_checks"


@dataclass(frozen=True)
class CheckSuite:
    checks: list[dg.AssetChecksDefinition]
    job: UnresolvedAssetJobDefinition  # every check, no partitions: the recent windows
    schedule: dg.ScheduleDefinition


def build_checks(
    time_series: Sequence[TimeSeriesSpec],
    snapshots: Sequence[SnapshotSpec],
    assets: Sequence[dg.AssetsDefinition],
    settings: CheckSettings | None = None,
) -> CheckSuite:
    """Every check of every data set, the daily sweep job over all of them and its schedule.

    `assets` are the data sets' asset definitions (their partitions are the checks' partitions).
    """
    settings = settings or check_settings(data_sets=_names(time_series, snapshots))
    by_key = {key: asset for asset in assets for key in asset.keys}
    checks = []
    for spec in time_series:
        limits = settings.for_time_series(spec)
        asset = by_key[dg.AssetKey(spec.name)]
        kinds = [kind for kind in TIME_SERIES_KINDS if kind.applies(spec, limits)]
        together = [kind for kind in kinds if kind.name not in settings.per_partition]
        checks.append(_series_op(spec, together, limits, None, f"{spec.name}_checks"))
        for kind in kinds:
            if kind not in together:
                op = f"{spec.name}_{kind.name}"
                checks.append(_series_op(spec, [kind], limits, asset.partitions_def, op))
    checks += [_snapshot_op(snapshot, settings) for snapshot in snapshots]
    job = dg.define_asset_job(
        SWEEP_JOB,
        selection=dg.AssetSelection.checks(*checks),
        executor_def=dg.in_process_executor,  # many short read-only steps: no process each
        description=(
            "Every data-quality check of every data set, without fetching anything: tables as "
            "stored, rows of the most recent time windows."
        ),
    )
    schedule = dg.ScheduleDefinition(
        name=f"{SWEEP_JOB}_schedule",
        cron_schedule=settings.sweep_cron,
        job=job,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Runs every check daily, so staleness shows even when nothing materialises.",
    )
    return CheckSuite(checks=checks, job=job, schedule=schedule)


def with_freshness_policies(
    assets: Sequence[dg.AssetsDefinition],
    time_series: Sequence[TimeSeriesSpec],
    settings: CheckSettings | None = None,
) -> list[dg.AssetsDefinition]:
    """Attach Dagster's asset-level FreshnessPolicy (time since the asset last materialised,
    any partition) with the data set's freshness threshold, for the UI's freshness status; the
    `freshness` checks judge each instrument's newest period, which this policy cannot."""
    settings = settings or check_settings()
    series = {spec.name: spec for spec in time_series}

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        name = spec.key.to_user_string()
        limits = (
            settings.for_time_series(series[name])
            if name in series
            else settings.for_snapshot(name)
        )
        return spec.replace_attributes(
            freshness_policy=dg.FreshnessPolicy.time_window(fail_window=limits.freshness)
        )

    return list(dg.map_asset_specs(attach, assets))


def _series_op(
    spec: TimeSeriesSpec,
    kinds: Sequence[Kind],
    limits: Thresholds,
    partitions_def: dg.PartitionsDefinition | None,
    name: str,
) -> dg.AssetChecksDefinition:
    """One op evaluating `kinds` of one data set: one step, one warehouse connection, one scope
    (each Dagster step costs about 0.3 s, which nine steps per asset run would multiply)."""
    key = dg.AssetKey(spec.name)
    specs = {
        kind.name: dg.AssetCheckSpec(
            kind.name,
            asset=key,
            description=kind.describe(spec, limits),
            blocking=kind.blocking,
            partitions_def=partitions_def,
            metadata={"severity": kind.severity.value, **limits.as_metadata()},
        )
        for kind in kinds
    }

    @dg.multi_asset_check(name=name, specs=list(specs.values()), can_subset=True)
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
        if _skipped_as_dry_run(context):
            return
        scope, targets = scope_for(context, spec, limits), Targets(context)
        names = {k.name for k in kinds}
        if names & STREAM_JUDGED:
            # each partition's figures where the op reports per partition or needs each's
            # written periods (missing_periods); the run's totals otherwise
            per_partition = partitions_def is not None or "missing_periods" in names
            scope = run_figures(context, targets, scope, per_partition)
        with warehouse.get().connect() as session:
            for kind in kinds:
                check = specs[kind.name]
                if check.key in context.selected_asset_check_keys:
                    verdict = guarded(lambda k=kind: k.evaluate(session, scope, context))
                    yield from emit(
                        context, targets, check, kind.severity, verdict, scope.window.cells
                    )

    return _checks


def _snapshot_op(snapshot: SnapshotSpec, settings: CheckSettings) -> dg.AssetChecksDefinition:
    """Freshness, schema and quarantine of every table a snapshot endpoint fills, in one op."""
    items = [
        item
        for output in snapshot.outputs
        for item in snapshot_items(output.name, output.table, settings.for_snapshot(output.name))
    ]

    @dg.multi_asset_check(
        name=f"{snapshot.name}_checks", specs=[item[0] for item in items], can_subset=True
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
        if _skipped_as_dry_run(context):
            return
        targets = Targets(context)
        with warehouse.get().connect() as session:
            for check, severity, run in items:
                if check.key in context.selected_asset_check_keys:
                    verdict = guarded(lambda run=run: run(context, session))
                    yield from emit(context, targets, check, severity, verdict)

    return _checks


def _skipped_as_dry_run(context: dg.AssetCheckExecutionContext) -> bool:
    if not is_dry_run(context.run.tags):
        return False
    context.log.info(
        f"Dry run ({DRY_RUN_TAG}=true): nothing was written, so these checks are skipped."
    )
    return True


def _names(time_series: Sequence[TimeSeriesSpec], snapshots: Sequence[SnapshotSpec]) -> list[str]:
    return [s.name for s in time_series] + [o.name for s in snapshots for o in s.outputs]
