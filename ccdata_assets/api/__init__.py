"""Data API access: typed errors, a rate-limited retrying client, page planning, the resource."""

from ccdata_assets.api.client import ApiStats, CCDataClient
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
