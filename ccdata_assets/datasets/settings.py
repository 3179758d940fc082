"""Which instruments the universes keep: exchanges, grades, top-N assets, history start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ccdata_assets.settings import (
    ConfigError,
    env_int,
    env_names,
    env_str,
)

INSTRUMENT_STATUSES = ("ACTIVE", "IGNORED", "RETIRED", "EXPIRED", "READY_FOR_DECOMMISSIONING")

EXCHANGE_GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "C", "D", "E", "F")


@dataclass(frozen=True)
class UniverseSettings:
    top_n_assets: int
    spot_exchanges: tuple[str, ...]
    min_exchange_grade: str
    start_date: date
    futures_exchanges: tuple[str, ...] = ("binance",)
    futures_statuses: tuple[str, ...] = ("ACTIVE", "EXPIRED")
    index_markets: tuple[str, ...] = ("cadli", "ccix")
    minute_history_days: int = 7


def universe_settings(env: Mapping[str, str] | None = None) -> UniverseSettings:
    env = os.environ if env is None else env
    grade = (env_str(env, "CCDATA_MIN_EXCHANGE_GRADE") or "BB").upper()
    if grade not in EXCHANGE_GRADES:
        raise ConfigError(
            f"CCDATA_MIN_EXCHANGE_GRADE must be one of {', '.join(EXCHANGE_GRADES)}, got {grade!r}."
        )
    spot = env_names(env, "CCDATA_SPOT_EXCHANGES", "binance,coinbase,kraken")
    futures = env_names(env, "CCDATA_FUTURES_EXCHANGES", "binance")
    indices = env_names(env, "CCDATA_INDEX_MARKETS", "cadli,ccix")
    statuses = tuple(
        s.upper() for s in env_names(env, "CCDATA_FUTURES_STATUSES", "active,expired", lower=False)
    )
    unknown = set(statuses) - set(INSTRUMENT_STATUSES)
    if unknown:
        raise ConfigError(
            f"CCDATA_FUTURES_STATUSES must list statuses from {', '.join(INSTRUMENT_STATUSES)}, "
            f"got {', '.join(sorted(unknown))}."
        )
    start_raw = env_str(env, "CCDATA_START_DATE") or "2025-01-01"
    try:
        start = date.fromisoformat(start_raw)
    except ValueError:
        raise ConfigError(
            f"CCDATA_START_DATE must be a date like 2025-01-01, got {start_raw!r}."
        ) from None
    return UniverseSettings(
        top_n_assets=env_int(env, "CCDATA_TOP_N_ASSETS", 5, 1, 1000),
        spot_exchanges=spot,
        min_exchange_grade=grade,
        start_date=start,
        futures_exchanges=futures,
        futures_statuses=statuses,
        index_markets=indices,
        minute_history_days=env_int(env, "CCDATA_MINUTE_HISTORY_DAYS", 7, 0, 3650),
    )
