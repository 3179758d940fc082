"""Every data set the platform keeps, described once. Assets, checks and schedules come from here.

A column's API field defaults to the column name upper-cased; `fields` lists only the renames.
"""

from __future__ import annotations

import polars as pl

from ccdata_assets.datasets import payloads
from ccdata_assets.datasets.spec import (
    INTERVALS,
    Interval,
    RowRule,
    SnapshotSpec,
    TableOutput,
    TimeSeriesSpec,
    Universe,
)
from ccdata_assets.settings import UniverseSettings

# --- row rules shared by every candle table -------------------------------------------------------


def _ohlc_rules(prefix: str = "") -> tuple[RowRule, ...]:
    o, h, lo, c = (pl.col(f"{prefix}{n}") for n in ("open", "high", "low", "close"))
    return (
        RowRule(
            "prices_positive",
            "a price (OPEN/HIGH/LOW/CLOSE) is zero or negative",
            lambda: (o > 0) & (h > 0) & (lo > 0) & (c > 0),
        ),
        RowRule("high_not_below_low", "HIGH is below LOW", lambda: h >= lo),
        RowRule(
            "high_covers_open_close",
            "HIGH is below OPEN or CLOSE",
            lambda: h >= pl.max_horizontal(o, c),
        ),
        RowRule(
            "low_covers_open_close",
            "LOW is above OPEN or CLOSE",
            lambda: lo <= pl.min_horizontal(o, c),
        ),
    )


def _not_negative(columns: tuple[str, ...], what: str) -> RowRule:
    return RowRule(
        f"{what}_not_negative",
        f"a {what} field ({', '.join(c.upper() for c in columns)}) is negative",
        lambda: pl.all_horizontal(pl.col(c).fill_null(0) >= 0 for c in columns),
    )


VOLUME_COLUMNS = (
    "volume", "quote_volume", "volume_buy", "quote_volume_buy",
    "volume_sell", "quote_volume_sell", "volume_unknown", "quote_volume_unknown",
)  # fmt: skip
TRADE_COLUMNS = ("total_trades", "total_trades_buy", "total_trades_sell", "total_trades_unknown")
CANDLE_RULES = (
    *_ohlc_rules(),
    _not_negative(VOLUME_COLUMNS, "volume"),
    _not_negative(TRADE_COLUMNS, "trade count"),
)

# --- spot -----------------------------------------------------------------------------------------

SPOT_UNIVERSE = Universe(
    partitions_name="spot_instruments",
    instruments_table="cc_instruments_spot",
    market_column="exchange_internal_name",
    instrument_column="mapped_instrument_symbol",
    first_trade_column="first_trade_datetime",
    last_trade_column="last_trade_datetime",
)

SPOT_CANDLE_FIELDS = {
    "datetime": "TIMESTAMP",
    "exchange": "MARKET",
    "symbol_unmapped": "INSTRUMENT",
    "symbol": "MAPPED_INSTRUMENT",
}


def aligned(column: str, interval: Interval) -> RowRule:
    """A candle's timestamp is the start of its bucket; anything else is a malformed record."""
    return RowRule(
        "timestamp_aligned",
        f"TIMESTAMP is not the start of a {interval.label} bucket",
        lambda: pl.col(column).dt.epoch("s") % interval.seconds == 0,
    )


def _spot_ohlcv(interval: Interval) -> TimeSeriesSpec:
    return TimeSeriesSpec(
        name=f"spot_ohlcv_{interval.label}",
        group="spot",
        path=f"/spot/v1/historical/{interval.unit}",
        interval=interval,
        table=f"cc_ohlcv_spot_{interval.label}_raw",
        universe=SPOT_UNIVERSE,
        time_column="datetime",
        instrument_columns=("exchange", "symbol"),
        fields=SPOT_CANDLE_FIELDS,
        request_params=lambda market, instrument: {"market": market, "instrument": instrument},
        rules=(aligned("datetime", interval), *CANDLE_RULES),
        description=(
            f"Spot OHLCV candles at {interval.label} per exchange and instrument "
            f"(`{f'/spot/v1/historical/{interval.unit}'}`); periods the API filled because "
            "nothing traded are kept, with empty trade fields."
        ),
    )


def _per_exchange(settings: UniverseSettings, **params: str) -> list[dict[str, str]]:
    return [{"market": exchange, **params} for exchange in settings.spot_exchanges]


SPOT_INSTRUMENTS = SnapshotSpec(
    name="spot_instruments",
    group="spot",
    path="/spot/v1/markets/instruments",
    records=payloads.market_instruments,
    requests=lambda s: _per_exchange(s, instrument_status="ACTIVE,RETIRED"),
    outputs=(
        TableOutput(
            name="spot_instruments",
            table="cc_instruments_spot",
            key_fields=("MARKET", "MAPPED_INSTRUMENT"),
            fields={
                "exchange_internal_name": "MARKET",
                "mapped_instrument_symbol": "MAPPED_INSTRUMENT",
                "api_instrument_type": "TYPE",
                "instrument_status_on_exchange": "INSTRUMENT_STATUS",
                "exchange_instrument_symbol_raw": "INSTRUMENT",
                "base_asset_symbol": "INSTRUMENT_MAPPING.BASE",
                "base_asset_id": "INSTRUMENT_MAPPING.BASE_ID",
                "quote_asset_symbol": "INSTRUMENT_MAPPING.QUOTE",
                "quote_asset_id": "INSTRUMENT_MAPPING.QUOTE_ID",
                "transform_function": "INSTRUMENT_MAPPING.TRANSFORM_FUNCTION",
                "instrument_mapping_created_datetime": "INSTRUMENT_MAPPING.CREATED_ON",
                "has_trades": "HAS_TRADES_SPOT",
                "first_trade_datetime": "FIRST_TRADE_SPOT_TIMESTAMP",
                "last_trade_datetime": "LAST_TRADE_SPOT_TIMESTAMP",
                "total_trades_instrument_level": "TOTAL_TRADES_SPOT",
            },
            description="Spot instruments (active and retired) on the configured exchanges.",
        ),
    ),
)

_MARKET_STATUS_FIELDS = {
    "exchange_internal_name": "MARKET",
    "api_exchange_type": "TYPE",
    "instruments_active_count": "INSTRUMENT_STATUS.ACTIVE",
    "instruments_ignored_count": "INSTRUMENT_STATUS.IGNORED",
    "instruments_retired_count": "INSTRUMENT_STATUS.RETIRED",
    "instruments_expired_count": "INSTRUMENT_STATUS.EXPIRED",
    "instruments_retired_unmapped_count": "INSTRUMENT_STATUS.RETIRED_UNMAPPED",
    "has_orderbook_l2_snapshots": "HAS_ORDERBOOK_L2_MINUTE_SNAPSHOTS_ENABLED",
    "api_data_retrieved_datetime": "_RETRIEVED_AT",
}

SPOT_EXCHANGES = SnapshotSpec(
    name="spot_exchanges",
    group="spot",
    path="/spot/v1/markets",
    records=payloads.markets,
    outputs=(
        TableOutput(
            name="spot_exchanges",
            table="cc_exchange_spot_details",
            key_fields=("MARKET",),
            fields={**_MARKET_STATUS_FIELDS, "total_trades_exchange_level": "TOTAL_TRADES_SPOT"},
            description="Spot exchanges (markets) with instrument counts by status.",
        ),
    ),
)

# --- reference data the universes are drawn from ---------------------------------------------------

EXCHANGES_GENERAL = SnapshotSpec(
    name="exchanges_general",
    group="reference",
    path="/data/exchanges/general",
    records=payloads.keyed_objects,
    requests=lambda _: [{"tsym": "USD"}],
    outputs=(
        TableOutput(
            name="exchanges_general",
            table="cc_exchanges_general",
            key_fields=("InternalName", "Name"),
            fields={
                "exchange_api_id": "Id",
                "name": "Name",
                "internal_name": "InternalName",
                "api_url_path": "Url",
                "logo_url_path": "LogoUrl",
                "item_types": "ItemType",
                "centralization_type": "CentralizationType",
                "grade_points": "GradePoints",
                "grade": "Grade",
                "grade_points_legal": "GradePointsSplit.Legal",
                "grade_points_kyc_risk": "GradePointsSplit.KYCAndTransactionRisk",
                "grade_points_team": "GradePointsSplit.Team",
                "grade_points_data_provision": "GradePointsSplit.DataProvision",
                "grade_points_asset_quality": "GradePointsSplit.AssetQualityAndDiversity",
                "grade_points_market_quality": "GradePointsSplit.MarketQuality",
                "grade_points_security": "GradePointsSplit.Security",
                "grade_points_neg_reports_penalty": "GradePointsSplit.NegativeReportsPenalty",
                "affiliate_url": "AffiliateURL",
                "country": "Country",
                "has_orderbook": "OrderBook",
                "has_trades": "Trades",
                "description": "Description",
                "full_address": "FullAddress",
                "is_sponsored": "Sponsored",
                "is_recommended": "Recommended",
                "rating_avg": "Rating.Avg",
                "rating_total_users": "Rating.TotalUsers",
                "sort_order": "SortOrder",
                "total_volume_24h_usd": "TOTALVOLUME24H.USD",
            },
            description="Exchanges with their CryptoCompare grade (the spot universe's filter).",
        ),
    ),
)

ASSETS = SnapshotSpec(
    name="assets",
    group="reference",
    path="/asset/v1/top/list",
    records=payloads.listed,
    requests=lambda _: [{"page_size": "100", "sort_by": "CIRCULATING_MKT_CAP_USD"}],
    pages=payloads.top_list_pages,
    outputs=(
        TableOutput(
            name="assets",
            table="cc_assets",
            key_fields=("ID", "SYMBOL"),
            fields={
                "asset_id": "ID",
                "cc_internal_type": "TYPE",
                "cc_created_on": "CREATED_ON",
                "cc_updated_on": "UPDATED_ON",
                "description_summary": "ASSET_DESCRIPTION_SNIPPET",
                "decimal_points": "ASSET_DECIMAL_POINTS",
            },
            description="Assets from the top list (identity and descriptive fields).",
        ),
        TableOutput(
            name="asset_market_data",
            table="cc_asset_market_data",
            key_fields=("ID",),
            fields={"asset_id": "ID", "snapshot_ts": "_SNAPSHOT_DAY"},
            description="One daily snapshot per asset of price, market cap and moving volumes.",
        ),
    ),
)

# --- the catalog ----------------------------------------------------------------------------------

TIME_SERIES: tuple[TimeSeriesSpec, ...] = tuple(_spot_ohlcv(interval) for interval in INTERVALS)
SNAPSHOTS: tuple[SnapshotSpec, ...] = (EXCHANGES_GENERAL, ASSETS, SPOT_EXCHANGES, SPOT_INSTRUMENTS)
UNIVERSES: tuple[Universe, ...] = (SPOT_UNIVERSE,)
