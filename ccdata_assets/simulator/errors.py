"""The Data API error envelope: real HTTP status, ``Data: {}`` and ``Err: {type, message, other_info}``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

DOCS_URL = "https://developers.coindesk.com/"
API_HOST = "https://data-api.cryptocompare.com"
AUTH_MESSAGE = f"API key required, please refer to the documentation at {DOCS_URL}"


class ApiError(Exception):
    """Raised by handlers; rendered as the real API's error body with the given status."""

    def __init__(
        self, status: int, message: str, other_info: dict[str, Any] | None = None, err_type: int = 1
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.other_info = other_info or {}
        self.err_type = err_type


def dumps(payload: object) -> bytes:
    """The one JSON serialiser used for bodies: compact and stable."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def whole_as_int(value: object) -> object:
    """Whole floats as ints, recursively: the real API prints 21000000, not 21000000.0."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {k: whole_as_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_as_int(v) for v in value]
    return value


def json_response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


def error_body(err: ApiError) -> bytes:
    payload: dict[str, Any] = {
        "Data": {},
        "Err": {"type": err.err_type, "message": err.message, "other_info": err.other_info},
    }
    if err.status == 401:
        payload["Err"]["http_status_code"] = 401
    return dumps(payload)


def error_response(err: ApiError) -> web.Response:
    return json_response(error_body(err), status=err.status)


def bad_param(param: str, value: object, message: str) -> ApiError:
    """HTTP 400 for a malformed parameter value."""
    return ApiError(400, message, {"param": param, "values": [value]})


def market_not_found(market: str, family: str, listing_path: str) -> ApiError:
    return ApiError(
        404,
        f"Not found: market parameter. Value {market} not integrated yet. We list all markets in "
        "lowercase and transform the parameter sent, make sure you check the "
        f"{API_HOST}{listing_path} endpoint for a list of all the supported {family} markets",
        {"param": "market", "values": [market]},
    )


def instrument_not_found(market: str, instrument: str, listing_path: str) -> ApiError:
    return ApiError(
        404,
        f"Not found: instrument parameter. Value {instrument} not integrated yet on {market}. "
        f"Please check the {API_HOST}{listing_path}?market={market} endpoint for a list of all "
        "the supported instruments",
        {"param": "instrument", "values": [instrument]},
    )
