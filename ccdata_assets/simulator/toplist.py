"""``GET /asset/v1/top/list``: assets ranked by market cap (or another metric), paged.

Prices are the same asset paths the spot and index data use, so PRICE_USD agrees with the
cadli index and with spot closes. Volumes aggregate the simulated spot instruments' USD volume.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from ccdata_assets.simulator.catalog import (
    ASSETS,
    TOP_TIER_MIN_POINTS,
    AssetSpec,
    epoch,
)
from ccdata_assets.simulator.errors import ApiError, dumps, whole_as_int
from ccdata_assets.simulator.hashing import unit_float
from ccdata_assets.simulator.params import parse_int
from ccdata_assets.simulator.prices import log_level
from ccdata_assets.simulator.universe import asset_path, get_universe

DAY = 86_400
CATALOGUE_CREATED = epoch("2022-08-05")
CACHE_SECONDS = 30
SORT_FIELDS = (
    "CIRCULATING_MKT_CAP_USD",
    "TOTAL_MKT_CAP_USD",
    "PRICE_USD",
    "SPOT_MOVING_24_HOUR_QUOTE_VOLUME_USD",
    "SPOT_MOVING_7_DAY_QUOTE_VOLUME_USD",
    "SPOT_MOVING_30_DAY_QUOTE_VOLUME_USD",
    "SPOT_MOVING_24_HOUR_CHANGE_PERCENTAGE_USD",
    "CREATED_ON",
    "UPDATED_ON",
    "LAUNCH_DATE",
    "SYMBOL",
    "ID",
)
ASSET_TYPES = ("BLOCKCHAIN", "FIAT", "TOKEN", "STOCK", "INDEX", "COMMODITY", "ETF")
_RANK_KEYS = (
    ("CREATED_ON", False),
    ("LAUNCH_DATE", False),
    ("CIRCULATING_MKT_CAP_USD", True),
    ("TOTAL_MKT_CAP_USD", True),
    ("SPOT_MOVING_24_HOUR_QUOTE_VOLUME_USD", True),
    ("SPOT_MOVING_7_DAY_QUOTE_VOLUME_USD", True),
    ("SPOT_MOVING_30_DAY_QUOTE_VOLUME_USD", True),
)


def _sig(x: float, digits: int = 15) -> float:
    return float(f"{x:.{digits}g}")


def _prices(symbol: str, now: int) -> list[float]:
    """USD price now and 1, 7 and 30 days earlier, in one vectorised evaluation."""
    t = np.array([now, now - DAY, now - 7 * DAY, now - 30 * DAY], dtype=np.int64)
    return np.exp(log_level(asset_path(symbol), t)).tolist()


def _volumes(now: int) -> dict[str, dict[str, float]]:
    """Per base asset: 24h USD volume, split into direct (USD quote) and top-tier parts."""
    universe = get_universe()
    out: dict[str, dict[str, float]] = {}
    for inst in universe.spot:
        if inst.status_at(now) != "ACTIVE":
            continue
        v = out.setdefault(inst.base, {"all": 0.0, "direct": 0.0, "top": 0.0, "top_direct": 0.0})
        top = universe.exchanges[inst.market].grade_points >= TOP_TIER_MIN_POINTS
        v["all"] += inst.daily_volume_usd
        if inst.quote == "USD":
            v["direct"] += inst.daily_volume_usd
        if top:
            v["top"] += inst.daily_volume_usd
            if inst.quote == "USD":
                v["top_direct"] += inst.daily_volume_usd
    return out


def _row(a: AssetSpec, now: int, vols: dict[str, float]) -> dict[str, object]:
    prices = _prices(a.symbol, now)
    price = _sig(prices[0])
    created = max(CATALOGUE_CREATED, a.launch) + int(unit_float("created", a.symbol) * 40 * DAY)
    updated = now - int(unit_float("updated", a.symbol, now // 3600) * 3600)
    supply_total = a.circulating * (1.0 + 0.05 * unit_float("locked", a.symbol))
    supply_max = a.max_supply
    row: dict[str, object] = {
        "ID": a.asset_id,
        "TYPE": "162",
        "ID_LEGACY": 1000 + 37 * a.asset_id,
        "ID_PARENT_ASSET": None,
        "ID_ASSET_ISSUER": None,
        "SYMBOL": a.symbol,
        "URI": a.uri,
        "ASSET_TYPE": a.asset_type,
        "ASSET_ISSUER_NAME": None,
        "PARENT_ASSET_SYMBOL": None,
        "CREATED_ON": created,
        "UPDATED_ON": updated,
        "PUBLIC_NOTICE": None,
        "NAME": a.name,
        "LOGO_URL": f"https://resources.cryptocompare.com/asset-management/{a.asset_id}/{created}000.png",
        "LAUNCH_DATE": a.launch,
        "PREVIOUS_ASSET_SYMBOLS": None,
        "ASSET_ALTERNATIVE_IDS": [
            {"NAME": "CMC", "ID": str(a.asset_id)},
            {"NAME": "CG", "ID": a.uri},
        ],
        "ASSET_DESCRIPTION_SNIPPET": f"{a.name} ({a.symbol}) is a digital asset (simulated profile).",
        "ASSET_DECIMAL_POINTS": 8 if a.asset_type == "BLOCKCHAIN" else 18,
        "SUPPLY_MAX": supply_max,
        "SUPPLY_ISSUED": _sig(supply_total, 12),
        "SUPPLY_TOTAL": _sig(supply_total, 12),
        "SUPPLY_CIRCULATING": a.circulating,
        "SUPPLY_FUTURE": _sig(supply_max - supply_total, 12) if supply_max > 0 else -1,
        "SUPPLY_LOCKED": _sig(supply_total - a.circulating, 12),
        "SUPPLY_BURNT": 0,
        "SUPPLY_STAKED": 0,
        "LAST_BLOCK_MINT": 3.125 if a.symbol == "BTC" else None,
        "LAST_BLOCK_BURN": None,
        "PRICE_USD": price,
        "PRICE_USD_SOURCE": "cadli",
        "PRICE_USD_LAST_UPDATE_TS": now - 5,
        "PRICE_CONVERSION_ASSET": {"ID": 5, "SYMBOL": "USD", "ASSET_TYPE": "FIAT"},
        "PRICE_CONVERSION_RATE": 1,
        "PRICE_CONVERSION_VALUE": price,
        "PRICE_CONVERSION_SOURCE": "cadli",
        "PRICE_CONVERSION_LAST_UPDATE_TS": now - 5,
        "MKT_CAP_PENALTY": 0,
        "CIRCULATING_MKT_CAP_USD": _sig(price * a.circulating),
        "TOTAL_MKT_CAP_USD": _sig(price * supply_total),
        "CIRCULATING_MKT_CAP_CONVERSION": round(price * a.circulating, 2),
        "TOTAL_MKT_CAP_CONVERSION": round(price * supply_total, 2),
    }
    for label, days in (("24_HOUR", 1), ("7_DAY", 7), ("30_DAY", 30)):
        factor = days * (0.85 + 0.3 * unit_float("vol", a.symbol, label, now // DAY))
        for kind, key in (
            ("TOP_TIER_DIRECT_USD", "top_direct"),
            ("DIRECT_USD", "direct"),
            ("TOP_TIER_USD", "top"),
            ("USD", "all"),
            ("TOP_TIER_CONVERSION", "top"),
            ("CONVERSION", "all"),
        ):
            row[f"SPOT_MOVING_{label}_QUOTE_VOLUME_{kind}"] = _sig(vols.get(key, 0.0) * factor)
    for label, before in zip(("24_HOUR", "7_DAY", "30_DAY"), prices[1:], strict=True):
        change = _sig(price - before, 12)
        pct = _sig((price / before - 1.0) * 100.0, 15)
        row[f"SPOT_MOVING_{label}_CHANGE_USD"] = change
        row[f"SPOT_MOVING_{label}_CHANGE_PERCENTAGE_USD"] = pct
        row[f"SPOT_MOVING_{label}_CHANGE_CONVERSION"] = change
        row[f"SPOT_MOVING_{label}_CHANGE_PERCENTAGE_CONVERSION"] = pct
    return row


def _ranks(rows: list[dict[str, object]]) -> None:
    for key, desc in _RANK_KEYS:
        order = sorted(rows, key=lambda r, k=key: (r[k], r["ID"]), reverse=desc)
        for rank, r in enumerate(order, start=1):
            r.setdefault("TOPLIST_BASE_RANK", {})[key] = rank  # type: ignore[index]


@lru_cache(maxsize=16)
def _ranked_rows(now: int, asset_type: str) -> tuple[dict[str, object], ...]:
    vols = _volumes(now)
    assets = [
        a
        for a in ASSETS
        if not a.is_fiat and a.launch <= now and (not asset_type or a.asset_type == asset_type)
    ]
    rows = [_row(a, now, vols.get(a.symbol, {})) for a in assets]
    _ranks(rows)
    return tuple(rows)


def top_list(query: Mapping[str, str], now: int) -> bytes:
    """One page of the asset top list (recomputed at most every 30 s, like the real cache)."""
    page = parse_int(query, "page", 1, 1, 1000)
    page_size = parse_int(query, "page_size", 100, 10, 100)
    assert page is not None and page_size is not None
    sort_by = (query.get("sort_by") or "CIRCULATING_MKT_CAP_USD").strip().upper()
    if sort_by not in SORT_FIELDS:
        raise ApiError(
            400,
            f"Bad request: sort_by parameter. Value {sort_by} is not supported; "
            f"use one of {','.join(SORT_FIELDS)}.",
            {"param": "sort_by", "values": [sort_by]},
        )
    direction = (query.get("sort_direction") or "DESC").strip().upper()
    if direction not in ("DESC", "ASC"):
        raise ApiError(
            400, "Bad request: sort_direction must be DESC or ASC.", {"param": "sort_direction"}
        )
    quote = (query.get("toplist_quote_asset") or "USD").strip().upper()
    if quote != "USD":
        raise ApiError(
            400,
            "Bad request: the simulator ranks in USD only.",
            {"param": "toplist_quote_asset", "values": [quote]},
        )
    asset_type = (query.get("asset_type") or "").strip().upper()
    if asset_type and asset_type not in ASSET_TYPES:
        raise ApiError(
            400, f"Bad request: asset_type {asset_type} is not valid.", {"param": "asset_type"}
        )
    rows = sorted(_ranked_rows(now - now % CACHE_SECONDS, asset_type), key=lambda r: r["ID"])  # type: ignore[arg-type,return-value]
    rows.sort(key=lambda r: (r[sort_by], -int(r["ID"])), reverse=direction == "DESC")  # type: ignore[arg-type]
    chunk = rows[(page - 1) * page_size : page * page_size]
    data = {
        "STATS": {"PAGE": page, "PAGE_SIZE": page_size, "TOTAL_ASSETS": len(rows)},
        "LIST": chunk,
    }
    return dumps({"Data": whole_as_int(data), "Err": {}})
