"""Futures venues and contracts: perpetuals (VANILLA / INVERSE / QUANTO) and quarterly dated
contracts that list ~6 months before expiry and end EXPIRED. Deterministic like ``universe``.

Mapped ids follow the real pattern ``BTC-USDT-VANILLA-PERPETUAL``; dated contracts use
``BTC-USD-INVERSE-20250627`` (an inferred pattern: no capture of a dated mapped id was found).
"""

from __future__ import annotations

import calendar
import math
import time
from dataclasses import dataclass, field
from functools import cache

from ccdata_assets.simulator.catalog import ASSETS, ASSETS_BY_SYMBOL, AssetSpec, epoch
from ccdata_assets.simulator.hashing import seed_of, unit_float

DAY = 86_400
LISTING_HORIZON = epoch("2026-12-31")
RETIRE_HORIZON = epoch("2026-10-01")
MAPPING_EPOCH = epoch("2022-03-01")
BASE_DAILY_VOLUME_USD = 6e9  # derivatives trade several times spot volume


@dataclass(frozen=True, slots=True)
class Product:
    """One family of contracts on a venue (e.g. binance USDT-margined perpetuals)."""

    denomination: str  # VANILLA | INVERSE | QUANTO
    quote: str
    settlement: str  # "{b}" = the base asset itself (inverse contracts)
    id_format: str  # "{b}" base, "{x}" base in the venue's own code (XBT), "{d}" expiry code
    top_n: int  # how many of the largest assets get this product
    contract_size: float  # VANILLA/QUANTO: base units per contract; INVERSE: USD per contract
    dated: bool = False


@dataclass(frozen=True, slots=True)
class FuturesVenue:
    market: str
    exchange_id: int  # Data API exchange ID (futures markets "ID")
    name: str
    launch: int  # futures trading launch
    size: float
    trade_size_usd: float
    funding_interval_ms: int
    oi_start: int  # first open-interest message the API has for this venue
    products: tuple[Product, ...]
    expiry_code: str = "yymmdd"  # yymmdd | deribit | bitmex
    spot_market: str | None = None  # same exchange in the spot catalog
    grade_points: float = 60.0
    internal_name: str = ""
    minapi_id: int = 0
    country: str = ""


def _p(
    den: str, quote: str, settle: str, fmt: str, top: int, size: float, dated: bool = False
) -> Product:
    return Product(den, quote, settle, fmt, top, size, dated)


# fmt: off
VENUES: tuple[FuturesVenue, ...] = (
    FuturesVenue("binance", 8, "Binance", epoch("2019-09-08"), 1.0, 2500, 28_800_000, epoch("2022-01-30"), (
        _p("VANILLA", "USDT", "USDT", "{b}USDT", 40, 0.001), _p("VANILLA", "USDC", "USDC", "{b}USDC", 10, 0.001),
        _p("INVERSE", "USD", "{b}", "{b}USD_PERP", 8, 100),
        _p("VANILLA", "USDT", "USDT", "{b}USDT_{d}", 2, 0.001, True), _p("INVERSE", "USD", "{b}", "{b}USD_{d}", 2, 100, True),
    ), spot_market="binance"),
    FuturesVenue("bybit", 71, "Bybit", epoch("2018-11-01"), 0.6, 2000, 28_800_000, epoch("2022-08-16"), (
        _p("VANILLA", "USDT", "USDT", "{b}USDT", 40, 0.001), _p("VANILLA", "USDC", "USDC", "{b}PERP", 8, 0.001),
        _p("INVERSE", "USD", "{b}", "{b}USD", 6, 1),
    ), spot_market="bybit"),
    FuturesVenue("okex", 38, "OKX", epoch("2018-12-11"), 0.5, 2200, 28_800_000, epoch("2022-03-01"), (
        _p("VANILLA", "USDT", "USDT", "{b}-USDT-SWAP", 35, 0.01), _p("INVERSE", "USD", "{b}", "{b}-USD-SWAP", 10, 100),
        _p("INVERSE", "USD", "{b}", "{b}-USD-{d}", 2, 100, True),
    ), spot_market="okex"),
    FuturesVenue("bitmex", 19, "BitMEX", epoch("2016-05-13"), 0.08, 4000, 28_800_000, epoch("2022-06-01"), (
        _p("INVERSE", "USD", "{b}", "{x}USD", 1, 1), _p("VANILLA", "USDT", "USDT", "{x}USDT", 10, 0.000001),
        _p("QUANTO", "USD", "BTC", "{x}USD", 8, 0.0001), _p("INVERSE", "USD", "{b}", "{x}{d}", 1, 1, True),
    ), expiry_code="bitmex", grade_points=58.3, internal_name="BitMEX", minapi_id=2425, country="Seychelles"),
    FuturesVenue("deribit", 25, "Deribit", epoch("2016-06-01"), 0.12, 6000, 28_800_000, epoch("2022-04-01"), (
        _p("INVERSE", "USD", "{b}", "{b}-PERPETUAL", 2, 10), _p("VANILLA", "USDC", "USDC", "{b}_USDC-PERPETUAL", 8, 0.001),
        _p("INVERSE", "USD", "{b}", "{b}-{d}", 2, 10, True),
    ), expiry_code="deribit", grade_points=66.1, internal_name="Deribit", minapi_id=5785,
        country="United Arab Emirates"),
    FuturesVenue("kraken", 2, "Kraken", epoch("2019-05-01"), 0.05, 3000, 3_600_000, epoch("2022-11-01"), (
        _p("VANILLA", "USD", "USD", "PF_{x}USD", 25, 0.0001), _p("INVERSE", "USD", "{b}", "PI_{x}USD", 5, 1),
        _p("INVERSE", "USD", "{b}", "FI_{x}USD_{d}", 2, 1, True),
    ), spot_market="kraken"),
    FuturesVenue("bitget", 67, "Bitget", epoch("2020-03-01"), 0.3, 1500, 28_800_000, epoch("2023-01-01"), (
        _p("VANILLA", "USDT", "USDT", "{b}USDT_UMCBL", 30, 0.001),
    ), spot_market="bitget"),
    FuturesVenue("gateio", 41, "Gate.io", epoch("2020-01-15"), 0.25, 800, 28_800_000, epoch("2023-01-01"), (
        _p("VANILLA", "USDT", "USDT", "{b}_USDT", 35, 0.0001),
    ), spot_market="gateio"),
    FuturesVenue("kucoin", 43, "KuCoin", epoch("2020-04-01"), 0.12, 1000, 28_800_000, epoch("2023-01-01"), (
        _p("VANILLA", "USDT", "USDT", "{x}USDTM", 30, 0.001), _p("INVERSE", "USD", "{b}", "{x}USDM", 3, 1),
    ), spot_market="kucoin"),
    FuturesVenue("cryptodotcom", 52, "Crypto.com Exchange", epoch("2021-06-01"), 0.1, 1500, 3_600_000,
        epoch("2023-01-01"), (_p("VANILLA", "USD", "USD", "{b}USD-PERP", 20, 0.0001),), spot_market="cryptodotcom"),
    FuturesVenue("bitfinex", 4, "Bitfinex", epoch("2019-09-18"), 0.03, 3000, 28_800_000, epoch("2023-01-01"), (
        _p("VANILLA", "USDT", "USDT", "t{b}F0:USTF0", 15, 0.001),
    ), spot_market="bitfinex"),
    FuturesVenue("hyperliquid", 80, "Hyperliquid", epoch("2023-06-13"), 0.35, 5000, 3_600_000,
        epoch("2023-06-13"), (_p("QUANTO", "USDT", "USDC", "{b}", 30, 0.00001),),
        grade_points=47.5, internal_name="Hyperliquid", minapi_id=5790, country="Decentralised"),
)
# fmt: on
VENUES_BY_MARKET = {v.market: v for v in VENUES}

_VENUE_CODES = {"bitmex": {"BTC": "XBT"}, "kraken": {"BTC": "XBT"}, "kucoin": {"BTC": "XBT"}}
_MONTH_CODES = {3: "H", 6: "M", 9: "U", 12: "Z"}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True, slots=True)
class FuturesInstrument:
    """One futures contract on one venue."""

    market: str
    instrument: str
    mapped: str
    base: str
    quote: str
    settlement: str
    contract_currency: str
    denomination: str
    first_trade_ts: int
    end_ts: int | None  # expiry (dated) or delisting (retired perpetual)
    expiry_ts: int | None
    contract_size: float
    daily_volume_usd: float
    trade_size_usd: float
    fill_minute: float
    fill_hour: float
    basis: float
    funding_interval_ms: int
    funding_first_ts: int | None
    oi_first_ts: int | None
    oi_level: float  # typical open interest, in base-asset units
    mapping_created_on: int
    histo_shard: str
    key: str = field(default="")

    def ids(self) -> dict[str, int]:
        return {
            "INDEX_UNDERLYING_ID": ASSETS_BY_SYMBOL[self.base].asset_id,
            "QUOTE_CURRENCY_ID": ASSETS_BY_SYMBOL[self.quote].asset_id,
            "SETTLEMENT_CURRENCY_ID": ASSETS_BY_SYMBOL[self.settlement].asset_id,
            "CONTRACT_CURRENCY_ID": ASSETS_BY_SYMBOL[self.contract_currency].asset_id,
        }

    def status_at(self, now: float) -> str | None:
        if self.first_trade_ts > now:
            return None
        if self.end_ts is not None and self.end_ts <= now:
            return "EXPIRED" if self.expiry_ts is not None else "RETIRED"
        return "ACTIVE"

    def cutoff(self, now: int) -> int:
        return now if self.end_ts is None else min(now, self.end_ts)

    @property
    def trades_per_minute(self) -> float:
        return self.daily_volume_usd / 1440.0 / self.trade_size_usd

    def total_trades_at(self, now: float) -> int:
        minutes = max(0.0, (self.cutoff(int(now)) - self.first_trade_ts) / 60.0)
        return max(1, int(minutes * max(self.trades_per_minute, 1.0 - self.fill_minute)))

    def funding_updates_per_day(self) -> float:
        return 2000.0 + 7000.0 * unit_float("fr-updates", self.key)

    def oi_updates_per_day(self) -> float:
        return 3000.0 + 6000.0 * unit_float("oi-updates", self.key)


def quarterly_expiries(start: int, end: int) -> list[int]:
    """08:00 UTC on the last Friday of Mar/Jun/Sep/Dec, between start and end."""
    out = []
    for year in range(1970 + start // (365 * DAY) - 1, 1970 + end // (365 * DAY) + 2):
        for month in (3, 6, 9, 12):
            last_day = calendar.monthrange(year, month)[1]
            weekday = calendar.weekday(year, month, last_day)
            day = last_day - (weekday - 4) % 7
            ts = calendar.timegm((year, month, day, 8, 0, 0))
            if start <= ts <= end:
                out.append(ts)
    return out


def _expiry_code(style: str, expiry: int) -> tuple[str, str]:
    """(venue code, yyyymmdd) for an expiry timestamp."""
    y, m, d = (int(x) for x in _ymd(expiry))
    if style == "deribit":
        return f"{d}{_MONTHS[m - 1]}{y % 100:02d}", f"{y:04d}{m:02d}{d:02d}"
    if style == "bitmex":
        return f"{_MONTH_CODES[m]}{y % 100:02d}", f"{y:04d}{m:02d}{d:02d}"
    return f"{y % 100:02d}{m:02d}{d:02d}", f"{y:04d}{m:02d}{d:02d}"


def _ymd(ts: int) -> tuple[int, int, int]:
    t = time.gmtime(ts)
    return t.tm_year, t.tm_mon, t.tm_mday


def _bases() -> list[AssetSpec]:
    return sorted(
        (a for a in ASSETS if not a.is_fiat and not a.stable), key=lambda a: (-a.weight, a.asset_id)
    )


def _make(
    venue: FuturesVenue, product: Product, asset: AssetSpec, rank: int, expiry: int | None
) -> FuturesInstrument | None:
    b = asset.symbol
    code = _VENUE_CODES.get(venue.market, {}).get(b, b)
    if product.denomination == "QUANTO" and venue.market == "bitmex" and b == "BTC":
        return None
    settlement = b if product.settlement == "{b}" else product.settlement
    contract = "USD" if product.denomination == "INVERSE" else b
    if expiry is None:
        instrument = product.id_format.format(b=b, x=code, d="")
        mapped = f"{b}-{product.quote}-{product.denomination}-PERPETUAL"
    else:
        venue_code, ymd = _expiry_code(venue.expiry_code, expiry)
        instrument = product.id_format.format(b=b, x=code, d=venue_code)
        mapped = f"{b}-{product.quote}-{product.denomination}-{ymd}"
    key = f"futures|{venue.market}|{mapped}"
    if expiry is None:
        earliest = max(venue.launch, asset.launch + 180 * DAY)
        room = LISTING_HORIZON - earliest
        if room <= 0:
            return None
        u = unit_float("listing", key)
        first = (
            earliest + int(min(room, 2.5 * 365 * DAY) * u * u) + int(unit_float("sec", key) * DAY)
        )
        if first >= LISTING_HORIZON:
            return None
        end = None
        if rank > 10 and unit_float("retire", key) < 0.06:
            lo = first + 120 * DAY
            if lo < RETIRE_HORIZON:
                end = lo + int(unit_float("retire_at", key) * (RETIRE_HORIZON - lo))
    else:
        first = expiry - 180 * DAY + int(unit_float("sec", key) * 3600)
        end = expiry
    noise = math.exp(2.5 * (unit_float("vol", key) - 0.5))
    weight = max(asset.weight, 0.002) * (0.25 if expiry is not None else 1.0)
    share = (
        1.0
        if product.quote == "USDT" or venue.market in ("hyperliquid", "cryptodotcom", "kraken")
        else 0.3
    )
    daily = BASE_DAILY_VOLUME_USD * weight * venue.size * share * noise
    trade_size = venue.trade_size_usd * (0.6 + 0.8 * unit_float("size", key))
    lam = daily / 1440.0 / trade_size
    oi_days = 0.6 + 0.8 * unit_float("oi", key)  # open interest ~ this many days of volume
    price = asset.anchor_usd
    return FuturesInstrument(
        market=venue.market,
        instrument=instrument,
        mapped=mapped,
        base=b,
        quote=product.quote,
        settlement=settlement,
        contract_currency=contract,
        denomination=product.denomination,
        first_trade_ts=first,
        end_ts=end,
        expiry_ts=expiry,
        contract_size=product.contract_size,
        daily_volume_usd=daily,
        trade_size_usd=trade_size,
        fill_minute=min(0.35, max(0.002, math.exp(-lam))),
        fill_hour=min(0.15, math.exp(-60.0 * lam)) if lam < 0.1 else 0.0,
        basis=(unit_float("basis", key) - 0.5) * 0.002,
        funding_interval_ms=venue.funding_interval_ms,
        funding_first_ts=first + 60 if expiry is None else None,
        oi_first_ts=max(first, venue.oi_start) if (end is None or end > venue.oi_start) else None,
        oi_level=daily * oi_days / price,
        mapping_created_on=max(first, MAPPING_EPOCH) + int(unit_float("created", key) * 30 * DAY),
        histo_shard=f"PG_COLLECT_0{1 + seed_of('shard', key) % 6}",
        key=key,
    )


@cache
def futures_instruments() -> tuple[FuturesInstrument, ...]:
    """Every futures contract of every venue, in a stable order."""
    bases = _bases()
    expiries = quarterly_expiries(epoch("2023-03-01"), epoch("2027-07-01"))
    out: list[FuturesInstrument] = []
    for venue in VENUES:
        seen: set[str] = set()
        for product in venue.products:
            for rank, asset in enumerate(bases[: product.top_n]):
                for expiry in expiries if product.dated else [None]:
                    inst = _make(venue, product, asset, rank, expiry)
                    if inst is None or inst.instrument in seen or inst.mapped in seen:
                        continue
                    seen.update((inst.instrument, inst.mapped))
                    out.append(inst)
    return tuple(out)


@cache
def futures_by_market() -> dict[str, dict[str, FuturesInstrument]]:
    out: dict[str, dict[str, FuturesInstrument]] = {v.market: {} for v in VENUES}
    for inst in futures_instruments():
        out[inst.market][inst.mapped] = inst
    return out


@cache
def _futures_unmapped() -> dict[str, dict[str, FuturesInstrument]]:
    out: dict[str, dict[str, FuturesInstrument]] = {v.market: {} for v in VENUES}
    for inst in futures_instruments():
        out[inst.market][inst.instrument] = inst
    return out


def find_futures(market: str, instrument: str) -> FuturesInstrument | None:
    """Mapped id first, then the venue's own id."""
    mapped = futures_by_market().get(market)
    if mapped is None:
        return None
    return (
        mapped.get(instrument)
        or _futures_unmapped()[market].get(instrument)
        or mapped.get(instrument.upper())
    )
