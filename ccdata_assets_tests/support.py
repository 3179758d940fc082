"""Helpers the test modules share (a support module, not a test module: nothing here is collected)."""

from __future__ import annotations

import dagster as dg

# A small universe with its clock pinned: May 2026 holds 31 closed days for any instrument.
SMALL_UNIVERSE = {
    "CCDATA_NOW": "2026-06-15T12:30:00",
    "CCDATA_START_DATE": "2026-01-01",
    "CCDATA_SPOT_EXCHANGES": "kraken",
    "CCDATA_TOP_N_ASSETS": "2",
}
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run_job(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    job: str,
    tags: dict[str, str] | None = None,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, tags=tags or {}, raise_on_error=False, run_config=run_config or QUIET
    )


def step_error(result: dg.ExecuteInProcessResult) -> str:
    """The platform's own message of the first failed step, under Dagster's wrappers."""
    [failure, *_] = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.error
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
