"""Check outcomes -> Dagster check evaluations: one per run, and one per partition where wanted.

The checks yield `AssetCheckEvaluation`s themselves rather than `AssetCheckResult`s, for two
reasons measured on Dagster 1.13:
- a result of a partitioned check is recorded against the run's single partition key; a run over
  a partition range (every schedule tick and backfill here) gets no partition at all, and its
  planned per-partition checks end up "skipped" in the UI. So checks that report per partition
  yield one evaluation per partition, targeting that partition's latest materialisation (what
  makes the UI count it as current), then the run-level summary;
- turning a result into an evaluation looks up the asset's input version info, about 0.5 s per
  result in a range run (3.4 s of a 4 s check step); two record queries per op do instead.

Cost of per-partition reporting, measured on the SQLite instance storage: about 40 ms of event
bookkeeping per partition, against about 170 ms for the asset's own materialisation events;
hence it is opt-in per check (`CheckSettings.per_partition`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

# private: AssetCheckEvaluation takes target_materialization_data; dagster does not export its type
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)

from ccdata_assets.checks.window import Cell


@dataclass(frozen=True)
class Verdict:
    """What a check found: a one-sentence summary, metadata, and which partitions failed."""

    passed: bool
    summary: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    failed_cells: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # key -> details


class Targets:
    """The materialisations evaluations point at, looked up once per check op."""

    def __init__(self, context: dg.AssetCheckExecutionContext) -> None:
        self.context = context
        self._latest: dict[dg.AssetKey, AssetCheckEvaluationTargetMaterializationData | None] = {}
        self._records: dict[tuple[dg.AssetKey, tuple[str, ...]], dict[str, Any]] = {}

    def latest(
        self, asset_key: dg.AssetKey
    ) -> AssetCheckEvaluationTargetMaterializationData | None:
        """The asset's latest materialisation, any partition (this run's, inside an asset run)."""
        if asset_key not in self._latest:
            records = self.context.instance.fetch_materializations(asset_key, limit=1).records
            self._latest[asset_key] = (
                AssetCheckEvaluationTargetMaterializationData(
                    storage_id=records[0].storage_id,
                    run_id=records[0].run_id,
                    timestamp=records[0].timestamp,
                )
                if records
                else None
            )
        return self._latest[asset_key]

    def partitions(
        self, asset_key: dg.AssetKey, partitions: Sequence[str]
    ) -> dict[str, AssetCheckEvaluationTargetMaterializationData]:
        return {p: _target(r) for p, r in self.records(asset_key, partitions).items()}

    def records(self, asset_key: dg.AssetKey, partitions: Sequence[str]) -> dict[str, Any]:
        """Each partition's latest materialisation record (with its metadata), looked up once
        per op for the same partitions."""
        key = (asset_key, tuple(partitions))
        if key not in self._records:
            self._records[key] = latest_records(self.context.instance, asset_key, partitions)
        return self._records[key]


def emit(
    context: dg.AssetCheckExecutionContext,
    targets: Targets,
    spec: dg.AssetCheckSpec,
    severity: dg.AssetCheckSeverity,
    verdict: Verdict,
    cells: Sequence[Cell] = (),
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    op = context.op_execution_context
    partitioned = spec.partitions_def is not None
    if partitioned and cells and not op.has_partition_key:
        by_partition = targets.partitions(spec.asset_key, [c.key for c in cells])
        for cell in cells:
            failed = verdict.failed_cells.get(cell.key)
            yield dg.AssetCheckEvaluation(
                asset_key=spec.asset_key,
                check_name=spec.name,
                passed=failed is None,
                metadata=dict(failed or {}),
                severity=severity,
                blocking=spec.blocking,
                partition=cell.key,
                target_materialization_data=by_partition.get(cell.key),
            )
    partition = op.partition_key if partitioned and op.has_partition_key else None
    target = (
        targets.partitions(spec.asset_key, [partition]).get(partition)
        if partition
        else targets.latest(spec.asset_key)
    )
    yield dg.AssetCheckEvaluation(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=verdict.passed,
        severity=severity,
        description=verdict.summary,
        metadata={"summary": verdict.summary, **verdict.metadata},
        blocking=spec.blocking,
        partition=partition,
        target_materialization_data=target,
    )
    # The check's (empty) output, as Dagster yields one for an AssetCheckResult: without it every
    # run logs that the op "did not yield or return expected outputs".
    yield dg.Output(None, output_name=op.assets_def.get_output_name_for_asset_check_key(spec.key))


def guarded(evaluate: Callable[[], Verdict]) -> Verdict:
    """Run one check of a multi-check op; an error fails that check alone, with the error as
    its description, so the op's other checks still report."""
    try:
        return evaluate()
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        return Verdict(False, f"The check could not run: {text[:500]}", {"error": text[:2000]})


def _target(record: Any) -> AssetCheckEvaluationTargetMaterializationData:
    return AssetCheckEvaluationTargetMaterializationData(
        storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
    )


def latest_records(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, partitions: Sequence[str]
) -> dict[str, Any]:
    """Each partition's latest materialisation record (`EventLogRecord`), in two queries."""
    ids = instance.event_log_storage.get_latest_storage_id_by_partition(
        asset_key, dg.DagsterEventType.ASSET_MATERIALIZATION, set(partitions)
    )
    if not ids:
        return {}
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset_key, storage_ids=list(ids.values())), limit=len(ids)
    ).records
    by_id = {r.storage_id: r for r in records}
    return {
        partition: by_id[storage_id] for partition, storage_id in ids.items() if storage_id in by_id
    }


def sample(rows: Sequence[Mapping[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first `limit` rows, JSON-ready (datetimes as ISO text)."""
    return [{k: _plain(v) for k, v in row.items()} for row in rows[:limit]]


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 10)
    return value
