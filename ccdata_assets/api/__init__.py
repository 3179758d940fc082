"""Data API access: typed errors, a rate-limited retrying client, page planning, the resource.

The client (and aiohttp) load on first use, not with the code location.
"""

from typing import Any

from ccdata_assets.api.errors import (
    ApiAuthError,
    ApiBadRequestError,
    ApiError,
    ApiRateLimitedError,
    ApiServerError,
    ApiUnreachableError,
    HistoryStartsLaterError,
    UnknownMarketOrInstrumentError,
)
from ccdata_assets.api.paging import (
    Page,
    fetch_page,
    plan_pages,
)
from ccdata_assets.api.resource import CCDataApiResource

__all__ = [
    "ApiAuthError",
    "ApiBadRequestError",
    "ApiError",
    "ApiRateLimitedError",
    "ApiServerError",
    "ApiStats",
    "ApiUnreachableError",
    "CCDataApiResource",
    "CCDataClient",
    "HistoryStartsLaterError",
    "Page",
    "UnknownMarketOrInstrumentError",
    "fetch_page",
    "plan_pages",
]


def __getattr__(name: str) -> Any:
    if name in ("ApiStats", "CCDataClient"):
        from ccdata_assets.api import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
