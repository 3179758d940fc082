"""Typed errors for the Data API, each with one sentence saying what is wrong and what to do.

Messages are built only from values the client has already cleaned (API key redacted, lengths
capped). No exception here ever holds aiohttp objects (request_info carries the request headers,
including `authorization`), so nothing a caller logs or stores can leak the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar


class ApiError(Exception):
    """Base class: a Data API call failed; `status` is the HTTP status when there was one."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        param: str | None = None,
        path: str | None = None,
        api_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.param = param
        self.path = path
        self.api_message = api_message  # the server's own words, key redacted

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __new__(cls, *args: Any, **kwargs: Any) -> ApiError:
        # Keep the constructor's arguments: pickling and `with_attempts` rebuild from them, so
        # the message is worded by the subclass again rather than copied.
        error = super().__new__(cls, *args)
        error._init = (args, kwargs)
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        args, kwargs = self._init
        return (_rebuild, (type(self), args, kwargs))


def _rebuild(cls: type[ApiError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> ApiError:
    return cls(*args, **kwargs)


def _where(path: str | None) -> str:
    return f" for {path}" if path else ""


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiAuthError(ApiError):
    """401/403: no key, or a key the API does not accept."""

    def __init__(
        self, *, status: int = 401, path: str | None = None, api_message: str | None = None
    ) -> None:
        super().__init__(
            f"The Data API refused the API key{_where(path)} (HTTP {status}); "
            "set CCDATA_API_KEY to a valid key, or unset it and DATA_API_BASE_URL to use the "
            "embedded simulator.",
            status=status,
            path=path,
            api_message=api_message,
        )


class ApiBadRequestError(ApiError):
    """400: a parameter we sent is malformed or out of range; a bug in the caller, not transient."""

    def __init__(
        self,
        *,
        param: str | None = None,
        values: str | None = None,
        status: int = 400,
        path: str | None = None,
        api_message: str | None = None,
    ) -> None:
        what = f"parameter {param!r}" if param else "the request"
        got = f" (got {values})" if values else ""
        super().__init__(
            f"The Data API rejected {what}{got}{_where(path)} (HTTP {status}); "
            "fix the value the caller sends.",
            status=status,
            param=param,
            path=path,
            api_message=api_message,
        )
        self.values = values


# Where each family lists its ids; the family is the first segments of the request path.
_FAMILIES = ("/spot/v1", "/futures/v1", "/index/cc/v1")


def _listing(param: str, path: str | None) -> str:
    """The endpoint listing the ids of `param` in the family of `path` (spot when unknown)."""
    if param == "asset":
        return "/asset/v1/top/list"
    family = next((f for f in _FAMILIES if (path or "").startswith(f + "/")), "/spot/v1")
    if param == "market" and family != "/index/cc/v1":
        return f"{family}/markets"
    return f"{family}/markets/instruments"


class UnknownMarketOrInstrumentError(ApiError):
    """404 naming `market` or `instrument`: the id is not integrated (or not any more)."""

    def __init__(
        self,
        *,
        param: str,
        values: str | None = None,
        status: int = 404,
        path: str | None = None,
        api_message: str | None = None,
    ) -> None:
        value = f" {values}" if values else ""
        super().__init__(
            f"The Data API does not know {param}{value}{_where(path)} (HTTP {status}); "
            f"check the id against {_listing(param, path)} and drop it "
            "from the partitions if it is gone.",
            status=status,
            param=param,
            path=path,
            api_message=api_message,
        )
        self.values = values


class HistoryStartsLaterError(ApiError):
    """404 because `to_ts` is before the instrument's first data: callers read it as "no rows"."""

    def __init__(
        self,
        *,
        first: int | None = None,
        to_ts: int | None = None,
        path: str | None = None,
        api_message: str | None = None,
    ) -> None:
        before = f" on or before to_ts={to_ts}" if to_ts is not None else ""
        starts = f" (history starts at {_iso(first)})" if first is not None else ""
        super().__init__(
            f"The Data API has no entries{_where(path)}{before}{starts} (HTTP 404, the "
            "FIRST_TRADE_* timestamp is later); treat this range as empty, not as a failure.",
            status=404,
            param="to_ts",
            path=path,
            api_message=api_message,
        )
        self.first = first
        self.to_ts = to_ts


class _RetryableError(ApiError):
    """Transient failures: the client retries these and says how often it tried."""

    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, attempts: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.attempts = attempts

    def with_attempts(self, attempts: int) -> _RetryableError:
        """The same error, re-worded to say how many attempts were made before giving up."""
        args, kwargs = self._init
        return _rebuild(type(self), args, {**kwargs, "attempts": attempts})  # type: ignore[return-value]


def _tries(attempts: int) -> str:
    return f" after {attempts} attempts" if attempts > 1 else ""


class ApiRateLimitedError(_RetryableError):
    """429 (or Min API Type 99): over a rate-limit window; `retry_after` in seconds if known."""

    def __init__(
        self,
        *,
        retry_after: float | None = None,
        attempts: int = 1,
        status: int = 429,
        path: str | None = None,
        api_message: str | None = None,
    ) -> None:
        wait = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
        super().__init__(
            f"The Data API rate limit was exceeded{_where(path)}{_tries(attempts)} "
            f"(HTTP {status}{wait}); lower calls_per_second/calls_per_minute on the API "
            "resource or wait for the quota window to reset.",
            attempts=attempts,
            status=status,
            path=path,
            api_message=api_message,
        )
        self.retry_after = retry_after


class ApiServerError(_RetryableError):
    """5xx, or a 200 whose body is not the JSON envelope: the API side is failing."""

    def __init__(
        self,
        *,
        status: int,
        attempts: int = 1,
        path: str | None = None,
        api_message: str | None = None,
        detail: str | None = None,
    ) -> None:
        what = detail or f"failed with HTTP {status}"
        super().__init__(
            f"The Data API {what}{_where(path)}{_tries(attempts)}; "
            "retry the run later (the API or a proxy in front of it is having trouble).",
            attempts=attempts,
            status=status,
            path=path,
            api_message=api_message,
        )
        self.detail = detail


class ApiUnreachableError(_RetryableError):
    """Timeouts and connection errors: nothing usable came back from `base_url`."""

    def __init__(
        self,
        *,
        base_url: str,
        reason: str,
        attempts: int = 1,
        path: str | None = None,
    ) -> None:
        super().__init__(
            f"Could not reach the Data API at {base_url} ({reason}){_where(path)}"
            f"{_tries(attempts)}; check the network, or set DATA_API_BASE_URL to a reachable "
            "URL (unset it to use the embedded simulator).",
            attempts=attempts,
            path=path,
        )
        self.base_url = base_url
        self.reason = reason


_HISTORY_404 = re.compile(r"FIRST_\w*TIMESTAMP|No \w+ entries available on or before", re.I)
_ID_PARAMS = {"market", "instrument", "instruments", "asset_symbol", "assets"}


def _text(value: Any, clean: Callable[[str], str]) -> str:
    """A server-supplied value as short, key-free text."""
    if isinstance(value, list | tuple):
        value = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in value[:5])
    elif isinstance(value, str):
        value = repr(value)
    return clean(str(value))[:200]


def _epoch(value: Any) -> int | None:
    try:
        ts = int(value)
    except (TypeError, ValueError):
        return None
    return ts // 1000 if ts > 10**11 else ts  # tolerate milliseconds


def error_from_data_api(
    status: int,
    err: dict[str, Any] | None,
    *,
    path: str,
    params: dict[str, Any] | None = None,
    retry_after: float | None = None,
    clean: Callable[[str], str] = str,
) -> ApiError:
    """Map a Data API error (HTTP status + `Err` object, possibly empty) to a typed error.

    `clean` redacts the API key from any server text before it lands in the exception.
    """
    err = err if isinstance(err, dict) else {}
    info = err.get("other_info") if isinstance(err.get("other_info"), dict) else {}
    api_message = clean(str(err.get("message") or ""))[:500] or None
    param = info.get("param") if isinstance(info.get("param"), str) else None
    values = _text(info["values"], clean) if info.get("values") not in (None, [], "") else None
    if status in (401, 403):
        return ApiAuthError(status=status, path=path, api_message=api_message)
    if status == 429:
        return ApiRateLimitedError(retry_after=retry_after, path=path, api_message=api_message)
    if status >= 500:
        return ApiServerError(status=status, path=path, api_message=api_message)
    if status == 404:
        history = _HISTORY_404.search(api_message or "") or param == "to_ts"
        if history or (param not in _ID_PARAMS and ("first" in info or "first_bucket" in info)):
            first = _epoch(info.get("first", info.get("first_bucket")))
            to_ts = _epoch((params or {}).get("to_ts"))
            return HistoryStartsLaterError(
                first=first, to_ts=to_ts, path=path, api_message=api_message
            )
        if param in _ID_PARAMS:
            kind = "market" if param == "market" else "instrument"
            if param in ("asset_symbol", "assets"):
                kind = "asset"
            return UnknownMarketOrInstrumentError(
                param=kind, values=values, path=path, api_message=api_message
            )
    if status == 400 or (400 <= status < 500 and param):
        return ApiBadRequestError(
            param=param, values=values, status=status, path=path, api_message=api_message
        )
    return ApiError(
        f"The Data API answered HTTP {status}{_where(path)}; check the endpoint path and "
        "parameters against the API reference.",
        status=status,
        param=param,
        path=path,
        api_message=api_message,
    )


def error_from_min_api(
    body: dict[str, Any],
    *,
    path: str,
    retry_after: float | None = None,
    clean: Callable[[str], str] = str,
) -> ApiError:
    """Map a Min API error (HTTP 200, `"Response": "Error"`) to a typed error; Type 99 = 429."""
    api_message = clean(str(body.get("Message") or ""))[:500] or None
    lowered = (api_message or "").lower()
    if body.get("Type") == 99 or "rate limit" in lowered:
        return ApiRateLimitedError(
            retry_after=retry_after, status=200, path=path, api_message=api_message
        )
    if "api key" in lowered or "auth" in lowered:
        return ApiAuthError(status=200, path=path, api_message=api_message)
    if "does not exist" in lowered:
        return UnknownMarketOrInstrumentError(
            param="market", status=200, path=path, api_message=api_message
        )
    return ApiBadRequestError(status=200, path=path, api_message=api_message)


__all__ = [
    "ApiAuthError",
    "ApiBadRequestError",
    "ApiError",
    "ApiRateLimitedError",
    "ApiServerError",
    "ApiUnreachableError",
    "HistoryStartsLaterError",
    "UnknownMarketOrInstrumentError",
    "error_from_data_api",
    "error_from_min_api",
]
