"""The API key never shows up in exceptions, log records (ours or aiohttp's) or client stats."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ccdata_assets.api import (
    ApiAuthError,
    ApiBadRequestError,
    ApiError,
    ApiRateLimitedError,
    ApiServerError,
    ApiUnreachableError,
    CCDataClient,
    HistoryStartsLaterError,
    UnknownMarketOrInstrumentError,
)
from ccdata_assets.api.paging import fetch_page, plan_pages
from ccdata_assets.simulator import SimulatorConfig, serve
from ccdata_assets_tests.api._support import BTC_USD, FAST, HOURS, KEY, NOW, run, sim_config

PAGE = {**BTC_USD, "limit": 3, "to_ts": NOW - 86_400}


def texts_of(exc: BaseException) -> list[str]:
    """Everything an exception could show: str, repr, args, attributes, cause/context chain."""
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out += [str(current), repr(current), repr(current.args), repr(vars(current))]
        out += traceback.format_exception(current)
        current = current.__cause__ or current.__context__
    return out


async def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def failure(
    config: SimulatorConfig | None,
    call: Callable[[CCDataClient], Awaitable[Any]],
    **policy: Any,
) -> tuple[BaseException, CCDataClient]:
    """Run `call` with the secret key against a simulator (or a closed port) and catch."""

    async def attempt(base_url: str) -> tuple[BaseException, CCDataClient]:
        async with CCDataClient.connect(base_url, KEY, **{**FAST, **policy}) as client:
            try:
                await call(client)
            except ApiError as exc:
                return exc, client
        raise AssertionError("the call was expected to fail")

    if config is None:
        return await attempt(await closed_port_url())
    async with serve(config) as sim:
        return await attempt(sim.base_url)


def get(params: dict[str, Any]) -> Callable[[CCDataClient], Awaitable[Any]]:
    return lambda client: client.get(HOURS, {**PAGE, **params})


async def through_fetch_page(client: CCDataClient) -> None:
    start, end = NOW - 3 * 86_400, NOW - 86_400
    for page in plan_pages(start, end, 3600, 2000):
        await fetch_page(client, HOURS, BTC_USD, page, 3600, start, end)


CASES: list[tuple[str, SimulatorConfig | None, Any, type[ApiError], dict[str, Any]]] = [
    ("unknown instrument", sim_config(), get({"instrument": "NOPE-XYZ"}),
     UnknownMarketOrInstrumentError, {}),
    ("unknown market", sim_config(), get({"market": "nomarket"}),
     UnknownMarketOrInstrumentError, {}),
    ("bad limit", sim_config(), get({"limit": 2001}), ApiBadRequestError, {}),
    ("before first data", sim_config(), get({"to_ts": 1_000_000_000}),
     HistoryStartsLaterError, {}),
    ("429 give-up", sim_config(status_429_every=1, retry_after_seconds=0.01), get({}),
     ApiRateLimitedError, {"max_retries": 1}),
    ("500 give-up", sim_config(status_500_every=1), get({}), ApiServerError,
     {"max_retries": 1}),
    ("500 in fetch_page", sim_config(status_500_every=1), through_fetch_page,
     ApiServerError, {"max_retries": 1}),
    ("dropped connection", sim_config(drop_connection_every=1), get({}),
     ApiUnreachableError, {"max_retries": 1}),
    ("timeout", sim_config(delay_seconds=0.3), get({}), ApiUnreachableError,
     {"max_retries": 0, "timeout_seconds": 0.05}),
    ("closed port", None, get({}), ApiUnreachableError, {"max_retries": 1}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("config", "call", "expected", "policy"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_key_never_leaks(
    caplog: pytest.LogCaptureFixture,
    config: SimulatorConfig | None,
    call: Any,
    expected: type[ApiError],
    policy: dict[str, Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("aiohttp", "aiohttp.client", "aiohttp.server", "aiohttp.access", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    exc, client = run(failure(config, call, **policy))
    assert isinstance(exc, expected)
    for text in texts_of(exc):
        assert KEY not in text
    assert any(r.name.startswith("ccdata_assets.api") for r in caplog.records)  # logs were on
    for record in caplog.records:
        shown = [record.getMessage(), repr(record.args), record.exc_text or ""]
        if record.exc_info and record.exc_info[1] is not None:
            shown += texts_of(record.exc_info[1])
        assert not any(KEY in text for text in shown), record
    assert KEY not in repr(client.stats) and KEY not in repr(client.stats.as_metadata())
    assert KEY not in repr(client)


def test_the_key_is_really_sent_and_needed() -> None:
    """Guards the test above: without the key the simulator refuses, with it the call works."""

    async def main() -> None:
        async with serve(sim_config()) as sim:
            async with CCDataClient.connect(sim.base_url, None, **FAST) as anonymous:
                with pytest.raises(ApiAuthError):
                    await anonymous.get(HOURS, PAGE)
            async with CCDataClient.connect(sim.base_url, KEY, **FAST) as keyed:
                assert len(await keyed.get(HOURS, PAGE)) == 3

    run(main())


def test_server_text_echoing_the_key_is_redacted() -> None:
    """If an API error message ever quoted the key, the exception would carry '***' instead."""

    async def main() -> None:
        async with serve(sim_config()) as sim, CCDataClient.connect(sim.base_url, KEY, **FAST) as c:
            with pytest.raises(UnknownMarketOrInstrumentError) as caught:
                await c.get(HOURS, {**PAGE, "instrument": KEY})
            assert KEY not in str(caught.value) and "***" in str(caught.value)
            assert KEY not in (caught.value.api_message or "")

    run(main())
