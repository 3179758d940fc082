"""The aiohttp application: routing, auth, rate limits, fault injection and error envelopes."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from ccdata_assets.simulator import futures, index, minapi, spot, toplist
from ccdata_assets.simulator.catalog import ASSETS_BY_SYMBOL
from ccdata_assets.simulator.config import FaultConfig, SimulatorConfig, clock_for
from ccdata_assets.simulator.errors import (
    AUTH_MESSAGE,
    ApiError,
    dumps,
    error_response,
    json_response,
)
from ccdata_assets.simulator.faults import page_faults
from ccdata_assets.simulator.limits import RateLimiter
from ccdata_assets.simulator.pagecache import PageCache
from ccdata_assets.simulator.params import PATH_UNITS
from ccdata_assets.simulator.stats import SimulatorStats
from ccdata_assets.simulator.universe import asset_path, get_universe

Builder = Callable[[Mapping[str, str], int], bytes]
RATE_LIMIT_MESSAGE = "You are over your rate limit please upgrade your account!"


@dataclass
class AppState:
    config: SimulatorConfig
    clock: Callable[[], float]
    stats: SimulatorStats = field(default_factory=SimulatorStats)
    limiter: RateLimiter | None = None
    pages: PageCache | None = None
    requests_seen: int = 0


STATE: web.AppKey[AppState] = web.AppKey("ccdata_simulator_state", AppState)


def api_key_of(request: web.Request) -> str | None:
    """The key from ``authorization: Apikey <k>`` (also Basic/Bearer/bare), x-api-key, or query."""
    parts = request.headers.get("Authorization", "").split(None, 1)
    if parts and parts[0].lower() in ("apikey", "basic", "bearer"):
        parts = parts[1:]
    candidates = [
        " ".join(parts),
        request.headers.get("x-api-key", ""),
        request.query.get("api_key", ""),
        request.query.get("apiKey", ""),
    ]
    return next((c.strip() for c in candidates if c.strip()), None)


def _is_min_api(path: str) -> bool:
    return path.startswith("/data/")


def _every(n: int, count: int) -> bool:
    return n > 0 and count % n == 0


async def _inject_faults(request: web.Request, state: AppState) -> web.StreamResponse | None:
    faults = state.config.faults
    count = state.requests_seen
    if faults.delay_seconds > 0:
        await asyncio.sleep(faults.delay_seconds)
    if _every(faults.drop_connection_every, count):
        state.stats.faults["drop_connection"] += 1
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # nothing more is written on an aborted connection
    if _every(faults.status_500_every, count):
        state.stats.faults["status_500"] += 1
        return error_response(ApiError(500, "Internal server error (injected fault)."))
    if _every(faults.status_429_every, count):
        state.stats.faults["status_429"] += 1
        resp = error_response(ApiError(429, RATE_LIMIT_MESSAGE, {"fault": "injected"}, err_type=99))
        seconds = faults.retry_after_seconds
        resp.headers["Retry-After"] = (
            str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        )
        return resp
    return None


def _rate_limited(request: web.Request, retry_after: int) -> web.Response:
    if _is_min_api(request.path):
        body = {
            "Response": "Error",
            "Message": RATE_LIMIT_MESSAGE,
            "HasWarning": False,
            "Type": 99,
            "RateLimit": {},
            "Data": {},
        }
        resp = json_response(dumps(body), status=200)
    else:
        resp = error_response(ApiError(429, RATE_LIMIT_MESSAGE, {}, err_type=99))
    resp.headers["Retry-After"] = str(retry_after)
    return resp


def _min_api_error(err: ApiError) -> web.Response:
    body = {
        "Response": "Error",
        "Message": err.message,
        "HasWarning": False,
        "Type": 2,
        "RateLimit": {},
        "Data": {},
        "ParamWithError": err.other_info.get("param", ""),
    }
    return json_response(dumps(body), status=200)


@web.middleware
async def gateway(request: web.Request, handler) -> web.StreamResponse:
    """Everything the real gateway does around a handler, in the order it matters."""
    state = request.app[STATE]
    state.stats.total += 1
    state.stats.arrivals.append((time.time(), request.path_qs))
    state.stats.calls[request.path] += 1
    state.requests_seen += 1
    response = await _inject_faults(request, state)
    key = api_key_of(request)
    assert state.limiter is not None
    if response is None and key is None and state.config.require_api_key:
        response = error_response(ApiError(401, AUTH_MESSAGE))
    # Refused calls (injected faults, 401) are not counted but still describe the quota.
    decision = state.limiter.check(key or "anonymous", consume=response is None)
    headers = decision.headers
    if response is None and not decision.allowed:
        state.stats.rate_limited += 1
        response = _rate_limited(request, decision.retry_after)
    if response is None:
        try:
            response = await handler(request)
        except ApiError as err:
            response = (
                _min_api_error(err)
                if _is_min_api(request.path) and err.status != 401
                else error_response(err)
            )
        except web.HTTPException as exc:
            response = error_response(
                ApiError(exc.status, f"{exc.reason}: {request.method} {request.path}")
            )
    response.headers.update(headers)
    state.stats.statuses[response.status] += 1
    if response.status == 429:
        state.stats.status_429 += 1
    return response


def _endpoint(
    builder: Builder, unit: int | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Adapt a pure (query, now) -> bytes builder; CPU work runs off the event loop.

    History endpoints (``unit`` given) reuse cached bytes of pages whose buckets have closed.
    """

    async def handle(request: web.Request) -> web.Response:
        state = request.app[STATE]
        now = int(state.clock())
        query = dict(request.query)
        pages = state.pages
        key = pages.key(request.path, query, unit, now) if pages is not None and unit else None
        body = pages.get(key) if pages is not None and key is not None else None
        if body is not None:
            state.stats.page_cache_hits += 1
        else:
            loop = asyncio.get_running_loop()
            body = await loop.run_in_executor(None, builder, query, now)
            if pages is not None and key is not None:
                pages.put(key, body)
        return json_response(body)

    return handle


def create_app(config: SimulatorConfig) -> web.Application:
    """A fresh simulator app (its own counters, limiter and clock)."""
    get_universe()  # build once up front so the first request is not slow
    for symbol in ASSETS_BY_SYMBOL:
        asset_path(symbol)
    clock = clock_for(config)
    state = AppState(config=config, clock=clock)
    state.limiter = RateLimiter(
        config.rate_limit_per_second,
        config.rate_limit_per_minute,
        config.rate_limit_clock or time.time,
    )
    if config.page_cache_mb > 0:
        state.pages = PageCache(config.page_cache_mb * 1024 * 1024)
    app = web.Application(middlewares=[gateway])
    app[STATE] = state
    histories: dict[str, Callable[..., bytes]] = {
        "/spot/v1/historical": spot.spot_history,
        "/futures/v1/historical": futures.futures_history,
        "/futures/v1/historical/funding-rate": futures.funding_history,
        "/futures/v1/historical/open-interest": futures.open_interest_history,
        "/index/cc/v1/historical": index.index_history,
    }
    for prefix, history in histories.items():
        for name, unit in PATH_UNITS.items():
            builder = functools.partial(_history, history, unit=unit, faults=config.faults)
            app.router.add_get(f"{prefix}/{name}", _endpoint(builder, unit))
    snapshots: dict[str, Builder] = {
        "/spot/v1/markets": spot.spot_markets,
        "/spot/v1/markets/instruments": spot.spot_instruments,
        "/futures/v1/markets": futures.futures_markets,
        "/futures/v1/markets/instruments": futures.futures_instruments_endpoint,
        "/index/cc/v1/markets/instruments": index.index_instruments_endpoint,
        "/data/exchanges/general": minapi.exchanges_general,
        "/asset/v1/top/list": toplist.top_list,
    }
    for path, snapshot in snapshots.items():
        app.router.add_get(path, _endpoint(snapshot))
    return app


def _history(
    history: Callable[..., bytes],
    query: Mapping[str, str],
    now: int,
    *,
    unit: int,
    faults: FaultConfig,
) -> bytes:
    return page_faults(history(query, unit, now, faults.corrupt_every), faults, unit)
