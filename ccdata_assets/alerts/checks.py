"""Check evaluations -> failure and recovery alerts, judged per (check, partition) state.

Open-source Dagster has no alert for a failed asset check, so this reads the instance's check
execution history (`get_asset_check_execution_history`, newest first, paged by id). Each tick
looks only at evaluations newer than the cursor, takes the latest result per partition, and
compares it with what the cursor remembers:

- passing (or unknown) -> failed: one alert; WARN -> ERROR: one more (an escalation);
- failed -> failed again: nothing (the failure is already announced, one alert per failure);
- failed -> passed: one recovery alert.

Alerts are grouped by (check, run, severity): a run that evaluates a check over 9 000 partitions
gives one alert naming how many failed and the first few, never 9 000 messages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import dagster as dg

# private: the types event_log_storage returns; no public API reads check evaluation history
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

from ccdata_assets.alerts.model import (
    CHECK_FAILED,
    CHECK_RECOVERED,
    Alert,
    partition_sample,
    run_link,
)
from ccdata_assets.alerts.state import AlertState

PAGE = 500
MAX_RECORDS_PER_CHECK = 20_000  # per tick; older unread evaluations are superseded anyway
MAX_DETAILS = 8
PLANNED = AssetCheckExecutionRecordStatus.PLANNED
FAILED = AssetCheckExecutionRecordStatus.FAILED


def unread_records(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, seen: int, limit: int
) -> list[AssetCheckExecutionRecord]:
    """Evaluations with id > seen, newest first."""
    storage = instance.event_log_storage
    records: list[AssetCheckExecutionRecord] = []
    cursor = None
    while len(records) < limit:
        page = storage.get_asset_check_execution_history(key, limit=PAGE, cursor=cursor)
        fresh = [r for r in page if r.id > seen]
        records += fresh
        if len(fresh) < len(page) or len(page) < PAGE:
            break
        cursor = page[-1].id
    return records[:limit]


def finished_runs(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> set[str]:
    """Runs that ended (or no longer exist): their still-PLANNED checks will never report."""
    wanted = set(run_ids)
    if not wanted:
        return set()
    records = instance.get_run_records(filters=dg.RunsFilter(run_ids=list(wanted)))
    running = {r.dagster_run.run_id for r in records if not r.dagster_run.is_finished}
    return wanted - running


def severity_of(record: AssetCheckExecutionRecord) -> str:
    evaluation = record.event.asset_check_evaluation if record.event else None
    return evaluation.severity.value if evaluation else dg.AssetCheckSeverity.ERROR.value


def describe(record: AssetCheckExecutionRecord) -> tuple[str, dict[str, str]]:
    """The evaluation's description and a short text excerpt of its metadata."""
    evaluation = record.event.asset_check_evaluation if record.event else None
    if evaluation is None:
        return "", {}
    details = {}
    for name, value in list(evaluation.metadata.items())[:MAX_DETAILS]:
        text = str(getattr(value, "value", value))
        details[name] = text if len(text) <= 200 else text[:197] + "..."
    return evaluation.description or "", details


def check_alerts(
    instance: dg.DagsterInstance,
    check_keys: Iterable[dg.AssetCheckKey],
    state: AlertState,
    dagster_url: str,
    max_records: int = MAX_RECORDS_PER_CHECK,
) -> list[Alert]:
    """Alerts for state changes since the cursor; updates `state` in place."""
    alerts: list[Alert] = []
    keys = {key.to_user_string(): key for key in check_keys}
    for name in sorted(set(state.check_seen) | set(state.failing)):
        if name not in keys:  # the check was removed from the code location
            state.check_seen.pop(name, None)
            state.failing.pop(name, None)
    # One query says which checks have anything newer than the cursor; only those are read.
    newest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(keys.values()))
    for name, key in sorted(keys.items()):
        seen = state.check_seen.get(name, 0)
        if key not in newest or newest[key].id <= seen:
            continue
        records = unread_records(instance, key, seen, max_records)
        if not records:
            continue
        planned = [r for r in records if r.status is PLANNED]
        done = finished_runs(instance, (r.run_id for r in planned))
        waiting = [r.id for r in planned if r.run_id not in done]
        # Stay below an evaluation still in progress: its row is updated in place when it ends.
        state.check_seen[name] = min(waiting) - 1 if waiting else max(r.id for r in records)
        latest: dict[str, AssetCheckExecutionRecord] = {}
        for record in records:  # newest first
            if record.status is not PLANNED:
                latest.setdefault(record.partition or "", record)
        alerts += _transitions(key, latest, state, dagster_url)
    return alerts


def _transitions(
    key: dg.AssetCheckKey,
    latest: dict[str, AssetCheckExecutionRecord],
    state: AlertState,
    dagster_url: str,
) -> list[Alert]:
    name = key.to_user_string()
    failing = state.failing.setdefault(name, {})
    failed: dict[tuple[str, str], list[AssetCheckExecutionRecord]] = defaultdict(list)
    recovered: dict[str, list[AssetCheckExecutionRecord]] = defaultdict(list)
    for partition, record in latest.items():
        before = failing.get(partition)
        if record.status is FAILED:
            severity = severity_of(record)
            if before is None or (before == "WARN" and severity == "ERROR"):
                failed[(record.run_id, severity)].append(record)
            failing[partition] = severity
        elif before is not None:
            del failing[partition]
            recovered[record.run_id].append(record)
    if not failing:
        del state.failing[name]
    alerts = [
        _alert(key, CHECK_FAILED, severity, run_id, group, dagster_url)
        for (run_id, severity), group in sorted(failed.items())
    ]
    for run_id, group in sorted(recovered.items()):
        if failing and not any(r.partition for r in group):
            # A run-level result passed while some partitions still fail: not a recovery yet;
            # the last of those partitions to pass announces it.
            continue
        alerts.append(_alert(key, CHECK_RECOVERED, "OK", run_id, group, dagster_url, failing))
    return alerts


def _alert(
    key: dg.AssetCheckKey,
    kind: str,
    severity: str,
    run_id: str,
    group: Sequence[AssetCheckExecutionRecord],
    dagster_url: str,
    still_failing: dict[str, str] | None = None,
) -> Alert:
    """One alert for a run's records of one check: its partitions listed, its description
    taken from the run-level result when the check also reports one (a range run)."""
    newest = max(group, key=lambda r: r.id)
    run_level = [r for r in group if not r.partition]
    summary_record = max(run_level, key=lambda r: r.id) if run_level else newest
    asset = key.asset_key.to_user_string()
    partitions, count = partition_sample([r.partition for r in group if r.partition])
    scope = f" for {count} partition{'s' if count != 1 else ''}" if count else ""
    if kind == CHECK_FAILED:
        title = f"Check {key.name} failed ({severity}) on {asset}{scope}"
        summary, details = describe(summary_record)
    else:
        title = f"Check {key.name} passes again on {asset}{scope}"
        summary, details = "", {}
        others = [p for p in still_failing or {} if p]
        if others:
            summary = (
                "1 other partition of this check still fails."
                if len(others) == 1
                else f"{len(others)} other partitions of this check still fail."
            )
    stamp = newest.event.timestamp if newest.event else newest.create_timestamp
    return Alert(
        kind=kind,
        key=f"{kind}:{key.to_user_string()}:{run_id}:{severity}",
        severity=severity,
        title=title,
        summary=summary,
        asset=asset,
        check=key.name,
        run_id=run_id,
        link=run_link(dagster_url, run_id),
        partitions=partitions,
        partition_count=count,
        details=details,
        timestamp=stamp,
    )
