"""Check thresholds: defaults per interval, overrides from general to specific, one-sentence
errors that name the file and the key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ccdata_assets.checks.sanity import bounded_columns
from ccdata_assets.checks.settings import ENV, check_settings
from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.settings import ConfigError

SPEC = {spec.name: spec for spec in TIME_SERIES}
NAMES = [*SPEC, "spot_instruments"]


def load(tmp_path, text: str):
    path = tmp_path / "checks.toml"
    path.write_text(text)
    return check_settings({ENV: str(path)}, NAMES)


def test_defaults_follow_the_interval() -> None:
    settings = check_settings({}, NAMES)
    assert settings.for_time_series(SPEC["spot_ohlcv_1d"]).freshness == timedelta(hours=36)
    assert settings.for_time_series(SPEC["spot_ohlcv_1h"]).freshness == timedelta(hours=3)
    assert settings.for_time_series(SPEC["futures_ohlcv_1m"]).freshness == timedelta(minutes=30)
    assert settings.for_snapshot("spot_instruments").freshness == timedelta(hours=36)
    funding = settings.for_time_series(SPEC["futures_funding_rate_1h"])
    assert funding.bounds["*_fr"] == (-0.05, 0.05)
    assert settings.per_partition == {"missing_periods"}


def test_overrides_apply_from_general_to_specific(tmp_path) -> None:
    settings = load(
        tmp_path,
        """
        per_partition = ["missing_periods", "unique_keys"]
        [defaults]
        outlier_sigmas = 12
        max_unreviewed_quarantine = 3
        [intervals."1m"]
        freshness = "45m"
        [data_sets.spot_ohlcv_1m]
        max_unreviewed_quarantine = 100
        ignored_api_fields = ["UNIT", "TYPE", "CCSEQ"]
        [data_sets.futures_funding_rate_1h.bounds]
        "*_fr" = [-0.1, "inf"]
        close_fr = [-1, 1]
        [data_sets.spot_instruments]
        freshness = "2d"
        """,
    )
    minute = settings.for_time_series(SPEC["spot_ohlcv_1m"])
    assert (minute.freshness, minute.outlier_sigmas, minute.max_unreviewed_quarantine) == (
        timedelta(minutes=45),
        12.0,
        100,
    )
    assert minute.ignored_api_fields == {"UNIT", "TYPE", "CCSEQ"}
    other_minute = settings.for_time_series(SPEC["futures_ohlcv_1m"])
    assert (other_minute.freshness, other_minute.max_unreviewed_quarantine) == (
        timedelta(minutes=45),
        3,
    )
    funding = settings.for_time_series(SPEC["futures_funding_rate_1h"]).bounds
    assert funding["*_fr"] == (-0.1, float("inf")) and funding["*_oi_quote"] == (0.0, 1e12)
    columns = bounded_columns(SPEC["futures_funding_rate_1h"].table, funding)
    assert columns == {
        "open_fr": (-0.1, float("inf")),
        "high_fr": (-0.1, float("inf")),
        "low_fr": (-0.1, float("inf")),
        "close_fr": (-1.0, 1.0),  # the data set's own glob is tried before the defaults
    }
    assert settings.for_snapshot("spot_instruments").freshness == timedelta(days=2)
    assert settings.per_partition == {"missing_periods", "unique_keys"}
    shown = minute.as_metadata()
    assert shown["threshold/freshness"] == "45m"
    assert shown["threshold/bounds"]["*_oi_contracts"] == [0.0, "inf"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[defaults]\nfreshness = "soon"', "freshness"),
        ("[defaults]\noutlier_sigma = 3", "outlier_sigma"),
        ("[data_sets.spot_ohlcv_2m]\nsample = 3", "spot_ohlcv_2m"),
        ('[intervals."5m"]\nsample = 3', "5m"),
        ("[defaults.bounds]\nclose_fr = [1, -1]", "close_fr"),
        ('per_partition = ["schema"]', "per_partition"),
        ("[defaults]\nmax_unreviewed_quarantine = -1", "max_unreviewed_quarantine"),
        ("[defaults\n", "not valid TOML"),
    ],
)
def test_a_bad_file_stops_loading_with_one_sentence(tmp_path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named) as raised:
        load(tmp_path, text)
    assert str(tmp_path / "checks.toml") in str(raised.value)


def test_an_unreadable_file_is_named(tmp_path) -> None:
    with pytest.raises(ConfigError, match=f"{ENV} names .*missing.toml"):
        check_settings({ENV: str(tmp_path / "missing.toml")}, NAMES)
