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
Checks run in every run of their asset (an asset job's selection includes its checks) and in the
daily `data_quality_checks` job. Thresholds: `settings.py` (CCDATA_CHECKS_FILE).
"""

# No `from __future__ import annotations` here: Dagster reads the check functions' annotations
# (context type, resources) at definition time and needs them as real objects.

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from ccdata_assets import clock
from ccdata_assets.checks import (
    consistency,
    fields,
    freshness,
    gaps,
    outliers,
    quarantine,
    sanity,
    schema,
    uniqueness,
)
from ccdata_assets.checks.results import Targets, Verdict, emit, guarded
from ccdata_assets.checks.scope import Scope, scope_for
from ccdata_assets.checks.settings import (
    WINDOW_CHECKS,
    CheckSettings,
    Thresholds,
    check_settings,
    show_duration,
)
from ccdata_assets.datasets.spec import SnapshotSpec, TimeSeriesSpec
from ccdata_assets.warehouse.ddl import load_table
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets.warehouse.warehouse import Session

__all__ = [
    "CheckSettings",
    "CheckSuite",
    "build_checks",
    "check_settings",
    "with_freshness_policies",
]

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN
SWEEP_JOB = "data_quality_checks"

Evaluate = Callable[[Session, Scope, dg.AssetCheckExecutionContext], Verdict]


@dataclass(frozen=True)
class Kind:
    """One check of a time-series data set."""

    name: str
    blocking: bool
    severity: dg.AssetCheckSeverity
    describe: Callable[[TimeSeriesSpec, Thresholds], str]
    evaluate: Evaluate
    applies: Callable[[TimeSeriesSpec, Thresholds], bool] = lambda spec, limits: True


def _window(text: str) -> str:
    return (
        f"{text} Looks at the partitions of the run it is in; a run without partitions looks "
        "at the most recent time windows of every instrument."
    )


TIME_SERIES_KINDS: tuple[Kind, ...] = (
    Kind(
        "freshness",
        False,
        ERROR,
        lambda spec, lim: (
            f"Each instrument's newest stored {spec.interval.label} period closed at most "
            f"{show_duration(lim.freshness)} ago (retired instruments: their last traded period "
            "is stored). Instruments: the run's, or the whole universe."
        ),
        lambda session, scope, _: freshness.check(session, scope),
    ),
    Kind(
        "schema",
        True,
        ERROR,
        lambda spec, _: (
            f"{spec.table} has exactly the columns, types and primary key of "
            f"sql/tables/{spec.table}.sql. Blocking."
        ),
        lambda session, scope, _: schema.check(session, scope.table),
    ),
    Kind(
        "unexpected_api_fields",
        False,
        WARN,
        lambda spec, lim: (
            "The latest materialisation's API records carried no field that no column takes, "
            f"apart from {', '.join(sorted(lim.ignored_api_fields)) or 'none'} (left out on purpose)."
        ),
        lambda _, scope, context: fields.check(
            context.instance, dg.AssetKey(scope.spec.name), scope.limits
        ),
    ),
    Kind(
        "row_sanity",
        False,
        ERROR,
        lambda spec, lim: _window(
            f"Stored rows pass the data set's row rules ({', '.join(r.name for r in spec.rules)}) "
            "and plausible bounds (funding rates, open interest)."
        ),
        lambda session, scope, _: sanity.check(session, scope),
    ),
    Kind(
        "outliers",
        False,
        WARN,
        lambda spec, lim: _window(
            f"No {'/'.join(outliers.outlier_columns(load_table(spec.table), lim.outlier_columns))} "
            f"lies more than {lim.outlier_sigmas:g} robust sigmas from the median of its "
            f"{lim.outlier_neighbours} neighbours on each side."
        ),
        lambda session, scope, _: outliers.check(session, scope),
        lambda spec, lim: bool(
            outliers.outlier_columns(load_table(spec.table), lim.outlier_columns)
        ),
    ),
    Kind(
        "unique_keys",
        True,
        ERROR,
        lambda spec, _: _window(
            f"One row per ({', '.join([spec.time_column, *spec.instrument_columns])}). Blocking."
        ),
        lambda session, scope, _: uniqueness.check(session, scope),
    ),
    Kind(
        "missing_periods",
        False,
        ERROR,
        lambda spec, _: _window(
            f"Every {spec.interval.label} period between each instrument's first trade (last "
            "trade if retired) and the last closed period is stored; periods the API filled "
            "because nothing traded are counted, not failed."
        ),
        lambda session, scope, _: gaps.check(session, scope),
    ),
    Kind(
        "index_consistency",
        False,
        WARN,
        lambda spec, lim: _window(
            f"The busiest exchange's close of each pair is within {lim.index_tolerance:.2%} of "
            f"the {lim.index_market} index close for the same period "
            f"({getattr(consistency.index_table(spec), 'name', '')})."
        ),
        lambda session, scope, _: consistency.check(session, scope),
        lambda spec, _: consistency.index_table(spec) is not None,
    ),
    Kind(
        "quarantine",
        False,
        WARN,
        lambda spec, lim: (
            f"At most {lim.max_unreviewed_quarantine} rows of {spec.name} wait unreviewed in "
            f"{spec.table}_quarantine (set reviewed = 1 once looked at)."
        ),
        lambda session, scope, _: quarantine.check(
            session, scope.table.name, scope.spec.name, scope.limits
        ),
    ),
)
assert {k.name for k in TIME_SERIES_KINDS} >= set(WINDOW_CHECKS)


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
    ) -> Iterator[dg.AssetCheckEvaluation]:
        scope, targets = scope_for(context, spec, limits), Targets(context)
        with warehouse.get().connect() as session:
            for kind in kinds:
                check = specs[kind.name]
                if check.key in context.selected_asset_check_keys:
                    verdict = guarded(lambda k=kind: k.evaluate(session, scope, context))
                    yield from emit(
                        context, targets, check, kind.severity, verdict, scope.window.cells
                    )

    return _checks


SnapshotRun = Callable[[dg.AssetCheckExecutionContext, Session], Verdict]
SnapshotItem = tuple[dg.AssetCheckSpec, dg.AssetCheckSeverity, SnapshotRun]


def _snapshot_op(snapshot: SnapshotSpec, settings: CheckSettings) -> dg.AssetChecksDefinition:
    """Freshness, schema and quarantine of every table a snapshot endpoint fills, in one op."""
    items = [
        item
        for output in snapshot.outputs
        for item in _snapshot_items(output.name, output.table, settings.for_snapshot(output.name))
    ]

    @dg.multi_asset_check(
        name=f"{snapshot.name}_checks", specs=[item[0] for item in items], can_subset=True
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckEvaluation]:
        targets = Targets(context)
        with warehouse.get().connect() as session:
            for check, severity, run in items:
                if check.key in context.selected_asset_check_keys:
                    verdict = guarded(lambda run=run: run(context, session))
                    yield from emit(context, targets, check, severity, verdict)

    return _checks


def _snapshot_items(name: str, table: str, limits: Thresholds) -> list[SnapshotItem]:
    key = dg.AssetKey(name)

    def spec(check: str, blocking: bool, severity: dg.AssetCheckSeverity, about: str):
        return dg.AssetCheckSpec(
            check,
            asset=key,
            description=about,
            blocking=blocking,
            metadata={"severity": severity.value, **limits.as_metadata()},
        )

    fresh = f"{name} was refreshed within the last {show_duration(limits.freshness)}."
    shape = f"{table} has exactly the columns, types and primary key of sql/tables/{table}.sql."
    waiting = (
        f"At most {limits.max_unreviewed_quarantine} rows of {name} wait unreviewed in "
        f"{table}_quarantine (set reviewed = 1 once looked at)."
    )
    return [
        (
            spec("freshness", False, ERROR, fresh),
            ERROR,
            lambda context, _: freshness.snapshot_check(context.instance, key, limits, clock.now()),
        ),
        (
            spec("schema", True, ERROR, f"{shape} Blocking."),
            ERROR,
            lambda _, session: schema.check(session, load_table(table)),
        ),
        (
            spec("quarantine", False, WARN, waiting),
            WARN,
            lambda _, session: quarantine.check(session, table, name, limits),
        ),
    ]


def _names(time_series: Sequence[TimeSeriesSpec], snapshots: Sequence[SnapshotSpec]) -> list[str]:
    return [s.name for s in time_series] + [o.name for s in snapshots for o in s.outputs]
