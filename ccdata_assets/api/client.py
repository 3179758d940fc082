"""`CCDataClient`: one aiohttp session per run, rate-limited, bounded, retried, key-safe.

Per attempt: take a concurrency slot (semaphore), then a call from the account's shared
`RateBudget` (budget.py: a sliding-window log in SQLite or Redis that every run and process on
the account draws from, and a shared pause), then send the request. Retries (tenacity) sleep
outside the slot, honouring `Retry-After` when the server sends one.

`calls_per_second` / `calls_per_minute` are the account's totals: no 1 s window holds more than
`calls_per_second` calls from all processes together, nor any 60 s window more than
`calls_per_minute`. Calls are spaced 1/calls_per_second apart rather than sent in bursts (a
burst reaches the server spread over tens of ms, and the next one could land in the same server
second; see `budget.bucket_rates`); the sliding windows are the hard guarantee. A 429 or an
exhausted quota window (`X-RateLimit-Remaining-All`) seen by any process pauses all of them.

Caveat: aiohttp itself resends an idempotent request once, without asking us, when a kept-alive
connection turns out to be closed (RFC 9112 §9.3.1). Such a resend is not in `stats.calls` and
does not pass the limiter; it is rare and usually never reached the server.

The API key is sent only in the `authorization` header. Every server-supplied text that reaches
an exception or a log line passes through `_redact`, and no aiohttp object (whose request_info
holds the headers) is kept in an exception, as cause or context.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ccdata_assets.api.budget import MEMORY_URL, RateBudget, account_id, open_budget
from ccdata_assets.api.errors import (
    ApiError,
    ApiRateLimitedError,
    ApiServerError,
    ApiUnreachableError,
    _RetryableError,
    error_from_data_api,
    error_from_min_api,
)
from ccdata_assets.api.page_rows import decode_body

log = logging.getLogger(__name__)

_WINDOW = re.compile(r"(\d+)\s*;\s*window\s*=\s*(\d+)")


@dataclass
class ApiStats:
    """What the client did, for run metadata: calls include retries; waits are in seconds."""

    calls: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429 responses (or Min API Type 99) seen
    limiter_wait_seconds: float = 0.0  # time spent acquiring the rate limiter + quota pauses
    backoff_wait_seconds: float = 0.0  # time spent sleeping between retries

    def as_metadata(self) -> dict[str, int | float]:
        # Waits are summed over the concurrent workers, so they can exceed the fetch's wall time;
        # the names say so.
        return {
            "api_calls": self.calls,
            "api_retries": self.retries,
            "api_429s": self.rate_limited,
            "rate_limiter_wait_seconds_summed_over_workers": round(self.limiter_wait_seconds, 3),
            "backoff_wait_seconds_summed_over_workers": round(self.backoff_wait_seconds, 3),
        }


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds: delta-seconds (ints or floats) or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def exhausted_window_reset(headers: Mapping[str, str]) -> float | None:
    """Seconds until the longest exhausted window resets, from `X-RateLimit-*-All`; else None.

    Format: `"<n>, <v>;window=1, <v>;window=60, ..."` (remaining calls / seconds to reset).
    """
    remaining = headers.get("X-RateLimit-Remaining-All")
    if not remaining:
        return None
    exhausted = [int(w) for v, w in _WINDOW.findall(remaining) if int(v) == 0]
    if not exhausted:
        return None
    resets = {int(w): int(v) for v, w in _WINDOW.findall(headers.get("X-RateLimit-Reset-All", ""))}
    return float(max(resets.get(w, w) for w in exhausted))


class CCDataClient:
    """Async Data API client bound to one `aiohttp.ClientSession` (one per Dagster run/step).

    Create it with `CCDataClient.connect(...)` (owns a session) or pass your own session.
    Not thread-safe; use it from one event loop.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        api_key: str | None = None,
        *,
        calls_per_second: float = 10.0,
        calls_per_minute: float = 240.0,
        max_concurrency: int = 8,
        timeout_seconds: float = 30.0,
        max_retries: int = 5,
        backoff_initial_seconds: float = 0.5,
        backoff_max_seconds: float = 30.0,
        max_retry_after_seconds: float = 120.0,
        source: str | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        if calls_per_second <= 0 or calls_per_minute <= 0:
            raise ValueError("calls_per_second and calls_per_minute must be positive.")
        if max_concurrency < 1 or max_retries < 0:
            raise ValueError("max_concurrency must be >= 1 and max_retries >= 0.")
        self._session = session
        self.base_url = base_url.rstrip("/")
        self.__key = api_key or None
        self.source = source or self.base_url
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.stats = ApiStats()
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._timeout_seconds = timeout_seconds
        self._semaphore = asyncio.Semaphore(max_concurrency)
        # No budget given: one private to this client (tests, one-off scripts).
        self._owns_budget = budget is None
        self.budget = budget or open_budget(
            MEMORY_URL, account_id(self.base_url, api_key), calls_per_second, calls_per_minute
        )
        self._backoff = wait_exponential_jitter(
            initial=backoff_initial_seconds, max=backoff_max_seconds, jitter=backoff_initial_seconds
        )
        self._max_retry_after = max_retry_after_seconds

    def __repr__(self) -> str:
        return f"CCDataClient(source={self.source!r}, calls={self.stats.calls})"

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, base_url: str, api_key: str | None = None, **policy: Any
    ) -> AsyncIterator[CCDataClient]:
        """A client with its own session, closed on exit."""
        limit = max(int(policy.get("max_concurrency", 8)), 1)
        connector = aiohttp.TCPConnector(limit=limit)
        async with aiohttp.ClientSession(connector=connector, raise_for_status=False) as session:
            client = cls(session, base_url, api_key, **policy)
            try:
                yield client
            finally:
                client.close_budget()

    def close_budget(self) -> None:
        """Close the budget if this client made it (a given budget belongs to its opener)."""
        if self._owns_budget:
            self.budget.close()

    # -- public -------------------------------------------------------------------------------

    async def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        read: Callable[[bytes], Any | None] | None = None,
    ) -> Any:
        """GET `path` and return its `Data` payload; raise a typed `ApiError` otherwise.

        `read`, if given, reads a successful body first, in a worker thread; when it returns None
        the body is decoded and judged as usual.

        Retries 429, 5xx, unreadable bodies, timeouts and connection errors up to
        `max_retries` times; 400/401/403/404 fail at once.
        """
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(self._should_retry),
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        attempts = 0
        failure: ApiError
        try:
            async for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    return await self._once(path, query, read)
        except ApiError as exc:
            failure = exc
        # Raised outside the handler so no exception context rides along.
        if isinstance(failure, _RetryableError) and attempts > 1:
            raise failure.with_attempts(attempts)
        raise failure

    # -- one attempt --------------------------------------------------------------------------

    async def _once(
        self, path: str, query: dict[str, str], read: Callable[[bytes], Any | None] | None
    ) -> Any:
        url = f"{self.base_url}/{path.lstrip('/')}"
        headers = {"authorization": f"Apikey {self.__key}"} if self.__key else {}
        reason: str | None = None
        async with self._semaphore:
            await self._acquire()
            self.stats.calls += 1
            started = time.monotonic()
            sent_at = time.time()
            try:
                async with self._session.get(
                    url, params=query, headers=headers, timeout=self._timeout, allow_redirects=False
                ) as resp:
                    status = resp.status
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                    self._note_quota(resp.headers, sent_at)
                    raw = await resp.read()
            except TimeoutError:
                reason = f"no answer within {self._timeout_seconds:g} s"
            except aiohttp.ClientError as exc:
                reason = _transport_reason(exc)
        if reason is not None:
            log.debug("GET %s failed: %s", path, reason)
            raise ApiUnreachableError(base_url=self.base_url, reason=reason, path=path)
        log.debug("GET %s -> %d in %.3f s", path, status, time.monotonic() - started)
        if read is not None and status < 300:
            data = await asyncio.to_thread(read, raw)
            if data is not None:
                return data
        return self._payload(path, query, status, raw, retry_after)

    def _payload(
        self, path: str, query: dict[str, str], status: int, raw: bytes, retry_after: float | None
    ) -> Any:
        body = decode_body(raw)
        if status == 429:
            self.stats.rate_limited += 1
            self._pause_all(retry_after, "a 429 answer")
        if status >= 300:  # redirects are not followed: the key must not travel elsewhere
            err = body.get("Err") if isinstance(body, dict) else None
            raise error_from_data_api(
                status, err, path=path, params=query, retry_after=retry_after, clean=self._redact
            )
        if not isinstance(body, dict):
            raise ApiServerError(
                status=status, path=path, detail=f"sent a body that is not JSON (HTTP {status})"
            )
        if body.get("Response") == "Error":  # Min API (/data/...): errors come as HTTP 200
            error = error_from_min_api(body, path=path, retry_after=retry_after, clean=self._redact)
            if isinstance(error, ApiRateLimitedError):
                self.stats.rate_limited += 1
                self._pause_all(retry_after, "a rate-limit answer")
            raise error
        if "Data" not in body:
            if path.lstrip("/").startswith("data/"):
                return body  # legacy Min API endpoints without the envelope
            raise ApiServerError(status=status, path=path, detail="sent JSON without a Data field")
        return body["Data"]

    # -- rate limiting ------------------------------------------------------------------------

    async def _acquire(self) -> None:
        started = time.monotonic()
        await self.budget.acquire()
        self.stats.limiter_wait_seconds += time.monotonic() - started

    def _note_quota(self, headers: Mapping[str, str], sent_at: float) -> None:
        """Pause every process on the account when a window's remaining count hits 0."""
        reset = exhausted_window_reset(headers)
        if reset is None:
            return
        if reset <= 1.0:
            # The header rounds up to whole seconds, and the quota's windows are clock-aligned:
            # the used-up 1 s window is the one the request reached, so it reopens at the first
            # wall-clock second after it was sent (often already past: then no pause at all).
            # Timing from the answer would hold everyone a whole second whenever an answer
            # crossed a second boundary. Were the windows not aligned, the next call's 429 and
            # its Retry-After would pause everyone instead.
            reset = math.floor(sent_at) + 1.0 - time.time()
        self._pause_all(reset, "an exhausted quota window")

    def _pause_all(self, seconds: float | None, why: str) -> None:
        """Hold new calls on this account in every process, for at most the retry cap."""
        if seconds is None or seconds <= 0:
            return
        pause = min(seconds, self._max_retry_after)
        if pause > self.budget.paused_for():
            log.info("Data API: %s; pausing new calls on this account for %.1f s", why, pause)
        self.budget.pause(pause)

    # -- retry policy -------------------------------------------------------------------------

    def _should_retry(self, exc: BaseException) -> bool:
        # A Retry-After beyond the cap (e.g. a daily quota) is not worth waiting for in a run.
        too_long = isinstance(exc, ApiRateLimitedError) and (
            (exc.retry_after or 0) > self._max_retry_after
        )
        return isinstance(exc, _RetryableError) and not too_long

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ApiRateLimitedError) and exc.retry_after is not None:
            return exc.retry_after + random.uniform(0, min(1.0, 0.1 * exc.retry_after))
        return self._backoff(state)

    async def _sleep(self, seconds: float) -> None:
        started = time.monotonic()
        await asyncio.sleep(seconds)
        self.stats.backoff_wait_seconds += time.monotonic() - started

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "Data API call %s failed (attempt %d of %d, %s); retrying in %.2f s",
            getattr(exc, "path", "?"),
            state.attempt_number,
            self.max_retries + 1,
            type(exc).__name__,
            wait,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self.__key, "***") if self.__key else text


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _transport_reason(exc: aiohttp.ClientError) -> str:
    """A short cause for a transport failure, without touching request_info or headers."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"connection failed: {type(exc.os_error).__name__}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server closed the connection"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "response cut off"
    return type(exc).__name__
