"""Index instruments (CoinDesk cadli / ccix reference rates): which assets, in which currencies.

An index level is the reference pair price with no venue basis, so spot closes on any exchange
sit within a fraction of a percent of it. History starts with the asset's first spot trade
anywhere in the universe (ccix additionally not before 2019).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from ccdata_assets.simulator.catalog import ASSETS, ASSETS_BY_SYMBOL, epoch
from ccdata_assets.simulator.hashing import seed_of, unit_float
from ccdata_assets.simulator.universe import MAPPING_EPOCH, get_universe

DAY = 86_400
INDEX_MARKETS = ("cadli", "ccix")
_CCIX_START = epoch("2019-01-01")
_QUOTES = {
    "cadli": (("USD", 999), ("EUR", 12), ("GBP", 3), ("JPY", 3), ("KRW", 3)),
    "ccix": (("USD", 20), ("EUR", 5)),
}


@dataclass(frozen=True, slots=True)
class IndexInstrument:
    market: str
    instrument: str  # BASE-QUOTE; index instruments are their own mapped ids
    base: str
    quote: str
    first_ts: int
    daily_volume_usd: float
    updates_per_day: float
    mapping_created_on: int
    histo_shard: str
    key: str

    def status_at(self, now: float) -> str | None:
        return "ACTIVE" if self.first_ts <= now else None


@cache
def index_instruments() -> tuple[IndexInstrument, ...]:
    universe = get_universe()
    first_spot: dict[str, int] = {}
    volume: dict[str, float] = {}
    for inst in universe.spot:
        first_spot[inst.base] = min(
            first_spot.get(inst.base, inst.first_trade_ts), inst.first_trade_ts
        )
        volume[inst.base] = volume.get(inst.base, 0.0) + inst.daily_volume_usd
    ranked = sorted(
        (a for a in ASSETS if not a.is_fiat and a.symbol in first_spot),
        key=lambda a: (-a.weight, a.asset_id),
    )
    out: list[IndexInstrument] = []
    for market in INDEX_MARKETS:
        for quote, top_n in _QUOTES[market]:
            for asset in ranked[:top_n]:
                if asset.symbol == quote:
                    continue
                key = f"index|{market}|{asset.symbol}-{quote}"
                first = first_spot[asset.symbol] + int(unit_float("first", key) * 3600)
                if market == "ccix":
                    first = max(first, _CCIX_START + int(unit_float("ccix", key) * DAY))
                out.append(
                    IndexInstrument(
                        market=market,
                        instrument=f"{asset.symbol}-{quote}",
                        base=asset.symbol,
                        quote=quote,
                        first_ts=first,
                        daily_volume_usd=volume[asset.symbol],
                        updates_per_day=5_000 + 220_000 * math.sqrt(max(asset.weight, 0.0)),
                        mapping_created_on=max(first, MAPPING_EPOCH)
                        + int(unit_float("created", key) * 20 * DAY),
                        histo_shard=f"PG_COLLECT_0{1 + seed_of('shard', key) % 6}",
                        key=key,
                    )
                )
    return tuple(out)


@cache
def index_by_market() -> dict[str, dict[str, IndexInstrument]]:
    out: dict[str, dict[str, IndexInstrument]] = {m: {} for m in INDEX_MARKETS}
    for inst in index_instruments():
        out[inst.market][inst.instrument] = inst
    return out


def asset_ids(inst: IndexInstrument) -> tuple[int, int]:
    return ASSETS_BY_SYMBOL[inst.base].asset_id, ASSETS_BY_SYMBOL[inst.quote].asset_id
