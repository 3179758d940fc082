"""API payload shapes -> flat records, one function per shape (the only shape-specific code)."""

from __future__ import annotations

from typing import Any

from ccdata_assets.datasets.records import flatten


def markets(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """`Data.{market}.{fields}` (spot/futures markets): one record per market."""
    return [
        {**flatten({k: v for k, v in fields.items() if k != "instruments"}), "MARKET": market}
        for market, fields in sorted(payload.items())
    ]


def market_instruments(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """`Data.{market}.instruments.{mapped}.{fields}`: one record per instrument."""
    return [
        {**flatten(fields), "MARKET": market}
        for market, entry in sorted(payload.items())
        for _, fields in sorted((entry.get("instruments") or {}).items())
    ]


def keyed_objects(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Min API `Data.{id}.{fields}` (exchanges general): one record per object."""
    return [flatten(fields) for _, fields in sorted(payload.items())]


def listed(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """`Data.LIST[...]` (asset top list): one record per row."""
    return [flatten(row) for row in payload.get("LIST") or []]


def top_list_pages(payload: dict[str, Any]) -> int:
    stats = payload.get("STATS") or {}
    size = int(stats.get("PAGE_SIZE") or 100)
    return max(1, -(-int(stats.get("TOTAL_ASSETS") or 0) // size))
