"""What is checked, once per kind: name, blocking, severity, a description built from the
thresholds, and the function that judges it. The factory (`__init__.py`) turns these into
Dagster checks for every data set they apply to."""

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg

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
from ccdata_assets.checks.results import Verdict
from ccdata_assets.checks.scope import Scope
from ccdata_assets.checks.settings import WINDOW_CHECKS, Thresholds, show_duration
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.warehouse import Session

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN

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
            f"{spec.table.name} has exactly the columns, types and primary key of "
            f"sql/tables/{spec.table.name}.sql. Blocking."
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
            f"No {'/'.join(outliers.outlier_columns(spec.table, lim.outlier_columns))} "
            f"lies more than {lim.outlier_sigmas:g} robust sigmas from the median of its "
            f"{lim.outlier_neighbours} neighbours on each side."
        ),
        lambda session, scope, _: outliers.check(session, scope),
        lambda spec, lim: bool(outliers.outlier_columns(spec.table, lim.outlier_columns)),
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
            f"{spec.table.quarantine.name} (set reviewed = 1 once looked at)."
        ),
        lambda session, scope, _: quarantine.check(
            session, scope.table, scope.spec.name, scope.limits
        ),
    ),
)
assert {k.name for k in TIME_SERIES_KINDS} >= set(WINDOW_CHECKS)


SnapshotRun = Callable[[dg.AssetCheckExecutionContext, Session], Verdict]
SnapshotItem = tuple[dg.AssetCheckSpec, dg.AssetCheckSeverity, SnapshotRun]


def snapshot_items(name: str, table: TableDef, limits: Thresholds) -> list[SnapshotItem]:
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
    shape = (
        f"{table.name} has exactly the columns, types and primary key of "
        f"sql/tables/{table.name}.sql."
    )
    waiting = (
        f"At most {limits.max_unreviewed_quarantine} rows of {name} wait unreviewed in "
        f"{table.quarantine.name} (set reviewed = 1 once looked at)."
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
            lambda _, session: schema.check(session, table),
        ),
        (
            spec("quarantine", False, WARN, waiting),
            WARN,
            lambda _, session: quarantine.check(session, table, name, limits),
        ),
    ]
