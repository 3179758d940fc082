"""Checks failing now, per data set and severity: those whose latest finished evaluation failed.

Every run records one run-level evaluation per check (no partition) that fails when any
partition failed, so the latest run-level record per check is the check's state; one query
(`get_latest_asset_check_execution_by_key`) answers it for every check. A check still in progress
(PLANNED) is judged by its latest finished evaluation instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import dagster as dg

# private: event_log_storage's check-history calls take it; no public API reads check history
from dagster._core.event_api import PartitionKeyFilter

# private: the types those calls return; dagster does not export them
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

from ccdata_assets.alerts.checks import severity_of

RUN_LEVEL = PartitionKeyFilter(key=None)
FINISHED = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
SEVERITIES = tuple(s.value for s in dg.AssetCheckSeverity)


def failing_checks(
    instance: dg.DagsterInstance, keys: Iterable[dg.AssetCheckKey]
) -> Counter[tuple[str, str]]:
    """(data set, severity) -> number of checks whose latest finished evaluation failed."""
    storage = instance.event_log_storage
    keys = list(keys)
    latest = storage.get_latest_asset_check_execution_by_key(keys, partition_filter=RUN_LEVEL)
    failing: Counter[tuple[str, str]] = Counter()
    for key in keys:
        record: AssetCheckExecutionRecord | None = latest.get(key)
        if record is not None and record.status not in FINISHED:
            history = storage.get_asset_check_execution_history(
                key, limit=1, status=FINISHED, partition_filter=RUN_LEVEL
            )
            record = history[0] if history else None
        if record is not None and record.status is AssetCheckExecutionRecordStatus.FAILED:
            failing[(key.asset_key.to_user_string(), severity_of(record))] += 1
    return failing
