"""Every data set the platform keeps, described once. Assets, checks and schedules come from here.

A column's API field defaults to the column name upper-cased; `fields` lists only the renames.

Each table is looked up by name here, once (`load_table`, checked against `sql/tables`), and its
`TableDef` travels in the spec: parse, assets, IO manager (through the DDL in the asset's
definition metadata), checks and metrics never look a table up by name.
"""

from __future__ import annotations

import polars as pl

from ccdata_assets.datasets import payloads, universe
from ccdata_assets.datasets.settings import UniverseSettings
from ccdata_assets.datasets.spec import (
    INTERVALS,
    Interval,
    RowRule,
    SnapshotSpec,
    TableOutput,
    TimeSeriesSpec,
    Universe,
)
from ccdata_assets.warehouse.ddl import load_table

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

ASSETS_TABLE = load_table("cc_assets")
ASSET_MARKET_DATA_TABLE = load_table("cc_asset_market_data")
EXCHANGES_GENERAL_TABLE = load_table("cc_exchanges_general")
SPOT_INSTRUMENTS_TABLE = load_table("cc_instruments_spot")
FUTURES_INSTRUMENTS_TABLE = load_table("cc_instruments_futures")
INDEX_INSTRUMENTS_TABLE = load_table("cc_instruments_index")
REFERENCE_TABLES = (ASSETS_TABLE, ASSET_MARKET_DATA_TABLE)

SPOT_UNIVERSE = Universe(
    partitions_name="spot_instruments",
    instruments_table=SPOT_INSTRUMENTS_TABLE,
    market_column="exchange_internal_name",
    instrument_column="mapped_instrument_symbol",
    first_trade_column="first_trade_datetime",
    last_trade_column="last_trade_datetime",
    rule=lambda read, settings: universe.spot_universe(
        read(SPOT_INSTRUMENTS_TABLE),
        read(EXCHANGES_GENERAL_TABLE),
        read(ASSETS_TABLE),
        read(ASSET_MARKET_DATA_TABLE),
        settings,
    ),
    source_tables=(SPOT_INSTRUMENTS_TABLE, EXCHANGES_GENERAL_TABLE, *REFERENCE_TABLES),
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


def _spot_ohlcv(interval: Interval, index: TimeSeriesSpec) -> TimeSeriesSpec:
    """Spot candles, compared with the index data set `index` of the same interval."""
    return TimeSeriesSpec(
        name=f"spot_ohlcv_{interval.label}",
        group="spot",
        path=f"/spot/v1/historical/{interval.unit}",
        interval=interval,
        table=load_table(f"cc_ohlcv_spot_{interval.label}_raw"),
        universe=SPOT_UNIVERSE,
        time_column="datetime",
        instrument_columns=("exchange", "symbol"),
        fields=SPOT_CANDLE_FIELDS,
        request_params=lambda market, instrument: {"market": market, "instrument": instrument},
        rules=(aligned("datetime", interval), *CANDLE_RULES),
        index=index,
        description=(
            f"Spot OHLCV candles at {interval.label} per exchange and instrument "
            f"(`{f'/spot/v1/historical/{interval.unit}'}`); periods the API filled because "
            "nothing traded are kept, with empty trade fields."
        ),
    )


def _per_exchange(settings: UniverseSettings, **params: str) -> list[dict[str, str]]:
    return [{"market": exchange, **params} for exchange in settings.spot_exchanges]


# The identity columns every exchange-instruments table shares (spot and futures).
_INSTRUMENT_IDENTITY = {
    "exchange_internal_name": "MARKET",
    "mapped_instrument_symbol": "MAPPED_INSTRUMENT",
    "api_instrument_type": "TYPE",
    "instrument_status_on_exchange": "INSTRUMENT_STATUS",
    "exchange_instrument_symbol_raw": "INSTRUMENT",
}

SPOT_INSTRUMENTS = SnapshotSpec(
    name="spot_instruments",
    group="spot",
    path="/spot/v1/markets/instruments",
    records=payloads.market_instruments,
    requests=lambda s: _per_exchange(s, instrument_status="ACTIVE,RETIRED"),
    outputs=(
        TableOutput(
            name="spot_instruments",
            table=SPOT_INSTRUMENTS_TABLE,
            key_fields=("MARKET", "MAPPED_INSTRUMENT"),
            fields={
                **_INSTRUMENT_IDENTITY,
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


def _exchange_details(family: str, table: str, what: str) -> SnapshotSpec:
    """`/{family}/v1/markets`: one row per exchange, instrument counts by status."""
    return SnapshotSpec(
        name=f"{family}_exchanges",
        group=family,
        path=f"/{family}/v1/markets",
        records=payloads.markets,
        outputs=(
            TableOutput(
                name=f"{family}_exchanges",
                table=load_table(table),
                key_fields=("MARKET",),
                fields={
                    **_MARKET_STATUS_FIELDS,
                    "total_trades_exchange_level": f"TOTAL_TRADES_{family.upper()}",
                },
                description=f"{family.capitalize()} exchanges with {what}.",
            ),
        ),
    )


SPOT_EXCHANGES = _exchange_details(
    "spot", "cc_exchange_spot_details", "instrument counts by status"
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
            table=EXCHANGES_GENERAL_TABLE,
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
            table=ASSETS_TABLE,
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
            table=ASSET_MARKET_DATA_TABLE,
            key_fields=("ID",),
            fields={"asset_id": "ID", "snapshot_ts": "_SNAPSHOT_DAY"},
            description="One daily snapshot per asset of price, market cap and moving volumes.",
        ),
    ),
)

# --- futures: OHLCV, funding rate, open interest ------------------------------------------------


def _futures_universe(name: str, what: str, has: str) -> Universe:
    return Universe(
        partitions_name=name,
        instruments_table=FUTURES_INSTRUMENTS_TABLE,
        market_column="exchange_internal_name",
        instrument_column="mapped_instrument_symbol",
        first_trade_column=f"first_{what}_datetime",
        last_trade_column=f"last_{what}_datetime",
        rule=lambda read, settings: universe.futures_universe(
            read(FUTURES_INSTRUMENTS_TABLE),
            read(ASSETS_TABLE),
            read(ASSET_MARKET_DATA_TABLE),
            settings,
            has_column=has,
        ),
        source_tables=(FUTURES_INSTRUMENTS_TABLE, *REFERENCE_TABLES),
    )


FUTURES_UNIVERSE = _futures_universe("futures_instruments", "trade", "has_trades")
FUNDING_UNIVERSE = _futures_universe(
    "futures_funding_instruments", "funding_rate_update", "has_funding_rate_updates"
)
OPEN_INTEREST_UNIVERSE = _futures_universe(
    "futures_open_interest_instruments", "open_interest_update", "has_open_interest_updates"
)

FUNDING_RULES = (
    RowRule(
        "high_not_below_low", "HIGH is below LOW", lambda: pl.col("high_fr") >= pl.col("low_fr")
    ),
    RowRule(
        "high_low_cover_open_close",
        "OPEN or CLOSE lies outside HIGH..LOW",
        lambda: (
            (pl.col("high_fr") >= pl.max_horizontal("open_fr", "close_fr"))
            & (pl.col("low_fr") <= pl.min_horizontal("open_fr", "close_fr"))
        ),
    ),
    _not_negative(("total_funding_rate_updates",), "update count"),
)
OPEN_INTEREST_FIELDS = {
    "datetime": "TIMESTAMP",
    "open_oi_contracts": "OPEN_SETTLEMENT",
    "high_oi_contracts": "HIGH_SETTLEMENT",
    "low_oi_contracts": "LOW_SETTLEMENT",
    "close_oi_contracts": "CLOSE_SETTLEMENT",
    "open_oi_quote": "OPEN_QUOTE",
    "high_oi_quote": "HIGH_QUOTE",
    "low_oi_quote": "LOW_QUOTE",
    "close_oi_quote": "CLOSE_QUOTE",
    "high_oi_mark_price": "HIGH_SETTLEMENT_MARK_PRICE",
    "high_mark_price_oi": "HIGH_MARK_PRICE_SETTLEMENT",
    "low_oi_mark_price": "LOW_SETTLEMENT_MARK_PRICE",
    "low_mark_price_oi": "LOW_MARK_PRICE_SETTLEMENT",
}
OPEN_INTEREST_RULES = (
    _not_negative(
        ("open_oi_contracts", "high_oi_contracts", "low_oi_contracts", "close_oi_contracts"),
        "open interest",
    ),
    RowRule(
        "high_not_below_low",
        "HIGH_SETTLEMENT is below LOW_SETTLEMENT",
        lambda: pl.col("high_oi_contracts") >= pl.col("low_oi_contracts"),
    ),
)


def _futures(kind: str, interval: Interval) -> TimeSeriesSpec:
    """Futures OHLCV, funding-rate OHLC or open-interest OHLC at one interval."""
    path, table, universe_, fields, rules, what = {
        "ohlcv": (
            "/futures/v1/historical",
            f"cc_futures_ohlcv_{interval.label}",
            FUTURES_UNIVERSE,
            {"datetime": "TIMESTAMP"},
            (*CANDLE_RULES, _not_negative(("number_of_contracts",), "contract count")),
            "Futures OHLCV candles",
        ),
        "funding_rate": (
            "/futures/v1/historical/funding-rate",
            f"cc_futures_funding_rate_ohlc_{interval.label}",
            FUNDING_UNIVERSE,
            {
                "datetime": "TIMESTAMP",
                **{f"{p}_fr": p.upper() for p in ("open", "high", "low", "close")},
            },
            FUNDING_RULES,
            "Funding rate OHLC (a fraction per funding interval, may be negative)",
        ),
        "open_interest": (
            "/futures/v1/historical/open-interest",
            f"cc_futures_open_interest_ohlc_{interval.label}",
            OPEN_INTEREST_UNIVERSE,
            OPEN_INTEREST_FIELDS,
            OPEN_INTEREST_RULES,
            "Open interest OHLC in contracts (settlement units) and quote currency, with mark prices",
        ),
    }[kind]
    return TimeSeriesSpec(
        name=f"futures_{kind}_{interval.label}",
        group="futures",
        path=f"{path}/{interval.unit}",
        interval=interval,
        table=load_table(table),
        universe=universe_,
        time_column="datetime",
        instrument_columns=("market", "mapped_instrument"),
        fields=fields,
        request_params=lambda market, instrument: {"market": market, "instrument": instrument},
        rules=(aligned("datetime", interval), *rules),
        description=f"{what} at {interval.label} per futures contract (`{path}/{interval.unit}`).",
    )


FUTURES_INSTRUMENTS = SnapshotSpec(
    name="futures_instruments",
    group="futures",
    path="/futures/v1/markets/instruments",
    records=payloads.market_instruments,
    requests=lambda s: [
        {
            "market": m,
            "instrument_status": ",".join(
                sorted({*s.futures_statuses, "ACTIVE", "EXPIRED", "RETIRED"})
            ),
        }
        for m in s.futures_exchanges
    ],
    outputs=(
        TableOutput(
            name="futures_instruments",
            table=FUTURES_INSTRUMENTS_TABLE,
            key_fields=("MARKET", "MAPPED_INSTRUMENT"),
            fields={
                **_INSTRUMENT_IDENTITY,
                **{
                    f"{name}_symbol": f"INSTRUMENT_MAPPING.{name.upper()}"
                    for name in (
                        "index_underlying",
                        "quote_currency",
                        "settlement_currency",
                        "contract_currency",
                    )
                },
                **{
                    f"{name}_id": f"INSTRUMENT_MAPPING.{name.upper()}_ID"
                    for name in (
                        "index_underlying",
                        "quote_currency",
                        "settlement_currency",
                        "contract_currency",
                    )
                },
                "denomination_type": "INSTRUMENT_MAPPING.DENOMINATION_TYPE",
                "transform_function": "INSTRUMENT_MAPPING.TRANSFORM_FUNCTION",
                "instrument_mapping_created_datetime": "INSTRUMENT_MAPPING.CREATED_ON",
                "has_trades": "HAS_TRADES_FUTURES",
                "first_trade_datetime": "FIRST_TRADE_FUTURES_TIMESTAMP",
                "last_trade_datetime": "LAST_TRADE_FUTURES_TIMESTAMP",
                "total_trades_instrument_level": "TOTAL_TRADES_FUTURES",
                "first_funding_rate_update_datetime": "FIRST_FUNDING_RATE_UPDATE_TIMESTAMP",
                "last_funding_rate_update_datetime": "LAST_FUNDING_RATE_UPDATE_TIMESTAMP",
                "first_open_interest_update_datetime": "FIRST_OPEN_INTEREST_UPDATE_TIMESTAMP",
                "last_open_interest_update_datetime": "LAST_OPEN_INTEREST_UPDATE_TIMESTAMP",
                "contract_expiration_datetime": "CONTRACT_EXPIRATION_TS",
            },
            description="Futures contracts (perpetual and dated, active, expired and retired) on the configured exchanges.",
        ),
    ),
)

FUTURES_EXCHANGES = _exchange_details(
    "futures",
    "cc_exchanges_futures_details",
    "instrument counts by status and funding / open-interest update totals",
)

# --- index (CCIX, CADLI) ---------------------------------------------------------------------------

INDEX_UNIVERSE = Universe(
    partitions_name="index_instruments",
    instruments_table=INDEX_INSTRUMENTS_TABLE,
    market_column="market",
    instrument_column="instrument",
    first_trade_column="first_index_update_datetime",
    last_trade_column="last_index_update_datetime",
    rule=lambda read, settings: universe.index_universe(
        read(INDEX_INSTRUMENTS_TABLE), read(ASSETS_TABLE), read(ASSET_MARKET_DATA_TABLE), settings
    ),
    source_tables=(INDEX_INSTRUMENTS_TABLE, *REFERENCE_TABLES),
)


def _index_pair(market: str, instrument: str) -> dict[str, str]:
    asset, _, quote = instrument.partition("-")
    return {"_ASSET": asset, "_QUOTE": quote}


def _index_ohlcv(interval: Interval) -> TimeSeriesSpec:
    return TimeSeriesSpec(
        name=f"index_ohlcv_{interval.label}",
        group="index",
        path=f"/index/cc/v1/historical/{interval.unit}",
        interval=interval,
        table=load_table(f"cc_ohlcv_spot_indices_{interval.label}_raw"),
        universe=INDEX_UNIVERSE,
        time_column="datetime",
        instrument_columns=("market", "instrument"),
        fields={"datetime": "TIMESTAMP", "asset": "_ASSET", "quote": "_QUOTE"},
        request_params=lambda market, instrument: {"market": market, "instrument": instrument},
        rules=(
            aligned("datetime", interval),
            *_ohlc_rules(),
            _not_negative(("volume", "quote_volume"), "volume"),
        ),
        page_fields=_index_pair,
        description=(
            f"CoinDesk index (CADLI, CCIX) OHLC and volumes at {interval.label} "
            f"(`/index/cc/v1/historical/{interval.unit}`)."
        ),
    )


INDEX_INSTRUMENTS = SnapshotSpec(
    name="index_instruments",
    group="index",
    path="/index/cc/v1/markets/instruments",
    records=payloads.market_instruments,
    requests=lambda s: [
        {"market": m, "instrument_status": "ACTIVE,RETIRED"} for m in s.index_markets
    ],
    outputs=(
        TableOutput(
            name="index_instruments",
            table=INDEX_INSTRUMENTS_TABLE,
            key_fields=("MARKET", "INSTRUMENT"),
            fields={
                "api_instrument_type": "TYPE",
                "instrument_status_on_exchange": "INSTRUMENT_STATUS",
                "base_asset_symbol": "INSTRUMENT_MAPPING.BASE",
                "base_asset_id": "INSTRUMENT_MAPPING.BASE_ID",
                "quote_asset_symbol": "INSTRUMENT_MAPPING.QUOTE",
                "quote_asset_id": "INSTRUMENT_MAPPING.QUOTE_ID",
                "instrument_mapping_created_datetime": "INSTRUMENT_MAPPING.CREATED_ON",
                "first_index_update_datetime": "FIRST_INDEX_UPDATE_TIMESTAMP",
                "last_index_update_datetime": "LAST_INDEX_UPDATE_TIMESTAMP",
            },
            description="Index instruments of the configured families (cadli, ccix).",
        ),
    ),
)

# --- the catalog ----------------------------------------------------------------------------------

INDEX_OHLCV = {interval: _index_ohlcv(interval) for interval in INTERVALS}
TIME_SERIES: tuple[TimeSeriesSpec, ...] = (
    *(_spot_ohlcv(interval, INDEX_OHLCV[interval]) for interval in INTERVALS),
    *(
        _futures(kind, interval)
        for kind in ("ohlcv", "funding_rate", "open_interest")
        for interval in INTERVALS
    ),
    *INDEX_OHLCV.values(),
)
SNAPSHOTS: tuple[SnapshotSpec, ...] = (
    EXCHANGES_GENERAL,
    ASSETS,
    SPOT_EXCHANGES,
    SPOT_INSTRUMENTS,
    FUTURES_EXCHANGES,
    FUTURES_INSTRUMENTS,
    INDEX_INSTRUMENTS,
)
UNIVERSES: tuple[Universe, ...] = tuple(dict.fromkeys(spec.universe for spec in TIME_SERIES))
