"""Min API ``GET /data/exchanges/general``: exchange profiles with benchmark grades.

Min API conventions differ from the Data API: a ``Response``/``Message``/``Type``/``Data``
envelope, ``Data`` keyed by exchange id *string*, and ids/grade points sent as strings.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ccdata_assets.simulator.catalog import ASSETS_BY_SYMBOL, ExchangeSpec, grade_for
from ccdata_assets.simulator.errors import ApiError, dumps, whole_as_int
from ccdata_assets.simulator.futures_universe import VENUES, futures_by_market
from ccdata_assets.simulator.hashing import unit_float
from ccdata_assets.simulator.prices import log_level
from ccdata_assets.simulator.universe import asset_path, get_universe

_SPLIT_WEIGHTS = (
    ("Legal", 0.21),
    ("KYCAndTransactionRisk", 0.16),
    ("Team", 0.09),
    ("DataProvision", 0.11),
    ("AssetQualityAndDiversity", 0.12),
    ("MarketQuality", 0.17),
    ("Security", 0.14),
)
_SYMBOLS = {"BTC": "Ƀ", "ETH": "Ξ", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩"}


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _grade_split(ex: ExchangeSpec) -> dict[str, str]:
    penalty = -round(unit_float("penalty", ex.market) * 3.0, 1) if ex.grade_points < 40 else 0.0
    base = ex.grade_points - penalty
    split = {}
    for name, weight in _SPLIT_WEIGHTS:
        wobble = 0.8 + 0.4 * unit_float("split", ex.market, name)
        split[name] = base * weight * wobble
    scale = base / sum(split.values())
    out = {name: _num(v * scale) for name, v in split.items()}
    out["NegativeReportsPenalty"] = _num(penalty)
    return out


def _volume_24h_usd(ex: ExchangeSpec, now: int) -> float:
    spot = get_universe().spot_by_market.get(ex.market)
    insts = spot.values() if spot is not None else futures_by_market()[ex.market].values()
    return sum(i.daily_volume_usd for i in insts if i.status_at(now) == "ACTIVE")


def _futures_only_exchanges() -> list[ExchangeSpec]:
    """Derivatives venues without spot markets (BitMEX, Deribit, Hyperliquid) as profiles."""
    return [
        ExchangeSpec(
            market=v.market,
            name=v.name,
            internal_name=v.internal_name,
            minapi_id=v.minapi_id,
            grade_points=v.grade_points,
            country=v.country,
            launch=v.launch,
            style="concat",
            quotes=(("USD", 1.0),),
            size=v.size,
            coverage=0.0,
            trade_size_usd=v.trade_size_usd,
        )
        for v in VENUES
        if v.spot_market is None
    ]


def _profile(
    ex: ExchangeSpec, rank: int, tsym: str, tsym_usd: float, now: int
) -> dict[str, object]:
    market = ex.market
    volume = _volume_24h_usd(ex, now) / tsym_usd
    symbol = _SYMBOLS.get(tsym, tsym)
    ratings = [int(200 * unit_float("rating", market, i) * (i + 1)) for i in range(5)]
    total = sum(ratings)
    avg = sum((i + 1) * r for i, r in enumerate(ratings)) / total if total else 0.0
    return {
        "Id": str(ex.minapi_id),
        "Name": ex.name,
        "Url": f"/exchanges/{market}/overview",
        "LogoUrl": f"/media/{37_000_000 + ex.minapi_id}/{market}.png",
        "ItemType": ["Cryptocurrency", "Stable Coins"] if ex.size > 0.1 else ["Cryptocurrency"],
        "CentralizationType": "Centralized",
        "InternalName": ex.internal_name,
        "GradePoints": _num(ex.grade_points),
        "Grade": grade_for(ex.grade_points),
        "GradePointsSplit": _grade_split(ex),
        "AffiliateURL": f"https://www.{market}.com/",
        "Country": ex.country,
        "OrderBook": True,
        "Trades": True,
        "Description": f"{ex.name} is a centralised cryptocurrency exchange based in {ex.country}.",
        "FullAddress": ex.country,
        "Fees": "Maker/taker fees from 0.1%.",
        "DepositMethods": "Cryptocurrency, bank transfer",
        "WithdrawalMethods": "Cryptocurrency, bank transfer",
        "Sponsored": False,
        "Recommended": False,
        "Rating": {
            "One": ratings[0],
            "Two": ratings[1],
            "Three": ratings[2],
            "Four": ratings[3],
            "Five": ratings[4],
            "Avg": round(avg, 2),
            "TotalUsers": total,
        },
        "SortOrder": str(rank),
        "TOTALVOLUME24H": {tsym: round(volume, 8)},
        "DISPLAYTOTALVOLUME24H": {tsym: f"{symbol} {volume:,.1f}"},
    }


def exchanges_general(query: Mapping[str, str], now: int) -> bytes:
    """Every exchange known at ``now`` (closed ones too), keyed by Min API id string."""
    tsym = (query.get("tsym") or "BTC").strip().upper()
    if tsym not in ASSETS_BY_SYMBOL:
        raise ApiError(
            400, f"tsym param is invalid. ({tsym} is not a known asset)", {"param": "tsym"}
        )
    tsym_usd = float(np.exp(log_level(asset_path(tsym), np.array([now], dtype=np.int64)))[0])
    known = [*get_universe().exchanges.values(), *_futures_only_exchanges()]
    exchanges = sorted(known, key=lambda e: (-e.grade_points, e.market))
    data = {
        str(ex.minapi_id): _profile(ex, rank, tsym, tsym_usd, now)
        for rank, ex in enumerate(exchanges, start=1)
        if ex.launch <= now
    }
    payload = {
        "Response": "Success",
        "Message": "",
        "HasWarning": False,
        "Type": 100,
        "RateLimit": {},
        "Data": whole_as_int(data),
    }
    return dumps(payload)
