"""Validation of the query parameters shared by the historical endpoints (§0.5 of the reference)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ccdata_assets.simulator.candles import DAY, HOUR, MINUTE
from ccdata_assets.simulator.errors import ApiError, bad_param

MAX_LIMIT = {DAY: 5000, HOUR: 2000, MINUTE: 2000}
DEFAULT_LIMIT = 30
PATH_UNITS = {"days": DAY, "hours": HOUR, "minutes": MINUTE}


@dataclass(frozen=True)
class HistoryQuery:
    market: str
    instrument: str
    unit: int
    limit: int
    to_ts: int | None
    fill: bool
    groups: frozenset[str] | None  # None = every group
    apply_mapping: bool


def parse_bool(query: Mapping[str, str], name: str, default: bool) -> bool:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    low = raw.strip().lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise bad_param(
        name, raw, f"Bad request: {name} parameter must be a boolean (true/false), got {raw}."
    )


def parse_int(
    query: Mapping[str, str], name: str, default: int | None, lo: int, hi: int
) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        try:
            value = int(float(raw))
        except ValueError:
            raise bad_param(
                name, raw, f"Bad request: {name} parameter must be an integer, got {raw}."
            ) from None
    if not lo <= value <= hi:
        raise bad_param(
            name,
            value,
            f"Out of range: {name} parameter. Value {value} must be between {lo} and {hi}.",
        )
    return value


def parse_required(query: Mapping[str, str], name: str) -> str:
    raw = (query.get(name) or "").strip()
    if not raw:
        raise ApiError(400, f"Missing: {name} parameter is required.", {"param": name})
    return raw


def parse_list(query: Mapping[str, str], name: str) -> list[str]:
    raw = query.get(name) or ""
    return [p.strip() for p in raw.split(",") if p.strip()]


def parse_groups(query: Mapping[str, str], allowed: tuple[str, ...]) -> frozenset[str] | None:
    groups = [g.upper() for g in parse_list(query, "groups")]
    if not groups:
        return None
    bad = [g for g in groups if g not in allowed]
    if bad:
        raise ApiError(
            400,
            f"Bad request: groups parameter. Values {','.join(bad)} are not valid; "
            f"allowed groups are {','.join(allowed)}.",
            {"param": "groups", "values": bad},
        )
    return frozenset(groups)


def parse_history(
    query: Mapping[str, str], unit: int, allowed_groups: tuple[str, ...]
) -> HistoryQuery:
    """Parse and bound-check one historical request; raises ApiError (HTTP 400) when malformed."""
    market = parse_required(query, "market").lower()
    instrument = parse_required(query, "instrument")
    limit = parse_int(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT[unit])
    to_ts = parse_int(query, "to_ts", None, 0, 2**40)
    aggregate = parse_int(query, "aggregate", 1, 1, 30)
    if aggregate != 1:
        raise bad_param(
            "aggregate",
            aggregate,
            "Bad request: the simulator serves aggregate=1 only (one bucket per unit).",
        )
    response_format = (query.get("response_format") or "JSON").upper()
    if response_format != "JSON":
        raise bad_param(
            "response_format", response_format, "Bad request: the simulator serves JSON only."
        )
    fill = parse_bool(query, "fill", True)
    apply_mapping = parse_bool(query, "apply_mapping", True)
    groups = parse_groups(query, allowed_groups)
    assert limit is not None
    return HistoryQuery(market, instrument, unit, limit, to_ts, fill, groups, apply_mapping)
