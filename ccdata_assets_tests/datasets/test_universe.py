from datetime import date, datetime

import polars as pl

from ccdata_assets.datasets.settings import UniverseSettings
from ccdata_assets.datasets.universe import grades_at_least, spot_universe

SETTINGS = UniverseSettings(
    top_n_assets=2,
    spot_exchanges=("binance", "kraken", "shadyx"),
    min_exchange_grade="BB",
    start_date=date(2025, 1, 1),
)
EXCHANGES = pl.DataFrame(
    {
        "internal_name": ["binance", "kraken", "shadyx", "coinbase"],
        "grade": ["AA", "BB", "C", "AAA"],
    }
)
ASSETS = pl.DataFrame({"asset_id": [1, 2, 3], "symbol": ["BTC", "ETH", "DOGE"]})
MARKET = pl.DataFrame(
    {
        "asset_id": [1, 2, 3, 3],
        "snapshot_ts": [datetime(2026, 1, 2)] * 3 + [datetime(2026, 1, 1)],
        # DOGE was top yesterday, its newest snapshot ranks it last.
        "spot_moving_30_day_quote_volume_usd": [9e9, 5e9, 1e9, 9e12],
    }
)


def instruments(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema=[
            "exchange_internal_name",
            "mapped_instrument_symbol",
            "base_asset_symbol",
            "instrument_status_on_exchange",
        ],
        orient="row",
    )


def test_grades_are_ordered_best_first() -> None:
    assert grades_at_least("BB") == ["AAA", "AA", "A", "BBB", "BB"]


def test_universe_applies_status_grade_exchange_and_top_n() -> None:
    chosen = spot_universe(
        instruments(
            ("kraken", "BTC-USD", "BTC", "ACTIVE"),
            ("binance", "ETH-USDT", "ETH", "ACTIVE"),
            ("binance", "BTC-EUR", "BTC", "RETIRED"),  # delisted
            ("binance", "DOGE-USDT", "DOGE", "ACTIVE"),  # not in the top 2 (newest snapshot)
            ("shadyx", "BTC-USDT", "BTC", "ACTIVE"),  # graded C
            ("coinbase", "BTC-USD", "BTC", "ACTIVE"),  # not a configured exchange
        ),
        EXCHANGES,
        ASSETS,
        MARKET,
        SETTINGS,
    )
    assert chosen == ["binance:ETH-USDT", "kraken:BTC-USD"]
