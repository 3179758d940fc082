"""The partition key format built here is the one Dagster writes and reads back."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
    first_kept_window,
    multi_key,
    newest_window,
    open_window,
    parse_partition_key,
    partitions_for,
    range_tags,
    recent_windows,
    time_dimension,
    window_bounds,
)

MINUTES = next(s for s in TIME_SERIES if s.interval.label == "1m")
DAYS = next(s for s in TIME_SERIES if s.interval.label == "1d")
JUNE_15 = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


def test_minute_partitions_span_only_the_kept_days_others_start_at_start_date() -> None:
    """The health bar counts what is kept: 3 days of minutes, every month since the start date."""
    settings = universe_settings(
        {"CCDATA_START_DATE": "2025-01-01", "CCDATA_MINUTE_HISTORY_DAYS": "3"}
    )
    minutes = time_dimension(partitions_for(MINUTES, settings, JUNE_15))
    assert minutes.get_partition_keys(current_time=JUNE_15) == [
        "2026-06-13",
        "2026-06-14",
        "2026-06-15",
    ]
    months = time_dimension(partitions_for(DAYS, settings, JUNE_15))
    keys = months.get_partition_keys(current_time=JUNE_15)
    assert (keys[0], keys[-1], len(keys)) == ("2025-01-01", "2026-06-01", 18)
    late = universe_settings({"CCDATA_START_DATE": "2026-06-14"})  # inside the kept days: wins
    assert first_kept_window(MINUTES, late, JUNE_15) == date(2026, 6, 14)
    assert first_kept_window(DAYS, late, JUNE_15) == date(2026, 6, 1)


@pytest.mark.parametrize(
    ("spec", "moment", "newest", "current"),
    [
        (DAYS, datetime(2026, 7, 1, 0, 15, tzinfo=UTC), date(2026, 6, 1), date(2026, 7, 1)),
        (MINUTES, datetime(2026, 7, 1, 0, 0, tzinfo=UTC), date(2026, 6, 30), date(2026, 7, 1)),
        (DAYS, JUNE_15, date(2026, 6, 1), date(2026, 6, 1)),
    ],
)
def test_the_open_window_holds_now_even_before_any_of_its_candles_closed(
    spec, moment, newest, current
) -> None:
    assert newest_window(spec, moment) == newest
    assert open_window(spec, moment) == current


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
