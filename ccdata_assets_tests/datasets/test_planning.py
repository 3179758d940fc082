from datetime import UTC, date, datetime

import pytest

from ccdata_assets.assets.planning import Bounds, Span, plan, window_spans
from ccdata_assets.datasets.spec import DAY, HOUR, MINUTE
from ccdata_assets.partitions import InstrumentKey, PartitionKeyError, next_partition

BTC = InstrumentKey("kraken", "BTC-USD")
NOW = datetime(2026, 1, 10, 12, 30, tzinfo=UTC)


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_next_partition_rolls_months_and_days() -> None:
    assert next_partition(date(2025, 12, 1), "monthly") == date(2026, 1, 1)
    assert next_partition(date(2024, 2, 28), "daily") == date(2024, 2, 29)


def test_contiguous_days_merge_into_one_span_and_gaps_split() -> None:
    days = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 6)]
    assert window_spans(days, "daily", 60) == [
        Span(ts(2026, 1, 1), ts(2026, 1, 3, 23, 59)),
        Span(ts(2026, 1, 6), ts(2026, 1, 6, 23, 59)),
    ]


def test_contiguous_months_merge_and_cover_whole_months() -> None:
    months = [date(2025, 11, 1), date(2025, 12, 1), date(2026, 2, 1)]
    assert window_spans(months, "monthly", HOUR.seconds) == [
        Span(ts(2025, 11, 1), ts(2025, 12, 31, 23)),
        Span(ts(2026, 2, 1), ts(2026, 2, 28, 23)),
    ]


def test_plan_groups_keys_per_instrument_and_stops_before_the_open_candle() -> None:
    keys = [f"2026-01-{d:02d}|kraken:BTC-USD" for d in (9, 10)] + ["2026-01-09|binance:ETH-USDT"]
    planned = plan(keys, MINUTE, {}, NOW)
    # 12:30 on the 10th: the 12:30 minute is still open, 12:29 is the last closed one.
    assert planned[BTC] == [Span(ts(2026, 1, 9), ts(2026, 1, 10, 12, 29))]
    eth = InstrumentKey("binance", "ETH-USDT")
    assert planned[eth] == [Span(ts(2026, 1, 9), ts(2026, 1, 9, 23, 59))]
    # The month holding today ends at the last closed hour, or the last closed day.
    month = ["2026-01-01|kraken:BTC-USD"]
    assert plan(month, HOUR, {}, NOW)[BTC] == [Span(ts(2026, 1, 1), ts(2026, 1, 10, 11))]
    assert plan(month, DAY, {}, NOW)[BTC] == [Span(ts(2026, 1, 1), ts(2026, 1, 9))]


def test_plan_clamps_to_listing_and_delisting() -> None:
    keys = [f"2026-01-0{d}|kraken:BTC-USD" for d in range(1, 9)]
    bounds = {BTC: Bounds(datetime(2026, 1, 3, 7, 15), datetime(2026, 1, 5, 2, 59, 30))}
    assert plan(keys, MINUTE, bounds, NOW)[BTC] == [
        Span(ts(2026, 1, 3, 7, 15), ts(2026, 1, 5, 2, 59))
    ]


def test_windows_before_listing_plan_nothing_rather_than_fail() -> None:
    bounds = {BTC: Bounds(first_trade=datetime(2026, 2, 8))}
    later = datetime(2026, 3, 1, tzinfo=UTC)
    assert plan(["2026-01-01|kraken:BTC-USD"], HOUR, bounds, later) == {BTC: []}


@pytest.mark.parametrize(
    "key",
    ["2026-01-01", "2026-13-01|kraken:BTC-USD", "2026-01-01|BTC-USD", "2026-01-01|Kraken:BTC USD"],
)
def test_bad_partition_keys_say_what_is_wrong(key: str) -> None:
    with pytest.raises(PartitionKeyError, match=r"partition key|Partition key"):
        plan([key], HOUR, {}, NOW)
