"""`CCDataApiResource`: the Dagster resource that hands asset bodies a ready `CCDataClient`.

With no `base_url` it starts the embedded simulator inside the running event loop and talks to it
over real HTTP, so the platform works with no network and no key; `source` says so, for metadata
and logs. Rate limits left unset get a default suited to the source: real keys are expensive to
trip, the embedded simulator is not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from ccdata_assets.api.budget import MEMORY_URL, account_id, open_budget
from ccdata_assets.api.settings import ApiSettings, rate_limit_url

if TYPE_CHECKING:
    from ccdata_assets.api.client import CCDataClient

# Free Data API key (2025 to Jan 2026, reference §0.4): 20/s, 300/min, 3 000/h, 7 500/day.
# The limits are the account's totals, shared by every run through the rate budget (budget.py).
# Real defaults keep half the per-second and 80 % of the per-minute budget, leaving room for
# anything else on the key (a notebook, another tool); hour/day windows are handled through the
# X-RateLimit-Remaining-All pause and 429 Retry-After, not budgeted up front.
REAL_CALLS_PER_SECOND = 10.0
REAL_CALLS_PER_MINUTE = 240
# The embedded simulator enforces 50/s and 3 000/min by default; stay at 80 % of that.
SIMULATED_CALLS_PER_SECOND = 40.0
SIMULATED_CALLS_PER_MINUTE = 2400
SIMULATOR_PLACEHOLDER_KEY = "embedded-simulator-placeholder-key"


class CCDataApiResource(ConfigurableResource):
    """CryptoCompare / CoinDesk Data API access: rate limit, concurrency, timeouts, retries."""

    base_url: str | None = Field(
        default=None,
        description="Data API base URL, e.g. https://data-api.coindesk.com; "
        "unset = start the embedded simulator.",
    )
    data_source: str | None = Field(
        default=None,
        description="What kind of data base_url serves: api (real) or simulator; unset = api "
        "when a key is given. The warehouse remembers it and refuses the other kind.",
    )
    api_key: str | None = Field(
        default=None,
        repr=False,
        description="API key; pass EnvVar('CCDATA_API_KEY'), never a literal. "
        "Ignored for the embedded simulator.",
    )
    calls_per_second: float | None = Field(
        default=None,
        description=f"Account-wide cap per second, shared by all runs; unset = "
        f"{REAL_CALLS_PER_SECOND:g} for a real "
        f"API (free key allows 20), {SIMULATED_CALLS_PER_SECOND:g} for the embedded simulator.",
    )
    calls_per_minute: int | None = Field(
        default=None,
        description=f"Account-wide cap per minute, shared by all runs; unset = "
        f"{REAL_CALLS_PER_MINUTE} for a real "
        f"API (free key allows 300), {SIMULATED_CALLS_PER_MINUTE} for the embedded simulator.",
    )
    rate_limit_url: str | None = Field(
        default=None,
        repr=False,
        description="Where the account's shared rate budget lives: sqlite:///path or "
        "redis://host:port/db; unset = CCDATA_RATE_LIMIT_URL, else a SQLite file under "
        "CCDATA_HOME. The embedded simulator's budget stays in memory.",
    )
    max_concurrency: int = Field(default=8, description="Requests in flight at once.")
    timeout_seconds: float = Field(default=30.0, description="Total timeout per request.")
    max_retries: int = Field(
        default=5, description="Retries after the first attempt on 429, 5xx, timeouts, drops."
    )
    backoff_initial_seconds: float = Field(
        default=0.5, description="First exponential backoff step (jitter of the same size)."
    )
    backoff_max_seconds: float = Field(default=30.0, description="Longest backoff step.")
    max_retry_after_seconds: float = Field(
        default=120.0,
        description="Give up at once when the API asks to wait longer than this (e.g. a "
        "daily quota); also caps quota pauses from X-RateLimit-Remaining-All.",
    )

    @classmethod
    def from_settings(cls, settings: ApiSettings, **overrides: Any) -> CCDataApiResource:
        """Build from `api_settings()`; the key goes in as EnvVar so the UI never shows it."""
        key = EnvVar("CCDATA_API_KEY") if settings.api_key and not settings.embedded else None
        pacing = {
            "calls_per_second": settings.calls_per_second,
            "calls_per_minute": settings.calls_per_minute,
            "rate_limit_url": _url_config(settings.rate_limit_url),
        }
        return cls(
            base_url=settings.base_url,
            data_source=settings.source,
            api_key=key,
            **{**pacing, **overrides},
        )

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @property
    def kind(self) -> str:
        """The kind of data, api or simulator: what the warehouse's source marker records."""
        if self.embedded:
            return "simulator"
        return self.data_source or ("api" if self.api_key else "simulator")

    @property
    def source(self) -> str:
        """'simulated (embedded simulator)', 'real (CoinDesk Data API)' and the like."""
        return ApiSettings(base_url=self.base_url, source=self.kind).source_label

    def _policy(self) -> dict[str, Any]:
        real = not self.embedded
        cps = self.calls_per_second or (
            REAL_CALLS_PER_SECOND if real else SIMULATED_CALLS_PER_SECOND
        )
        cpm = self.calls_per_minute or (
            REAL_CALLS_PER_MINUTE if real else SIMULATED_CALLS_PER_MINUTE
        )
        return {
            "calls_per_second": float(cps),
            "calls_per_minute": float(cpm),
            "max_concurrency": self.max_concurrency,
            "timeout_seconds": self.timeout_seconds,
            "max_retries": self.max_retries,
            "backoff_initial_seconds": self.backoff_initial_seconds,
            "backoff_max_seconds": self.backoff_max_seconds,
            "max_retry_after_seconds": self.max_retry_after_seconds,
        }

    @asynccontextmanager
    async def open(self) -> AsyncIterator[CCDataClient]:
        """One client and one aiohttp session (plus the embedded simulator if no base_url)."""
        from ccdata_assets.api.client import CCDataClient  # aiohttp loads with the first run

        async with AsyncExitStack() as stack:
            if self.base_url is None:
                from ccdata_assets.simulator import SimulatorConfig, serve

                handle = await stack.enter_async_context(serve(SimulatorConfig()))
                base_url, key = handle.base_url, SIMULATOR_PLACEHOLDER_KEY
            else:
                base_url, key = self.base_url, self.api_key
            policy = self._policy()
            # The embedded simulator is this run's alone, so is its budget.
            url = MEMORY_URL if self.embedded else (self.rate_limit_url or rate_limit_url())
            budget = open_budget(
                url,
                account_id(base_url, key),
                policy["calls_per_second"],
                policy["calls_per_minute"],
            )
            stack.callback(budget.close)
            client = await stack.enter_async_context(
                CCDataClient.connect(base_url, key, source=self.source, budget=budget, **policy)
            )
            yield client


def _url_config(url: str | None) -> Any:
    """A budget URL with a password goes in as EnvVar, so the UI shows the name, not the URL."""
    if url and urlsplit(url).password:
        return EnvVar("CCDATA_RATE_LIMIT_URL")
    return url


__all__ = ["CCDataApiResource"]
