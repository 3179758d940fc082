"""Which instruments the platform keeps: one pure function of the metadata tables per universe.

Spot (the legacy rule): ACTIVE instruments on the configured exchanges that are graded at least the
configured grade, whose base asset is among the top N by the latest 30-day spot quote volume.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from ccdata_assets.assets.planning import Bounds
from ccdata_assets.datasets.settings import EXCHANGE_GRADES, UniverseSettings
from ccdata_assets.partitions import INSTRUMENT_KEY_FORMAT, InstrumentKey

if TYPE_CHECKING:
    from ccdata_assets.datasets.spec import Universe

STATUS_COLUMN = "instrument_status_on_exchange"  # ACTIVE, RETIRED, ... in instruments tables


def grades_at_least(grade: str) -> list[str]:
    return list(EXCHANGE_GRADES[: EXCHANGE_GRADES.index(grade) + 1])


def top_assets(assets: pl.DataFrame, market_data: pl.DataFrame, n: int) -> list[str]:
    """Symbols of the n assets with the highest 30-day spot volume in their newest snapshot."""
    latest = market_data.sort("snapshot_ts").group_by("asset_id").last()
    ranked = (
        latest.join(assets.select("asset_id", "symbol"), on="asset_id", how="inner")
        .filter(pl.col("spot_moving_30_day_quote_volume_usd").is_not_null())
        .sort(["spot_moving_30_day_quote_volume_usd", "symbol"], descending=[True, False])
    )
    return ranked.get_column("symbol").head(n).to_list()


def spot_universe(
    instruments: pl.DataFrame,
    exchanges: pl.DataFrame,
    assets: pl.DataFrame,
    market_data: pl.DataFrame,
    settings: UniverseSettings,
) -> list[str]:
    """Partition keys `<exchange>:<mapped instrument>`, sorted."""
    # The Min API names exchanges "Coinbase", "CryptoDotCom"; the Data API says "coinbase".
    graded = (
        exchanges.filter(pl.col("grade").is_in(grades_at_least(settings.min_exchange_grade)))
        .get_column("internal_name")
        .str.to_lowercase()
    )
    top = top_assets(assets, market_data, settings.top_n_assets)
    chosen = instruments.filter(
        (pl.col("instrument_status_on_exchange") == "ACTIVE")
        & pl.col("exchange_internal_name").is_in(list(settings.spot_exchanges))
        & pl.col("exchange_internal_name").is_in(graded.to_list())
        & pl.col("base_asset_symbol").is_in(top)
    )
    return _keys(chosen, "exchange_internal_name", "mapped_instrument_symbol")


def futures_universe(
    instruments: pl.DataFrame,
    assets: pl.DataFrame,
    market_data: pl.DataFrame,
    settings: UniverseSettings,
    has_column: str = "has_trades",
) -> list[str]:
    """Futures with `has_column` true (trades, funding or open-interest updates) on the
    configured exchanges, in the configured statuses (ACTIVE, EXPIRED...), on a top-N underlying.

    EXPIRED contracts stay in: their history is fetched once and their trade bounds make every
    later scheduled window an empty plan (no API call). Contracts that stopped trading before
    CCDATA_START_DATE have nothing to fetch and stay out."""
    top = top_assets(assets, market_data, settings.top_n_assets)
    start = datetime(settings.start_date.year, settings.start_date.month, settings.start_date.day)
    chosen = instruments.filter(
        pl.col(has_column).fill_null(False)
        & (pl.col("last_trade_datetime").is_null() | (pl.col("last_trade_datetime") >= start))
        & pl.col("exchange_internal_name").is_in(list(settings.futures_exchanges))
        & pl.col("instrument_status_on_exchange").is_in(list(settings.futures_statuses))
        & pl.col("index_underlying_symbol").is_in(top)
    )
    return _keys(chosen, "exchange_internal_name", "mapped_instrument_symbol")


def index_universe(
    instruments: pl.DataFrame,
    assets: pl.DataFrame,
    market_data: pl.DataFrame,
    settings: UniverseSettings,
) -> list[str]:
    """Top-N assets quoted in USD, in every configured index family (cadli, ccix)."""
    top = top_assets(assets, market_data, settings.top_n_assets)
    chosen = instruments.filter(
        (pl.col("instrument_status_on_exchange") == "ACTIVE")
        & pl.col("market").is_in(list(settings.index_markets))
        & (pl.col("quote_asset_symbol") == "USD")
        & pl.col("base_asset_symbol").is_in(top)
    )
    return _keys(chosen, "market", "instrument")


def _keys(frame: pl.DataFrame, market: str, instrument: str) -> list[str]:
    keys = frame.select(pl.format(INSTRUMENT_KEY_FORMAT, market, instrument).alias("key"))
    return sorted(keys.get_column("key").to_list())


def instrument_bounds(instruments: pl.DataFrame, universe: Universe) -> dict[InstrumentKey, Bounds]:
    """First and last trade of each instrument of `universe` (rows of its instruments table); the
    last only for instruments no longer active. Assets plan their requests by these, and the
    checks expect periods by the same bounds."""
    if instruments.is_empty():
        return {}
    bounds = {}
    for row in instruments.iter_rows(named=True):
        retired = row.get(STATUS_COLUMN) not in (None, "ACTIVE")
        bounds[InstrumentKey(row[universe.market_column], row[universe.instrument_column])] = (
            Bounds(
                first_trade=row[universe.first_trade_column],
                last_trade=row[universe.last_trade_column] if retired else None,
            )
        )
    return bounds
