"""One API account's call budget, shared by every run and process that uses the account.

`CCDATA_CALLS_PER_SECOND` / `CCDATA_CALLS_PER_MINUTE` are the account's totals, so the budget
lives outside any one process: a pyrate-limiter sliding-window log in a store every process
sees, plus a shared "paused until" instant that a 429 or an exhausted quota window sets and
every acquire respects.

- `sqlite:///path` (the default, `$CCDATA_HOME/rate_budget.sqlite`): one machine. pyrate's
  `SQLiteBucket` counts, then inserts, in a DEFERRED transaction: safe across processes only
  when a `filelock` lock next to the file serialises each put (its `use_file_lock=True`, built
  here with a shorter poll); without it two processes can both count N-1 and both insert.
- `redis://host:port/db` (`CCDATA_RATE_LIMIT_URL`): many machines; pyrate's `RedisBucket`
  decides and inserts in one Lua script. Timestamps come from each host's clock (keep NTP on).
  An optional `?prefix=name` query namespaces the keys.

The embedded simulator is private to its run, so its budget stays in memory.

Store calls are synchronous, on the event loop: a local SQLite put takes about a millisecond and
a Redis one a round trip, once per API call, which costs less than a thread hop would.

The bucket key is a hash of the base URL and the API key, so runs on one account share a
budget, two accounts never do, and the key itself is never written to the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import sqlite3
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from filelock import FileLock
from pyrate_limiter import InMemoryBucket, Limiter, Rate, RedisBucket, SQLiteBucket
from pyrate_limiter.buckets.redis_bucket import LuaScript as RedisLuaScript

log = logging.getLogger(__name__)

MEMORY_URL = "memory://"
# A waiter retries this long after the log says its slot is free; with calls spaced 1/limit
# apart, N calls then span at least 1 s + N x GUARD_MS, a margin for the few ms by which
# arrival times at the server differ from acquire times.
GUARD_MS = 2


def account_id(base_url: str, api_key: str | None) -> str:
    """A stable, non-reversible name for one API account: runs on one account share a budget."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{api_key or ''}".encode()).hexdigest()
    return digest[:20]


def rates_for(calls_per_second: float, calls_per_minute: float) -> list[Rate]:
    """The two windows as pyrate rates; a fraction below 1 becomes one call per longer window."""

    def rate(calls: float, window_ms: int) -> Rate:
        if calls >= 1:
            return Rate(math.floor(calls), window_ms)
        return Rate(1, math.ceil(window_ms / calls))

    return [rate(calls_per_second, 1000), rate(calls_per_minute, 60_000)]


class _PauseStore(Protocol):
    def get(self) -> float: ...
    def extend(self, until: float) -> None: ...
    def close(self) -> None: ...


class _MemoryPause:
    def __init__(self) -> None:
        self._until = 0.0

    def get(self) -> float:
        return self._until

    def extend(self, until: float) -> None:
        self._until = max(self._until, until)

    def close(self) -> None:
        pass


class _SqlitePause:
    """One row per account in the bucket's file; a wall-clock instant, as processes share it."""

    def __init__(self, path: str, account: str) -> None:
        self._conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
        self._account = account
        with self._conn:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS ccdata_pause (account TEXT PRIMARY KEY, until REAL)"
            )

    def get(self) -> float:
        row = self._conn.execute(
            "SELECT until FROM ccdata_pause WHERE account = ?", (self._account,)
        ).fetchone()
        return float(row[0]) if row else 0.0

    def extend(self, until: float) -> None:
        with self._conn:
            self._conn.execute(
                "INSERT INTO ccdata_pause (account, until) VALUES (?, ?) ON CONFLICT(account) "
                "DO UPDATE SET until = max(until, excluded.until)",
                (self._account, until),
            )

    def close(self) -> None:
        self._conn.close()


# Only ever moves the instant later, atomically; the key expires with the pause.
_EXTEND_LUA = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local new = tonumber(ARGV[1])
if new > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', math.floor(new * 1000) + 1000)
end
return 1
"""


class _RedisPause:
    def __init__(self, client: Any, key: str) -> None:
        self._client = client
        self._key = key
        self._extend = client.register_script(_EXTEND_LUA)

    def get(self) -> float:
        value = self._client.get(self._key)
        return float(value) if value else 0.0

    def extend(self, until: float) -> None:
        self._extend(keys=[self._key], args=[repr(until)])

    def close(self) -> None:
        pass


class RateBudget:
    """Acquire one call from the account's shared budget; pause every process when told to."""

    def __init__(
        self, limiter: Limiter, pause: _PauseStore, store: str, closers: list[Any]
    ) -> None:
        self._limiter = limiter
        self._pause = pause
        self.store = store  # "sqlite", "redis" or "memory": for logs, never the URL
        self._closers = closers

    def paused_for(self) -> float:
        """Seconds until the shared pause ends (0 when none)."""
        return max(0.0, self._pause.get() - time.time())

    async def acquire(self) -> None:
        """Wait out any shared pause, take a slot, and retake it if a pause began meanwhile.

        A slot taken just before another process saw a 429 would otherwise be spent the moment
        the pause ends, together with everyone else's: its window has passed by then.
        """
        while True:
            pause = self.paused_for()
            while pause > 0:
                await asyncio.sleep(pause)
                pause = self.paused_for()
            if not await self._limiter.try_acquire_async("ccdata", blocking=True):
                raise RuntimeError("The rate budget cannot admit a single call; check the limits.")
            if self.paused_for() <= 0:
                return

    def pause(self, seconds: float) -> None:
        """Hold every process on this account for `seconds` from now (never shortens a pause)."""
        if seconds > 0:
            self._pause.extend(time.time() + seconds)

    def close(self) -> None:
        self._limiter.close()
        self._pause.close()
        for close in self._closers:
            close()


def bucket_rates(calls_per_second: float, calls_per_minute: float) -> list[Rate]:
    """The rates the bucket enforces: the account's windows plus even spacing.

    Calls are spaced 1/limit apart (a one-call window of ceil(1000/limit) ms) rather than sent
    in bursts of the whole per-second allowance: a burst reaches the server over tens of ms
    (connections, its queue), so the next burst, released exactly 1 s after the first, can land
    inside the same server second. Spaced calls arrive as they were sent. The per-second window
    stays as the hard guarantee. A window that cannot bind is left out (a minute denser than
    60 x the second, or a second allowing as many as the minute), as pyrate requires longer
    windows to allow more calls at no greater density.
    """
    per_second, per_minute = rates_for(calls_per_second, calls_per_minute)
    candidates = [per_second, per_minute]
    # Spacing is in whole ms: used where that costs nothing (1000/limit whole) or under 5 %.
    spacing = per_second.interval / per_second.limit
    if per_second.limit > 1 and (spacing.is_integer() or spacing >= 20):
        candidates.insert(0, Rate(1, math.ceil(spacing)))
    rates: list[Rate] = []
    for rate in candidates:
        if rates and rate.limit / rate.interval > rates[-1].limit / rates[-1].interval:
            continue  # the shorter window already holds it lower
        while rates and rates[-1].limit >= rate.limit:
            rates.pop()  # this longer window already holds the shorter one lower
        rates.append(rate)
    return rates


def _redis_put_script(client: Any) -> str:
    """pyrate's put script, counting every logged call from the window's start on.

    Its stock script counts up to the caller's timestamp, taken before the round trip: a call
    logged meanwhile by another process (a later timestamp) is then not counted, and two
    processes both take the last slot (seen here: a 429 from a server enforcing the same 8/s).
    Counting to +inf counts it, as the SQLite bucket does.
    """
    stock = "redis.call('ZCOUNT', bucket, window_start, now)"
    if stock not in RedisLuaScript.PUT_ITEM:
        raise RuntimeError("This pyrate-limiter's Redis script is not the one budget.py patches.")
    script = RedisLuaScript.PUT_ITEM.replace(
        stock, "redis.call('ZCOUNT', bucket, window_start, '+inf')"
    )
    return str(client.script_load(script))


def _sqlite_bucket(rates: list[Rate], path: str, table: str) -> SQLiteBucket:
    """`SQLiteBucket.init_from_file(use_file_lock=True)`, with a file lock that polls every 2 ms.

    The lock is held for one count-and-insert (about a millisecond) and its wait blocks the
    event loop, so filelock's default 50 ms poll would stall a process far longer than needed.
    """
    lock = FileLock(path + ".lock", poll_interval=0.002)
    with lock:
        conn = sqlite3.connect(path, isolation_level="DEFERRED", check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"CREATE TABLE IF NOT EXISTS '{table}' (name VARCHAR, item_timestamp INTEGER)")
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS 'idx_{table}_rate_item_timestamp' "
            f"ON '{table}' (item_timestamp)"
        )
        conn.commit()
    return SQLiteBucket(rates, conn, table=table, lock=lock)


def open_budget(
    url: str, account: str, calls_per_second: float, calls_per_minute: float
) -> RateBudget:
    """The budget for `account` in the store named by `url` (sqlite:///path, redis://, memory://)."""
    rates = bucket_rates(calls_per_second, calls_per_minute)
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        bucket: Any = InMemoryBucket(rates)
        return RateBudget(Limiter(bucket, buffer_ms=GUARD_MS), _MemoryPause(), "memory", [])
    if scheme == "sqlite":
        path = url[len("sqlite://") :]
        if not path or path == "/":
            raise ValueError("CCDATA_RATE_LIMIT_URL needs a file path, as in sqlite:///path.")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        limiter = Limiter(_sqlite_bucket(rates, path, f"rate_{account}"), buffer_ms=GUARD_MS)
        return RateBudget(limiter, _SqlitePause(path, account), "sqlite", [])
    if scheme in ("redis", "rediss"):
        import redis

        parts = urlsplit(url)
        query = parse_qs(parts.query)
        prefix = (query.pop("prefix", ["ccdata"]) or ["ccdata"])[0]
        clean = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
        client = redis.Redis.from_url(clean, socket_timeout=10, socket_connect_timeout=10)
        try:
            client.ping()
        except redis.RedisError:
            client.close()
            raise ConnectionError(
                f"The rate budget's Redis at {parts.hostname}:{parts.port or 6379} is not "
                "answering; start it or fix CCDATA_RATE_LIMIT_URL."
            ) from None
        bucket = RedisBucket(rates, client, f"{prefix}:rate:{account}", _redis_put_script(client))
        pause = _RedisPause(client, f"{prefix}:pause:{account}")
        return RateBudget(Limiter(bucket, buffer_ms=GUARD_MS), pause, "redis", [client.close])
    raise ValueError(
        f"CCDATA_RATE_LIMIT_URL must start with sqlite:/// or redis://, got {scheme or 'no'} "
        "scheme."
    )


__all__ = [
    "GUARD_MS",
    "RateBudget",
    "account_id",
    "bucket_rates",
    "open_budget",
    "rates_for",
]
