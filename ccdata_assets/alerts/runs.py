"""Run status changes -> run failure and job recovery alerts.

Reads the same run-status records a `@run_failure_sensor` reads (`fetch_run_status_changes`), but
from the alert sensor's own cursor. Why not a `@run_failure_sensor`: its cursor advances even
when the sensor function raises, so an alert whose delivery failed would be lost; here it waits
in the outbox like every other alert. Every failed run is one alert; the next successful run of
a job whose latest finished run failed is one recovery alert.

A fresh cursor starts at the newest status change (as Dagster's run-status sensors do), so
switching the sensor on does not replay history.
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from ccdata_assets.alerts.model import RUN_FAILED, RUN_RECOVERED, Alert, run_link
from ccdata_assets.alerts.state import AlertState
from ccdata_assets.partitions import RANGE_END, RANGE_START

LIMIT = 200
PARTITION = "dagster/partition"


def _fetch(
    instance: dg.DagsterInstance, kind: dg.DagsterEventType, after: int
) -> list[dg.EventLogRecord]:
    return list(
        instance.fetch_run_status_changes(
            records_filter=dg.RunStatusChangeRecordsFilter(event_type=kind, after_storage_id=after),
            limit=LIMIT,
            ascending=True,
        ).records
    )


def _newest(instance: dg.DagsterInstance, kind: dg.DagsterEventType) -> int:
    records = instance.fetch_run_status_changes(records_filter=kind, limit=1).records
    return records[0].storage_id if records else 0


def run_alerts(
    instance: dg.DagsterInstance,
    state: AlertState,
    dagster_url: str,
    watched: Callable[[str], bool],
) -> list[Alert]:
    """Alerts for runs that failed or recovered since the cursor; updates `state` in place."""
    failure, success = dg.DagsterEventType.RUN_FAILURE, dg.DagsterEventType.RUN_SUCCESS
    if state.run_failure_after is None or state.run_success_after is None:
        state.run_failure_after = _newest(instance, failure)
        state.run_success_after = _newest(instance, success)
        return []
    failed = _fetch(instance, failure, state.run_failure_after)
    succeeded = _fetch(instance, success, state.run_success_after)
    # Both lists share one id sequence; when one was cut at LIMIT, stop where it stopped so
    # that a failure and the success after it are read in order.
    cuts = [batch[-1].storage_id for batch in (failed, succeeded) if len(batch) == LIMIT]
    horizon = min(cuts) if cuts else None
    events = sorted(
        (
            (record.storage_id, kind, record)
            for kind, batch in ((failure, failed), (success, succeeded))
            for record in batch
            if horizon is None or record.storage_id <= horizon
        ),
        key=lambda item: item[0],
    )
    runs = (
        {
            r.dagster_run.run_id: r.dagster_run
            for r in instance.get_run_records(
                filters=dg.RunsFilter(run_ids=list({record.run_id for _, _, record in events}))
            )
        }
        if events
        else {}
    )
    alerts = []
    for storage_id, kind, record in events:
        if kind is failure:
            state.run_failure_after = storage_id
        else:
            state.run_success_after = storage_id
        run = runs.get(record.run_id)
        if run is None or not watched(run.job_name):
            continue
        if kind is failure:
            state.failing_jobs[run.job_name] = run.run_id
            alerts.append(_failure_alert(run, record, dagster_url))
        elif state.failing_jobs.pop(run.job_name, None) is not None:
            alerts.append(_recovery_alert(run, record, dagster_url))
    return alerts


def run_partitions(run: dg.DagsterRun) -> tuple[tuple[str, ...], int]:
    """The run's partition or partition range as the UI shows it; count 0 when unknown."""
    if PARTITION in run.tags:
        return (run.tags[PARTITION],), 1
    if RANGE_START in run.tags:
        return (f"{run.tags[RANGE_START]} ... {run.tags.get(RANGE_END, '?')}",), 1
    return (), 0


def _error_text(record: dg.EventLogRecord) -> str:
    event = record.event_log_entry.dagster_event
    data = event.event_specific_data if event else None
    step = getattr(data, "first_step_failure_event", None)
    error = getattr(step.event_specific_data, "error", None) if step else None
    error = error or getattr(data, "error", None)
    if error is not None:
        error = error.cause or error
        text = f"{error.cls_name}: {error.message.strip()}" if error.cls_name else error.message
    else:
        text = record.event_log_entry.message or ""
    text = " ".join(text.split())
    return text if len(text) <= 600 else text[:597] + "..."


def _failure_alert(run: dg.DagsterRun, record: dg.EventLogRecord, dagster_url: str) -> Alert:
    partitions, count = run_partitions(run)
    event = record.event_log_entry.dagster_event
    step = getattr(event.event_specific_data if event else None, "first_step_failure_event", None)
    details = {"failed step": step.step_key} if step is not None and step.step_key else {}
    return Alert(
        kind=RUN_FAILED,
        key=f"{RUN_FAILED}:{run.run_id}",
        severity="ERROR",
        title=f"Run of {run.job_name} failed",
        summary=_error_text(record),
        job=run.job_name,
        run_id=run.run_id,
        link=run_link(dagster_url, run.run_id),
        partitions=partitions,
        partition_count=count,
        details=details,
        timestamp=record.timestamp,
    )


def _recovery_alert(run: dg.DagsterRun, record: dg.EventLogRecord, dagster_url: str) -> Alert:
    partitions, count = run_partitions(run)
    return Alert(
        kind=RUN_RECOVERED,
        key=f"{RUN_RECOVERED}:{run.run_id}",
        severity="OK",
        title=f"{run.job_name} succeeds again",
        summary="A later run of this job succeeded after a failed one.",
        job=run.job_name,
        run_id=run.run_id,
        link=run_link(dagster_url, run.run_id),
        partitions=partitions,
        partition_count=count,
        timestamp=record.timestamp,
    )
