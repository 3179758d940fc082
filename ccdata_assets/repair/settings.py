"""How far the repair sensor may act on its own."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ccdata_assets.settings import (
    BOOLEANS,
    ConfigError,
    env_int,
    env_str,
)


@dataclass(frozen=True)
class RepairSettings:
    """The repair sensor launches API-consuming runs on its own, so it starts as a dry run that
    only reports what it would launch; CCDATA_REPAIR_DRY_RUN=false lets it act."""

    dry_run: bool = True
    max_partitions: int = 500  # per tick, across all runs
    max_runs: int = 5  # per tick
    lookback_days: int = 31  # time partitions overlapping the last N days are surveyed


def repair_settings(env: Mapping[str, str] | None = None) -> RepairSettings:
    env = os.environ if env is None else env
    raw = (env_str(env, "CCDATA_REPAIR_DRY_RUN") or "true").lower()
    if raw not in BOOLEANS:
        raise ConfigError(f"CCDATA_REPAIR_DRY_RUN must be true or false, got {raw!r}.")
    return RepairSettings(
        dry_run=BOOLEANS[raw],
        max_partitions=env_int(env, "CCDATA_REPAIR_MAX_PARTITIONS", 500, 1, 100_000),
        max_runs=env_int(env, "CCDATA_REPAIR_MAX_RUNS", 5, 1, 100),
        lookback_days=env_int(env, "CCDATA_REPAIR_LOOKBACK_DAYS", 31, 1, 3660),
    )
