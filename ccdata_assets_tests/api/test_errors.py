"""Error envelope -> typed exception, one sentence each, and the pure header parsers."""

from __future__ import annotations

import pickle
import re

import pytest

from ccdata_assets.api.client import exhausted_window_reset, parse_retry_after
from ccdata_assets.api.errors import (
    ApiAuthError,
    ApiBadRequestError,
    ApiError,
    ApiRateLimitedError,
    ApiServerError,
    ApiUnreachableError,
    HistoryStartsLaterError,
    UnknownMarketOrInstrumentError,
    error_from_data_api,
    error_from_min_api,
)

PATH = "/spot/v1/historical/hours"


def one_sentence(message: str) -> bool:
    """Ends with a full stop and has no sentence break inside (URLs and decimals are fine)."""
    return message.endswith(".") and not re.search(r"[.!?]\s+[A-Z]", message[:-1])


def test_unknown_instrument_names_the_instrument() -> None:
    err = {
        "type": 2,
        "message": "Not found: instrument parameter. Value FOO-BAR not integrated yet.",
        "other_info": {"param": "instrument", "values": ["FOO-BAR"]},
    }
    exc = error_from_data_api(404, err, path=PATH)
    assert isinstance(exc, UnknownMarketOrInstrumentError)
    assert (exc.status, exc.param) == (404, "instrument")
    assert "'FOO-BAR'" in str(exc) and PATH in str(exc)
    assert one_sentence(str(exc))


@pytest.mark.parametrize(
    ("path", "listing"),
    [
        ("/futures/v1/historical/ohlcv/hours", "/futures/v1/markets/instruments"),
        ("/index/cc/v1/historical/days", "/index/cc/v1/markets/instruments"),
        ("/spot/v1/historical/days", "/spot/v1/markets/instruments"),
    ],
)
def test_unknown_instrument_points_to_its_familys_listing(path: str, listing: str) -> None:
    err = {"message": "Not found: instrument", "other_info": {"param": "instrument"}}
    exc = error_from_data_api(404, err, path=path)
    assert isinstance(exc, UnknownMarketOrInstrumentError)
    assert listing in str(exc)
    assert "/spot/" not in str(exc) or path.startswith("/spot/")


def test_unknown_market_points_to_the_markets_listing() -> None:
    err = {"message": "Not found: market", "other_info": {"param": "market", "values": ["nope"]}}
    exc = error_from_data_api(404, err, path=PATH)
    assert isinstance(exc, UnknownMarketOrInstrumentError) and exc.param == "market"
    assert "/spot/v1/markets" in str(exc) and "'nope'" in str(exc)


@pytest.mark.parametrize(
    ("message", "other_info"),
    [
        ("Invalid: to_ts parameter is before FIRST_TRADE_SPOT_TIMESTAMP", {"first": 1_500_000_000}),
        ("No HOUR entries available on or before 1400000000", {}),
        ("whatever", {"param": "to_ts", "first": 1_500_000_000_000}),  # milliseconds tolerated
    ],
)
def test_404_before_first_data_is_history_starts_later(message: str, other_info: dict) -> None:
    exc = error_from_data_api(
        404,
        {"message": message, "other_info": other_info},
        path=PATH,
        params={"to_ts": "1400000000"},
    )
    assert isinstance(exc, HistoryStartsLaterError)
    assert exc.to_ts == 1_400_000_000
    if other_info.get("first"):
        assert exc.first == 1_500_000_000
        assert "2017-07-14T02:40:00Z" in str(exc)
    assert "FIRST_TRADE_*" in str(exc) and "empty" in str(exc)
    assert one_sentence(str(exc))


def test_bad_limit_names_the_param_and_value() -> None:
    err = {"message": "Out of range: limit", "other_info": {"param": "limit", "values": [6000]}}
    exc = error_from_data_api(400, err, path=PATH)
    assert isinstance(exc, ApiBadRequestError)
    assert exc.param == "limit" and "'limit'" in str(exc) and "6000" in str(exc)
    assert one_sentence(str(exc))


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_say_to_set_the_key(status: int) -> None:
    exc = error_from_data_api(status, {"message": "API key required"}, path=PATH)
    assert isinstance(exc, ApiAuthError) and exc.status == status
    assert "set CCDATA_API_KEY to a valid key" in str(exc)
    assert one_sentence(str(exc))


def test_statuses_without_a_body_still_map() -> None:
    rate = error_from_data_api(429, None, path=PATH, retry_after=0.2)
    assert isinstance(rate, ApiRateLimitedError) and rate.retry_after == 0.2
    assert isinstance(error_from_data_api(502, None, path=PATH), ApiServerError)
    other = error_from_data_api(405, None, path=PATH)
    assert type(other) is ApiError and other.status == 405 and one_sentence(str(other))


def test_retryable_errors_reword_with_attempts_and_survive_pickling() -> None:
    exc = ApiServerError(status=503, path=PATH).with_attempts(4)
    assert "after 4 attempts" in str(exc) and exc.attempts == 4 and one_sentence(str(exc))
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is ApiServerError and str(again) == str(exc)
    unreachable = ApiUnreachableError(base_url="http://127.0.0.1:9", reason="refused")
    assert "DATA_API_BASE_URL" in str(unreachable) and "http://127.0.0.1:9" in str(unreachable)
    assert one_sentence(str(unreachable))


def test_server_text_is_cleaned_before_it_is_stored() -> None:
    err = {"message": "bad key sk-SECRET-123", "other_info": {"param": "limit", "values": ["x"]}}
    exc = error_from_data_api(
        400, err, path=PATH, clean=lambda s: s.replace("sk-SECRET-123", "***")
    )
    assert exc.api_message == "bad key ***"


def test_min_api_envelope_errors() -> None:
    limited = error_from_min_api(
        {"Response": "Error", "Message": "You are over your rate limit", "Type": 99}, path="/data/x"
    )
    assert isinstance(limited, ApiRateLimitedError)
    missing = error_from_min_api(
        {"Response": "Error", "Message": "market does not exist for this coin pair", "Type": 2},
        path="/data/v2/histoday",
    )
    assert isinstance(missing, UnknownMarketOrInstrumentError)


def test_retry_after_parsing() -> None:
    assert parse_retry_after("0.2") == 0.2
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_exhausted_window_reset_reads_the_all_headers() -> None:
    fresh = {"X-RateLimit-Remaining-All": "1220397, 9500;window=1, 9500;window=60"}
    assert exhausted_window_reset(fresh) is None
    headers = {
        "X-RateLimit-Remaining-All": "5, 3;window=1, 0;window=60, 0;window=3600, 5;window=86400",
        "X-RateLimit-Reset-All": "100, 1;window=1, 17;window=60, 1800;window=3600, 9;window=86400",
    }
    assert exhausted_window_reset(headers) == 1800.0
    assert exhausted_window_reset({"X-RateLimit-Remaining-All": "0, 0;window=60"}) == 60.0
