"""The partition key format built here is the one Dagster writes and reads back."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg
import pytest

from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.datasets.settings import universe_settings
from ccdata_assets.partitions import (
    DATE_DIMENSION,
    INSTRUMENT_DIMENSION,
    RANGE_END,
    RANGE_START,
    InstrumentKey,
    PartitionKeyError,
    multi_key,
    parse_partition_key,
    partitions_for,
    range_tags,
    recent_windows,
    window_bounds,
)

MINUTES = next(s for s in TIME_SERIES if s.interval.label == "1m")


def test_keys_built_here_are_the_keys_dagster_writes_and_parses() -> None:
    instrument = InstrumentKey("kraken", "BTC-USD")
    key = multi_key(date(2026, 6, 1), instrument.key)
    dagster_key = dg.MultiPartitionKey(
        {DATE_DIMENSION: "2026-06-01", INSTRUMENT_DIMENSION: "kraken:BTC-USD"}
    )
    assert key == str(dagster_key) == "2026-06-01|kraken:BTC-USD"
    parsed = partitions_for(MINUTES, universe_settings({})).get_partition_key_from_str(key)
    assert parse_partition_key(parsed) == parse_partition_key(key) == (date(2026, 6, 1), instrument)
    assert InstrumentKey.parse(instrument.key) == instrument


def test_range_tags_name_the_first_and_last_key_of_the_rectangle() -> None:
    tags = range_tags(date(2026, 5, 1), date(2026, 6, 1), ["binance:ETH-USDT", "kraken:BTC-USD"])
    assert tags == {
        RANGE_START: "2026-05-01|binance:ETH-USDT",
        RANGE_END: "2026-06-01|kraken:BTC-USD",
    }


@pytest.mark.parametrize(
    "key",
    ["2026-06-01", "2026-13-01|kraken:BTC-USD", "2026-06-01|Kraken:BTC-USD", "2026-06-01|kraken"],
)
def test_keys_this_platform_could_not_have_made_are_refused(key: str) -> None:
    with pytest.raises(PartitionKeyError, match=r"[Pp]artition key"):
        parse_partition_key(key)


def test_windows_roll_over_months_and_years() -> None:
    assert recent_windows(date(2026, 1, 15), "monthly", 3) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]
    assert window_bounds(date(2025, 12, 1), "monthly") == (
        datetime(2025, 12, 1),
        datetime(2026, 1, 1),
    )
    assert window_bounds(date(2024, 2, 28), "daily") == (
        datetime(2024, 2, 28),
        datetime(2024, 2, 29),
    )
