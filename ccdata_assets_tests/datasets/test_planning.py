from datetime import UTC, date, datetime

import pytest

from ccdata_assets.assets.planning import (
    Bounds,
    InstrumentKey,
    PartitionKeyError,
    Span,
    day_spans,
    plan,
)

HOUR = 3600
BTC = InstrumentKey("kraken", "BTC-USD")
NOW = datetime(2026, 1, 10, 12, 30, tzinfo=UTC)


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_contiguous_days_merge_into_one_span_and_gaps_split() -> None:
    days = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 6)]
    assert day_spans(days, HOUR) == [
        Span(ts(2026, 1, 1), ts(2026, 1, 3, 23)),
        Span(ts(2026, 1, 6), ts(2026, 1, 6, 23)),
    ]


def test_plan_groups_keys_per_instrument_and_stops_before_the_open_candle() -> None:
    keys = [f"2026-01-{d:02d}|kraken:BTC-USD" for d in (9, 10)] + ["2026-01-09|binance:ETH-USDT"]
    planned = plan(keys, HOUR, {}, NOW)
    # 12:30 on the 10th: the 12:00 candle is still open, 11:00 is the last closed one.
    assert planned[BTC] == [Span(ts(2026, 1, 9), ts(2026, 1, 10, 11))]
    assert planned[InstrumentKey("binance", "ETH-USDT")] == [
        Span(ts(2026, 1, 9), ts(2026, 1, 9, 23))
    ]


def test_plan_clamps_to_listing_and_delisting() -> None:
    keys = [f"2026-01-0{d}|kraken:BTC-USD" for d in range(1, 9)]
    bounds = {BTC: Bounds(datetime(2026, 1, 3, 7, 15), datetime(2026, 1, 5, 2, 59))}
    assert plan(keys, HOUR, bounds, NOW)[BTC] == [Span(ts(2026, 1, 3, 7), ts(2026, 1, 5, 2))]


def test_days_before_listing_plan_nothing_rather_than_fail() -> None:
    bounds = {BTC: Bounds(first_trade=datetime(2026, 1, 8))}
    assert plan(["2026-01-01|kraken:BTC-USD"], HOUR, bounds, NOW) == {BTC: []}


@pytest.mark.parametrize(
    "key",
    ["2026-01-01", "2026-13-01|kraken:BTC-USD", "2026-01-01|BTC-USD", "2026-01-01|Kraken:BTC USD"],
)
def test_bad_partition_keys_say_what_is_wrong(key: str) -> None:
    with pytest.raises(PartitionKeyError, match=r"partition key|Partition key"):
        plan([key], HOUR, {}, NOW)
