"""Static reference tables: real asset symbols and exchange names with plausible parameters.

Numbers here are hand-picked levels (price around mid-2025, supply, volatility, liquidity
weight); nothing is fetched. ``universe`` turns these tables into instruments deterministically.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass


def epoch(date: str) -> int:
    """'YYYY-MM-DD' (UTC midnight) as epoch seconds."""
    return calendar.timegm(time.strptime(date, "%Y-%m-%d"))


@dataclass(frozen=True, slots=True)
class AssetSpec:
    """One asset: identity, price model parameters and supply."""

    symbol: str
    asset_id: int
    name: str
    uri: str
    asset_type: str  # BLOCKCHAIN | TOKEN | FIAT
    launch: int
    anchor_usd: float  # price level around 2025-06-01
    daily_vol: float
    growth: float  # log drift per year
    circulating: float
    max_supply: float  # -1 = unlimited, as the real API reports it
    weight: float  # relative spot liquidity
    stable: bool = False

    @property
    def is_fiat(self) -> bool:
        return self.asset_type == "FIAT"


def _a(
    symbol: str,
    asset_id: int,
    name: str,
    asset_type: str,
    launch: str,
    anchor: float,
    vol: float,
    growth: float,
    circ: float,
    max_supply: float,
    weight: float,
    stable: bool = False,
) -> AssetSpec:
    uri = name.lower().replace(" ", "-").replace(".", "")
    return AssetSpec(
        symbol, asset_id, name, uri, asset_type, epoch(launch), anchor, vol, growth, circ,
        max_supply, weight, stable,
    )  # fmt: skip


# fmt: off
ASSETS: tuple[AssetSpec, ...] = (
    _a("BTC", 1, "Bitcoin", "BLOCKCHAIN", "2009-01-03", 104_000, 0.030, 0.40, 19.87e6, 21e6, 1.0),
    _a("ETH", 2, "Ethereum", "BLOCKCHAIN", "2015-07-30", 2_600, 0.040, 0.35, 120.7e6, -1, 0.6),
    _a("XRP", 3, "XRP", "BLOCKCHAIN", "2013-01-01", 2.2, 0.050, 0.25, 58.8e9, 100e9, 0.25),
    _a("LTC", 4, "Litecoin", "BLOCKCHAIN", "2011-10-07", 88, 0.045, 0.15, 75.9e6, 84e6, 0.08),
    _a("DOGE", 6, "Dogecoin", "BLOCKCHAIN", "2013-12-06", 0.19, 0.060, 0.30, 149e9, -1, 0.15),
    _a("BNB", 8, "BNB", "BLOCKCHAIN", "2017-07-25", 660, 0.035, 0.45, 145e6, 200e6, 0.12),
    _a("SOL", 9, "Solana", "BLOCKCHAIN", "2020-03-16", 155, 0.050, 0.60, 520e6, -1, 0.30),
    _a("ADA", 10, "Cardano", "BLOCKCHAIN", "2017-10-01", 0.68, 0.050, 0.20, 35.9e9, 45e9, 0.07),
    _a("TRX", 11, "TRON", "BLOCKCHAIN", "2017-09-13", 0.27, 0.035, 0.20, 94.8e9, -1, 0.05),
    _a("AVAX", 12, "Avalanche", "BLOCKCHAIN", "2020-09-22", 20.5, 0.055, 0.25, 422e6, 720e6, 0.05),
    _a("LINK", 13, "Chainlink", "TOKEN", "2017-09-19", 14, 0.050, 0.30, 657e6, 1e9, 0.05),
    _a("DOT", 14, "Polkadot", "BLOCKCHAIN", "2020-08-19", 4.1, 0.050, 0.05, 1.52e9, -1, 0.03),
    _a("POL", 15, "Polygon Ecosystem Token", "TOKEN", "2019-04-28", 0.23, 0.055, 0.30, 10.4e9, -1, 0.02),
    _a("BCH", 16, "Bitcoin Cash", "BLOCKCHAIN", "2017-08-01", 410, 0.050, 0.05, 19.9e6, 21e6, 0.04),
    _a("XLM", 17, "Stellar", "BLOCKCHAIN", "2014-07-31", 0.27, 0.045, 0.15, 31e9, 50e9, 0.03),
    _a("ETC", 18, "Ethereum Classic", "BLOCKCHAIN", "2016-07-20", 17, 0.050, 0.10, 151e6, 210.7e6, 0.02),
    _a("XMR", 19, "Monero", "BLOCKCHAIN", "2014-04-18", 320, 0.040, 0.20, 18.4e6, -1, 0.01),
    _a("ATOM", 20, "Cosmos", "BLOCKCHAIN", "2019-03-14", 4.4, 0.050, 0.05, 390e6, -1, 0.02),
    _a("UNI", 21, "Uniswap", "TOKEN", "2020-09-17", 6.3, 0.060, 0.10, 600e6, 1e9, 0.025),
    _a("NEAR", 22, "NEAR Protocol", "BLOCKCHAIN", "2020-10-13", 2.5, 0.060, 0.15, 1.2e9, -1, 0.02),
    _a("APT", 23, "Aptos", "BLOCKCHAIN", "2022-10-17", 4.9, 0.060, 0.05, 620e6, -1, 0.015),
    _a("ARB", 24, "Arbitrum", "TOKEN", "2023-03-23", 0.37, 0.060, 0.00, 4.9e9, 10e9, 0.015),
    _a("OP", 25, "Optimism", "TOKEN", "2022-05-31", 0.7, 0.060, 0.05, 1.7e9, 4.29e9, 0.012),
    _a("FIL", 26, "Filecoin", "BLOCKCHAIN", "2020-10-15", 2.5, 0.055, 0.00, 660e6, 1.96e9, 0.015),
    _a("ICP", 27, "Internet Computer", "BLOCKCHAIN", "2021-05-10", 5.1, 0.055, 0.00, 535e6, -1, 0.01),
    _a("HBAR", 28, "Hedera", "BLOCKCHAIN", "2019-09-16", 0.17, 0.055, 0.20, 42e9, 50e9, 0.015),
    _a("VET", 29, "VeChain", "BLOCKCHAIN", "2018-06-30", 0.024, 0.055, 0.10, 86e9, 86.7e9, 0.008),
    _a("ALGO", 30, "Algorand", "BLOCKCHAIN", "2019-06-19", 0.2, 0.055, 0.05, 8.6e9, 10e9, 0.008),
    _a("AAVE", 31, "Aave", "TOKEN", "2020-10-02", 260, 0.060, 0.25, 15.1e6, 16e6, 0.02),
    _a("MKR", 32, "Maker", "TOKEN", "2017-12-18", 1_600, 0.055, 0.10, 0.87e6, 1.005e6, 0.006),
    _a("SHIB", 33, "Shiba Inu", "TOKEN", "2020-08-01", 0.0000128, 0.065, 0.40, 589e12, -1, 0.03),
    _a("PEPE", 34, "Pepe", "TOKEN", "2023-04-14", 0.0000115, 0.080, 0.50, 420.69e12, 420.69e12, 0.04),
    _a("SUI", 35, "Sui", "BLOCKCHAIN", "2023-05-03", 3.3, 0.065, 0.50, 3.3e9, 10e9, 0.04),
    _a("TON", 36, "Toncoin", "BLOCKCHAIN", "2021-08-26", 3.2, 0.050, 0.20, 2.5e9, -1, 0.02),
    _a("SAND", 37, "The Sandbox", "TOKEN", "2020-08-14", 0.27, 0.060, 0.00, 2.4e9, 3e9, 0.008),
    _a("MANA", 38, "Decentraland", "TOKEN", "2017-08-08", 0.3, 0.060, 0.05, 1.9e9, 2.19e9, 0.006),
    _a("AXS", 39, "Axie Infinity", "TOKEN", "2020-11-04", 2.5, 0.065, 0.00, 160e6, 270e6, 0.005),
    _a("GRT", 40, "The Graph", "TOKEN", "2020-12-17", 0.1, 0.060, 0.00, 9.5e9, -1, 0.006),
    _a("CRV", 41, "Curve DAO Token", "TOKEN", "2020-08-13", 0.65, 0.065, 0.00, 1.3e9, 3.03e9, 0.01),
    _a("LDO", 42, "Lido DAO", "TOKEN", "2020-12-17", 0.9, 0.065, 0.05, 895e6, 1e9, 0.008),
    _a("INJ", 43, "Injective", "BLOCKCHAIN", "2020-10-21", 12.5, 0.065, 0.30, 97e6, 100e6, 0.008),
    _a("RENDER", 44, "Render", "TOKEN", "2017-10-25", 3.9, 0.065, 0.35, 517e6, 644e6, 0.008),
    _a("IMX", 45, "Immutable", "TOKEN", "2021-06-24", 0.55, 0.065, 0.00, 1.8e9, 2e9, 0.005),
    _a("STX", 46, "Stacks", "BLOCKCHAIN", "2019-10-25", 0.75, 0.060, 0.10, 1.5e9, 1.818e9, 0.005),
    _a("EOS", 47, "EOS", "BLOCKCHAIN", "2017-06-26", 0.75, 0.050, -0.05, 1.55e9, 2.1e9, 0.006),
    _a("XTZ", 48, "Tezos", "BLOCKCHAIN", "2017-07-01", 0.6, 0.050, -0.02, 1.04e9, -1, 0.004),
    _a("ZEC", 49, "Zcash", "BLOCKCHAIN", "2016-10-28", 45, 0.055, -0.05, 16.2e6, 21e6, 0.005),
    _a("DASH", 50, "Dash", "BLOCKCHAIN", "2014-01-18", 21, 0.050, -0.05, 12.3e6, 18.9e6, 0.004),
    _a("QNT", 51, "Quant", "TOKEN", "2018-06-12", 110, 0.055, 0.25, 14.5e6, 14.6e6, 0.003),
    _a("EGLD", 52, "MultiversX", "BLOCKCHAIN", "2020-09-03", 15, 0.060, 0.00, 28e6, 31.4e6, 0.003),
    _a("KAS", 53, "Kaspa", "BLOCKCHAIN", "2021-11-07", 0.08, 0.065, 0.60, 26e9, 28.7e9, 0.005),
    _a("SEI", 54, "Sei", "BLOCKCHAIN", "2023-08-15", 0.2, 0.070, 0.00, 5.4e9, 10e9, 0.006),
    _a("WIF", 55, "dogwifhat", "TOKEN", "2023-11-20", 0.9, 0.090, 0.50, 999e6, 999e6, 0.012),
    _a("BONK", 56, "Bonk", "TOKEN", "2022-12-25", 0.000019, 0.085, 0.50, 79e12, 88.8e12, 0.012),
    _a("JUP", 57, "Jupiter", "TOKEN", "2024-01-31", 0.5, 0.070, 0.00, 2.9e9, 10e9, 0.006),
    _a("TIA", 58, "Celestia", "BLOCKCHAIN", "2023-10-31", 2.2, 0.070, -0.20, 700e6, -1, 0.008),
    _a("FET", 59, "Artificial Superintelligence Alliance", "TOKEN", "2019-02-25", 0.75, 0.070, 0.30, 2.4e9, 2.72e9, 0.01),
    _a("HYPE", 60, "Hyperliquid", "BLOCKCHAIN", "2024-11-29", 33, 0.075, 0.80, 334e6, 1e9, 0.02),
    _a("TRUMP", 61, "Official Trump", "TOKEN", "2025-01-17", 11, 0.090, -0.60, 200e6, 1e9, 0.01),
    _a("ENA", 62, "Ethena", "TOKEN", "2024-04-02", 0.32, 0.075, 0.00, 6.1e9, 15e9, 0.012),
    _a("FLOKI", 63, "FLOKI", "TOKEN", "2021-06-25", 0.00009, 0.080, 0.40, 9.6e12, 10e12, 0.006),
    _a("USDT", 7, "Tether", "TOKEN", "2014-10-06", 1.0, 0.0015, 0.0, 153e9, -1, 0.15, True),
    _a("USDC", 64, "USD Coin", "TOKEN", "2018-09-26", 1.0, 0.0010, 0.0, 61e9, -1, 0.08, True),
    _a("DAI", 65, "Dai", "TOKEN", "2019-11-18", 1.0, 0.0012, 0.0, 5.4e9, -1, 0.01, True),
    _a("FDUSD", 66, "First Digital USD", "TOKEN", "2023-06-01", 1.0, 0.0015, 0.0, 1.5e9, -1, 0.03, True),
    _a("USD", 5, "US Dollar", "FIAT", "1971-08-15", 1.0, 0.0, 0.0, 0, -1, 0.0, True),
    _a("EUR", 100, "Euro", "FIAT", "1999-01-01", 1.13, 0.005, 0.0, 0, -1, 0.0),
    _a("GBP", 101, "British Pound", "FIAT", "1971-08-15", 1.34, 0.005, -0.01, 0, -1, 0.0),
    _a("JPY", 102, "Japanese Yen", "FIAT", "1971-08-15", 0.0069, 0.005, -0.03, 0, -1, 0.0),
    _a("KRW", 103, "South Korean Won", "FIAT", "1971-08-15", 0.00073, 0.005, -0.02, 0, -1, 0.0),
    _a("TRY", 104, "Turkish Lira", "FIAT", "1971-08-15", 0.0255, 0.008, -0.25, 0, -1, 0.0),
    _a("CAD", 105, "Canadian Dollar", "FIAT", "1971-08-15", 0.73, 0.004, -0.01, 0, -1, 0.0),
    _a("AUD", 106, "Australian Dollar", "FIAT", "1971-08-15", 0.65, 0.005, -0.02, 0, -1, 0.0),
    _a("MXN", 107, "Mexican Peso", "FIAT", "1971-08-15", 0.052, 0.006, -0.02, 0, -1, 0.0),
    _a("CHF", 108, "Swiss Franc", "FIAT", "1971-08-15", 1.21, 0.004, 0.01, 0, -1, 0.0),
)
# fmt: on

ASSETS_BY_SYMBOL: dict[str, AssetSpec] = {a.symbol: a for a in ASSETS}

# Date from which exchanges could plausibly list a pair against this quote asset.
QUOTE_AVAILABLE_FROM: dict[str, int] = {
    "USDT": epoch("2015-03-01"),
    "USDC": epoch("2018-10-15"),
    "FDUSD": epoch("2023-07-26"),
    "DAI": epoch("2019-12-01"),
}


@dataclass(frozen=True, slots=True)
class ExchangeSpec:
    """One spot exchange: naming style, quote currencies, size, grade and lifetime."""

    market: str  # Data API market name (lowercase)
    name: str
    internal_name: str  # Min API InternalName; .lower() == market
    minapi_id: int
    grade_points: float
    country: str
    launch: int
    style: str  # instrument id style, see universe.exchange_instrument_id
    quotes: tuple[tuple[str, float], ...]  # (quote, weight), primary first
    size: float  # relative volume weight
    coverage: float  # share of the asset list it lists
    trade_size_usd: float
    side_unknown: bool = False
    closed: int | None = None  # epoch when the exchange stopped trading


def _e(
    market: str,
    name: str,
    internal: str,
    minapi_id: int,
    points: float,
    country: str,
    launch: str,
    style: str,
    quotes: str,
    size: float,
    coverage: float,
    trade_size: float,
    side_unknown: bool = False,
    closed: str | None = None,
) -> ExchangeSpec:
    parsed = tuple((q.split(":")[0], float(q.split(":")[1])) for q in quotes.split())
    return ExchangeSpec(
        market, name, internal, minapi_id, points, country, epoch(launch), style, parsed, size,
        coverage, trade_size, side_unknown, epoch(closed) if closed else None,
    )  # fmt: skip


# fmt: off
EXCHANGES: tuple[ExchangeSpec, ...] = (
    _e("binance", "Binance", "Binance", 5665, 71.2, "Cayman Islands", "2017-07-14", "concat",
       "USDT:1 FDUSD:0.25 USDC:0.25 BTC:0.12 ETH:0.04 BNB:0.03 EUR:0.06 TRY:0.1", 1.0, 0.95, 900),
    _e("coinbase", "Coinbase", "Coinbase", 2432, 82.4, "United States", "2015-01-26", "dash",
       "USD:1 USDC:0.06 EUR:0.12 GBP:0.06 USDT:0.2 BTC:0.06", 0.5, 0.85, 1800),
    _e("kraken", "Kraken", "Kraken", 2435, 80.1, "United States", "2013-09-10", "kraken",
       "USD:1 EUR:0.7 GBP:0.06 USDT:0.15 USDC:0.06 BTC:0.06 ETH:0.02 JPY:0.02 CAD:0.03", 0.2, 0.8, 1400),
    _e("bitstamp", "Bitstamp", "Bitstamp", 2434, 79.3, "Luxembourg", "2011-08-01", "lower",
       "USD:1 EUR:0.6 GBP:0.1 BTC:0.06 USDT:0.06", 0.08, 0.55, 2000),
    _e("okex", "OKX", "OKEX", 2448, 68.4, "Seychelles", "2017-01-01", "dash",
       "USDT:1 USDC:0.2 BTC:0.06 EUR:0.03", 0.45, 0.9, 700),
    _e("bybit", "Bybit", "Bybit", 5755, 64.8, "United Arab Emirates", "2021-07-01", "concat",
       "USDT:1 USDC:0.25 BTC:0.04 EUR:0.03", 0.45, 0.9, 600),
    _e("bitfinex", "Bitfinex", "Bitfinex", 2420, 63.5, "British Virgin Islands", "2012-10-01",
       "bitfinex", "USD:1 USDT:0.35 EUR:0.1 BTC:0.06 JPY:0.02 GBP:0.02", 0.06, 0.7, 2500),
    _e("gemini", "Gemini", "Gemini", 2446, 78.6, "United States", "2015-10-08", "lower",
       "USD:1 BTC:0.04 USDT:0.04 GBP:0.03 EUR:0.03", 0.03, 0.55, 1500),
    _e("kucoin", "KuCoin", "Kucoin", 2547, 54.2, "Seychelles", "2017-09-15", "dash",
       "USDT:1 USDC:0.12 BTC:0.08 ETH:0.03", 0.15, 0.85, 300),
    _e("gateio", "Gate.io", "Gateio", 2444, 55.7, "Cayman Islands", "2017-05-01", "underscore",
       "USDT:1 BTC:0.04 ETH:0.02 USDC:0.06", 0.15, 0.85, 250),
    _e("huobipro", "HTX", "HuobiPro", 2431, 47.9, "Seychelles", "2017-10-01", "lower",
       "USDT:1 BTC:0.06 ETH:0.02 USDC:0.04", 0.12, 0.8, 350),
    _e("cryptodotcom", "Crypto.com Exchange", "CryptoDotCom", 5771, 67.9, "Malta", "2019-11-14",
       "underscore", "USD:0.8 USDT:0.6 BTC:0.04 EUR:0.03", 0.15, 0.8, 500),
    _e("bitget", "Bitget", "Bitget", 5767, 52.3, "Seychelles", "2021-03-01", "concat",
       "USDT:1 USDC:0.12 BTC:0.03 EUR:0.02", 0.2, 0.85, 400),
    _e("mexc", "MEXC", "MEXC", 5708, 41.6, "Seychelles", "2018-04-01", "concat",
       "USDT:1 USDC:0.12", 0.15, 0.9, 200),
    _e("upbit", "Upbit", "Upbit", 5675, 60.5, "South Korea", "2017-10-24", "quote_first",
       "KRW:1 BTC:0.12 USDT:0.12", 0.3, 0.75, 700),
    _e("bithumb", "Bithumb", "Bithumb", 2450, 49.8, "South Korea", "2014-01-01", "underscore",
       "KRW:1 BTC:0.06", 0.1, 0.7, 500),
    _e("bitflyer", "bitFlyer", "BitFlyer", 2426, 73.2, "Japan", "2014-01-09", "underscore",
       "JPY:1 USD:0.12 EUR:0.06 BTC:0.06", 0.05, 0.25, 900),
    _e("poloniex", "Poloniex", "Poloniex", 2437, 31.4, "Seychelles", "2014-01-15", "underscore",
       "USDT:1 BTC:0.35 USDC:0.05", 0.03, 0.6, 150),
    _e("hitbtc", "HitBTC", "HitBTC", 2438, 29.8, "Hong Kong", "2013-12-01", "concat",
       "USDT:1 BTC:0.25 ETH:0.06", 0.03, 0.55, 150),
    _e("lmax", "LMAX Digital", "LMAX", 5744, 76.5, "United Kingdom", "2018-08-01", "concat",
       "USD:1 EUR:0.2 GBP:0.1 USDT:0.05", 0.04, 0.15, 25000, side_unknown=True),
    _e("itbit", "itBit", "itBit", 2441, 72.4, "United States", "2013-11-01", "kraken",
       "USD:1 EUR:0.12", 0.01, 0.08, 8000, side_unknown=True),
    _e("bitso", "Bitso", "Bitso", 2449, 57.1, "Mexico", "2014-04-01", "lower_underscore",
       "MXN:1 USD:0.2 USDT:0.15 BTC:0.06", 0.02, 0.35, 300),
    _e("btcturk", "BTCTurk", "BTCTurk", 2459, 56.4, "Turkey", "2013-07-01", "concat",
       "TRY:1 USDT:0.35", 0.03, 0.45, 250),
    _e("coincheck", "Coincheck", "Coincheck", 2479, 58.9, "Japan", "2014-08-01", "lower_underscore",
       "JPY:1", 0.02, 0.18, 600),
    _e("cexio", "CEX.IO", "CexIO", 2455, 45.2, "United Kingdom", "2013-07-01", "colon",
       "USD:1 EUR:0.3 USDT:0.2 GBP:0.05", 0.01, 0.35, 400),
    _e("exmo", "EXMO", "Exmo", 2452, 23.7, "United Kingdom", "2014-01-01", "underscore",
       "USDT:1 USD:0.5 EUR:0.2 BTC:0.1", 0.01, 0.3, 200),
    _e("lbank", "LBank", "LBank", 5690, 17.9, "British Virgin Islands", "2016-01-01",
       "lower_underscore", "USDT:1", 0.04, 0.6, 120),
    _e("whitebit", "WhiteBIT", "WhiteBit", 5760, 38.6, "Lithuania", "2018-09-01", "underscore",
       "USDT:1 USD:0.2 EUR:0.1 BTC:0.05", 0.04, 0.55, 200),
    _e("bitpanda", "Bitpanda Pro", "Bitpanda", 5728, 62.7, "Austria", "2019-08-01", "underscore",
       "EUR:1 USDT:0.1 CHF:0.1", 0.02, 0.3, 400),
    _e("ftx", "FTX", "FTX", 5723, 8.5, "Bahamas", "2019-05-08", "slash",
       "USD:1 USDT:0.3 BTC:0.03 EUR:0.03", 0.2, 0.7, 900, closed="2022-11-11"),
    _e("bittrex", "Bittrex", "Bittrex", 2439, 12.1, "United States", "2014-02-01", "dash",
       "USDT:1 USD:0.5 BTC:0.4 ETH:0.06", 0.02, 0.6, 300, closed="2023-12-04"),
)
# fmt: on

EXCHANGES_BY_MARKET: dict[str, ExchangeSpec] = {e.market: e for e in EXCHANGES}


GRADE_THRESHOLDS = (
    (80.0, "AAA"),
    (70.0, "AA"),
    (60.0, "A"),
    (50.0, "BB"),
    (40.0, "B"),
    (30.0, "C"),
    (20.0, "D"),
    (10.0, "E"),
)
TOP_TIER_MIN_POINTS = 50.0  # BB and above count as top tier in volume aggregates


def grade_for(points: float) -> str:
    """Exchange benchmark grade for its points (AAA best, F worst)."""
    for threshold, grade in GRADE_THRESHOLDS:
        if points >= threshold:
            return grade
    return "F"
