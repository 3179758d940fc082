"""The deterministic instrument universe: which exchange lists which pair, when, and how liquid.

Everything is derived from the static tables in ``catalog`` with stable hashes, so tests can
import this module and compute the same instruments, listing times and retirements the server
uses. Instrument visibility depends on "now" only through ``status_at``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from ccdata_assets.simulator.catalog import (
    ASSETS,
    ASSETS_BY_SYMBOL,
    EXCHANGES,
    QUOTE_AVAILABLE_FROM,
    AssetSpec,
    ExchangeSpec,
    epoch,
)
from ccdata_assets.simulator.hashing import seed_of, unit_float
from ccdata_assets.simulator.prices import PathSpec, make_path, usd_path

DAY = 86_400
LISTING_HORIZON = epoch("2026-12-31")  # a few pairs list after "today" so discovery has work
RETIRE_HORIZON = epoch("2026-10-01")
MAPPING_EPOCH = epoch("2022-03-01")  # when the real API's instrument mappings were created
BASE_DAILY_VOLUME_USD = 1.5e9

_KRAKEN_CODES = {"BTC": "XBT", "DOGE": "XDG"}
_KRAKEN_LEGACY = {"XBT", "ETH", "LTC", "XRP", "XLM", "ETC", "XMR", "ZEC", "XDG"}
_KRAKEN_FIAT = {"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF"}


@dataclass(frozen=True, slots=True)
class SpotInstrument:
    """One spot pair on one exchange, with everything the data generator needs."""

    market: str
    instrument: str  # the exchange's own (unmapped) id, e.g. XXBTZUSD
    mapped: str  # BASE-QUOTE
    base: str
    quote: str
    base_id: int
    quote_id: int
    first_trade_ts: int
    retired_ts: int | None  # last trade time of a delisted pair
    mapping_created_on: int
    daily_volume_usd: float
    trade_size_usd: float
    fill_minute: float  # probability that a minute has no trade
    fill_hour: float  # probability that an hour has no trade (illiquid pairs only)
    basis: float  # constant log basis against the reference price
    histo_shard: str
    side_unknown: bool
    key: str = field(default="")  # stable seed key, "spot|market|mapped"

    def status_at(self, now: float) -> str | None:
        """ACTIVE / RETIRED at ``now``; None while not yet listed (invisible everywhere)."""
        if self.first_trade_ts > now:
            return None
        if self.retired_ts is not None and self.retired_ts <= now:
            return "RETIRED"
        return "ACTIVE"

    def last_trade_at(self, now: float) -> int:
        """Time of the most recent trade as seen at ``now``."""
        if self.retired_ts is not None and self.retired_ts <= now:
            return self.retired_ts
        lag = int(min(600.0, 60.0 / max(self.trades_per_minute, 0.1)) * unit_float("lag", self.key))
        return max(self.first_trade_ts, int(now) - lag)

    @property
    def trades_per_minute(self) -> float:
        return self.daily_volume_usd / 1440.0 / self.trade_size_usd

    def total_trades_at(self, now: float) -> int:
        """Cumulative trade count, a closed form (no summing of buckets)."""
        end = min(now, self.retired_ts) if self.retired_ts is not None else now
        minutes = max(0.0, (end - self.first_trade_ts) / 60.0)
        return max(1, int(minutes * max(self.trades_per_minute, 1.0 - self.fill_minute)))


def exchange_instrument_id(style: str, base: str, quote: str) -> str:
    """The exchange-specific (unmapped) instrument id for a pair, by naming style."""
    if style == "concat":
        return f"{base}{quote}"
    if style == "dash":
        return f"{base}-{quote}"
    if style == "lower":
        return f"{base}{quote}".lower()
    if style == "underscore":
        return f"{base}_{quote}"
    if style == "lower_underscore":
        return f"{base}_{quote}".lower()
    if style == "quote_first":
        return f"{quote}-{base}"
    if style == "colon":
        return f"{base}:{quote}"
    if style == "slash":
        return f"{base}/{quote}"
    if style == "bitfinex":
        b, q = base, ("UST" if quote == "USDT" else quote)
        return f"t{b}:{q}" if len(b) > 3 or len(q) > 3 else f"t{b}{q}"
    if style == "kraken":
        b = _KRAKEN_CODES.get(base, base)
        q = _KRAKEN_CODES.get(quote, quote)
        if b in _KRAKEN_LEGACY:
            if q in _KRAKEN_FIAT:
                return f"X{b}Z{q}"
            return f"X{b}X{q}" if q in _KRAKEN_LEGACY else f"X{b}{q}"
        return f"{b}{q}"
    raise ValueError(f"unknown instrument id style {style!r}")


def _rank_factor(rank: int) -> float:
    return 1.0 if rank < 8 else max(0.12, 1.0 - rank / 75.0)


def _build_spot_for_exchange(ex: ExchangeSpec, bases: list[AssetSpec]) -> list[SpotInstrument]:
    out: list[SpotInstrument] = []
    seen: set[str] = set()
    primary_quote = ex.quotes[0][0]
    for rank, asset in enumerate(bases):
        if asset.symbol == primary_quote and len(ex.quotes) == 1:
            continue
        forced = rank < 3  # every exchange lists the majors
        if not forced and unit_float("list", ex.market, asset.symbol) >= ex.coverage * _rank_factor(
            rank
        ):
            continue
        for qi, (quote, qweight) in enumerate(ex.quotes):
            if quote == asset.symbol:
                continue
            quote_spec = ASSETS_BY_SYMBOL[quote]
            if asset.stable and not (quote_spec.is_fiat or quote in ("USDT", "USDC")):
                continue
            if qi > 0 and unit_float("quote", ex.market, asset.symbol, quote) >= min(
                1.0, qweight * (4.0 if rank < 10 else 2.0)
            ):
                continue
            inst = _make_spot(ex, asset, quote_spec, rank, primary=qi == 0)
            if inst is None or inst.instrument in seen:
                continue
            seen.add(inst.instrument)
            out.append(inst)
    return out


def _make_spot(
    ex: ExchangeSpec, base: AssetSpec, quote: AssetSpec, rank: int, primary: bool
) -> SpotInstrument | None:
    key = f"spot|{ex.market}|{base.symbol}-{quote.symbol}"
    earliest = max(
        base.launch + 30 * DAY,
        ex.launch,
        QUOTE_AVAILABLE_FROM.get(quote.symbol, 0),
        quote.launch + 30 * DAY if not quote.is_fiat else 0,
    )
    room = LISTING_HORIZON - earliest
    if room <= 0:
        return None
    u = unit_float("listing", key)
    years = 0.15 if (primary and rank < 5) else (2.0 if rank < 10 else 4.0)
    spread = min(room, years * 365 * DAY)
    first = earliest + int(spread * (u * u if rank < 10 else u)) + int(unit_float("sec", key) * DAY)
    if first >= LISTING_HORIZON:
        return None
    retired: int | None = None
    if ex.closed is not None:
        if first >= ex.closed - 30 * DAY:
            return None
        retired = ex.closed - int(unit_float("closed", key) * 6 * 3600)
    elif unit_float("retire", key) < 0.04 + rank / 700.0:
        lo = first + 90 * DAY
        if lo < RETIRE_HORIZON:
            retired = lo + int(unit_float("retire_at", key) * (RETIRE_HORIZON - lo))
    quote_weight = dict(ex.quotes)[quote.symbol]
    noise = math.exp(3.0 * (unit_float("vol", key) - 0.5))
    daily = BASE_DAILY_VOLUME_USD * max(base.weight, 0.002) * ex.size * quote_weight * noise
    trade_size = (
        ex.trade_size_usd * (0.6 + 0.8 * unit_float("size", key)) * (1.5 if rank < 5 else 1.0)
    )
    lam = daily / 1440.0 / trade_size
    fill_minute = min(0.35, max(0.002, math.exp(-lam)))
    fill_hour = min(0.15, math.exp(-60.0 * lam)) if lam < 0.1 else 0.0
    created = max(first, MAPPING_EPOCH) + int(unit_float("created", key) * 30 * DAY)
    return SpotInstrument(
        market=ex.market,
        instrument=exchange_instrument_id(ex.style, base.symbol, quote.symbol),
        mapped=f"{base.symbol}-{quote.symbol}",
        base=base.symbol,
        quote=quote.symbol,
        base_id=base.asset_id,
        quote_id=quote.asset_id,
        first_trade_ts=first,
        retired_ts=retired,
        mapping_created_on=created,
        daily_volume_usd=daily,
        trade_size_usd=trade_size,
        fill_minute=fill_minute,
        fill_hour=fill_hour,
        basis=(unit_float("basis", key) - 0.5) * 0.003,
        histo_shard=f"PG_COLLECT_0{1 + seed_of('shard', key) % 6}",
        side_unknown=ex.side_unknown,
        key=key,
    )


@dataclass(frozen=True)
class Universe:
    """All simulated markets and instruments, with lookups by mapped and unmapped id."""

    assets: dict[str, AssetSpec]
    exchanges: dict[str, ExchangeSpec]
    spot: tuple[SpotInstrument, ...]
    spot_by_market: dict[str, dict[str, SpotInstrument]]
    spot_unmapped: dict[str, dict[str, SpotInstrument]]

    def find_spot(self, market: str, instrument: str) -> SpotInstrument | None:
        """Mapped id first (the API's default CHECK_MAPPED_FIRST), then the exchange's own id."""
        by_mapped = self.spot_by_market.get(market)
        if by_mapped is None:
            return None
        return (
            by_mapped.get(instrument)
            or self.spot_unmapped[market].get(instrument)
            or by_mapped.get(instrument.upper())
        )


@cache
def get_universe() -> Universe:
    """Build (once per process) the full universe."""
    bases = sorted(
        (a for a in ASSETS if not a.is_fiat and a.symbol != "USD"),
        key=lambda a: (-a.weight, a.asset_id),
    )
    spot: list[SpotInstrument] = []
    by_market: dict[str, dict[str, SpotInstrument]] = {}
    unmapped: dict[str, dict[str, SpotInstrument]] = {}
    for ex in EXCHANGES:
        insts = _build_spot_for_exchange(ex, bases)
        spot.extend(insts)
        by_market[ex.market] = {i.mapped: i for i in insts}
        unmapped[ex.market] = {i.instrument: i for i in insts}
    return Universe(
        assets=dict(ASSETS_BY_SYMBOL),
        exchanges={e.market: e for e in EXCHANGES},
        spot=tuple(spot),
        spot_by_market=by_market,
        spot_unmapped=unmapped,
    )


@cache
def asset_path(symbol: str) -> PathSpec:
    """The USD log-price path of an asset (USD itself is flat)."""
    if symbol == "USD":
        return usd_path()
    a = ASSETS_BY_SYMBOL[symbol]
    cap = 0.002 if a.stable else 9.0
    return make_path(symbol, a.anchor_usd, a.daily_vol, a.growth, cap)
