"""Warnings the code location knows it triggers, filtered so they do not flood every log.

Each import of the code location (the code server, every run worker) would otherwise print the
same Dagster preview/beta/deprecation warnings once per data set, about 45 lines a run. They are
about features used on purpose; each filter matches one message, so any other warning still shows.
"""

from __future__ import annotations

import warnings

import dagster as dg

KNOWN = (
    # Partitioned checks: each partition shows its own check results in the UI.
    (dg.PreviewWarning, r"Specifying a partitions_def on an AssetCheckSpec"),
    # A backfill of one asset runs as one run (its pages planned over the whole range).
    (dg.BetaWarning, r"Parameter `backfill_policy` of function `asset`"),
    # The repair sensor reads each job's partitions definition (`job.partitions_def`).
    (DeprecationWarning, r"Parameter `partitions_def` of function `define_asset_job`"),
)


def silence_known_warnings() -> None:
    for category, message in KNOWN:
        warnings.filterwarnings("ignore", message=message, category=category)
