"""Use of the account's shared API rate budget, for `ccdata_api_budget_calls{window}`.

The runs draw from one budget per API account (`ccdata_assets/api/budget.py`: a pyrate-limiter
sliding-window log in SQLite under CCDATA_HOME, or in Redis). This counts the calls logged in each
window without taking any: `COUNT(*)` over the SQLite table, `ZCOUNT` over the Redis sorted set,
both keyed by the same account id the runs use. The embedded simulator's budget is private to
each run (in memory), so there is nothing to report for it.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ccdata_assets.api.resource import REAL_CALLS_PER_MINUTE, REAL_CALLS_PER_SECOND
from ccdata_assets.api.settings import ApiSettings

WINDOWS = {1000: "second", 60_000: "minute"}


@dataclass(frozen=True)
class BudgetUsage:
    window: str  # "second" or "minute"
    calls: float  # calls logged in the window just ended, by every run process
    limit: float  # calls the window allows


def budget_usage(settings: ApiSettings, timeout: float = 5.0) -> list[BudgetUsage]:
    """Each window's use of the shared budget; empty for the embedded simulator."""
    try:
        from ccdata_assets.api.budget import account_id, rates_for
    except ImportError:  # a code version without the shared budget
        return []
    url = getattr(settings, "rate_limit_url", None)
    if settings.base_url is None or not url:
        return []
    account = account_id(settings.base_url, settings.api_key)
    rates = rates_for(
        settings.calls_per_second or REAL_CALLS_PER_SECOND,
        settings.calls_per_minute or REAL_CALLS_PER_MINUTE,
    )
    now_ms = time.time_ns() // 1_000_000
    since = [now_ms - rate.interval for rate in rates]
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        raw = url[len("sqlite://") :]  # "/abs/path", or "//abs/path" from sqlite:////abs/path
        path = Path("/" + raw.lstrip("/") if raw.startswith("/") else raw)
        counts = _sqlite_counts(path, f"rate_{account}", since, timeout)
    else:
        counts = _redis_counts(url, account, since, timeout)
    return [
        BudgetUsage(WINDOWS.get(rate.interval, f"{rate.interval}ms"), count, rate.limit)
        for rate, count in zip(rates, counts, strict=True)
    ]


def _sqlite_counts(path: Path, table: str, since: list[int], timeout: float) -> list[int]:
    if not path.exists():
        return [0 for _ in since]  # no run has made a call yet
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=timeout)
    try:
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone():
            return [0 for _ in since]
        return [
            conn.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE item_timestamp > ?', (start,)
            ).fetchone()[0]
            for start in since
        ]
    finally:
        conn.close()


def _redis_counts(url: str, account: str, since: list[int], timeout: float) -> list[int]:
    import redis

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    prefix = (query.pop("prefix", ["ccdata"]) or ["ccdata"])[0]
    clean = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    client = redis.Redis.from_url(clean, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        key = f"{prefix}:rate:{account}"
        return [int(client.zcount(key, f"({start}", "+inf")) for start in since]
    except redis.RedisError:
        where = f"{parts.hostname}:{parts.port or 6379}"
        raise ConnectionError(f"The rate budget's Redis at {where} is not answering.") from None
    finally:
        client.close()
