"""Fault injection: request-level failures (counted per app), malformed historical rows, and
row faults that stay valid (dropped buckets, price spikes, an extra field).

Corrupted rows are chosen by bucket, not by request order, so the same bucket is malformed every
time it is fetched: a quarantine table stays idempotent across retries and re-runs.
"""

from __future__ import annotations

import json

import numpy as np

from ccdata_assets.simulator import jsonrows as jr
from ccdata_assets.simulator.config import FaultConfig
from ccdata_assets.simulator.errors import dumps
from ccdata_assets.simulator.hashing import seed_of

CORRUPTION_KINDS = (
    "high_below_low",  # HIGH < LOW
    "negative_volume",  # VOLUME (or open interest / update count) < 0
    "missing_timestamp",  # TIMESTAMP key absent
    "non_numeric",  # CLOSE sent as a non-numeric string
    "misaligned_timestamp",  # TIMESTAMP not on a bucket boundary
)


def corruption_kind(key: str, unit: int, ts: int, every: int) -> str | None:
    """Which corruption (if any) the bucket starting at ``ts`` carries."""
    if every <= 0:
        return None
    slot = ts // unit + seed_of("corrupt", key) % every
    if slot % every:
        return None
    return CORRUPTION_KINDS[(slot // every) % len(CORRUPTION_KINDS)]


_HIGH_LOW = (("HIGH", "LOW"), ("HIGH_SETTLEMENT", "LOW_SETTLEMENT"))
_NON_NEGATIVE = ("VOLUME", "CLOSE_SETTLEMENT", "TOTAL_FUNDING_RATE_UPDATES", "TOTAL_INDEX_UPDATES")
_NUMERIC = ("CLOSE", "CLOSE_SETTLEMENT")


def _corrupt(row: dict[str, object], kind: str, unit: int) -> dict[str, object]:
    """Apply one corruption to the first fields of the row it can apply to."""
    if kind == "high_below_low":
        for high, low in _HIGH_LOW:
            if high in row and low in row:
                row[high] = float(row[low]) * 0.99  # type: ignore[arg-type]
                break
    elif kind == "negative_volume":
        key = next((k for k in _NON_NEGATIVE if k in row), None)
        if key is not None:
            row[key] = -abs(float(row[key])) - 1.5  # type: ignore[arg-type]
    elif kind == "missing_timestamp":
        row.pop("TIMESTAMP", None)
    elif kind == "non_numeric":
        key = next((k for k in _NUMERIC if k in row), None)
        if key is not None:
            row[key] = "N/A"
    elif kind == "misaligned_timestamp" and "TIMESTAMP" in row:
        row["TIMESTAMP"] = int(row["TIMESTAMP"]) + max(1, unit // 4) + 7  # type: ignore[arg-type]
    return row


def corrupt_overrides(
    fields: list[jr.Field], ts: np.ndarray, unit: int, every: int, key: str
) -> dict[int, bytes]:
    """Replacement bytes for the rows of this page that the fault config marks as malformed."""
    if every <= 0 or ts.size == 0:
        return {}
    offset = seed_of("corrupt", key) % every
    hits = np.flatnonzero((ts // unit + offset) % every == 0)
    out: dict[int, bytes] = {}
    for i in hits.tolist():
        kind = corruption_kind(key, unit, int(ts[i]), every)
        assert kind is not None
        out[i] = dumps(_corrupt(jr.row_dict(fields, i), kind, unit))
    return out


SPIKE_FACTOR = 1.5
EXTRA_FIELD_VALUE = "injected"
_SPIKED = ("OPEN", "HIGH", "LOW", "CLOSE")


def bucket_hit(fault: str, key: str, unit: int, ts: int, every: int) -> bool:
    """Whether the bucket starting at ``ts`` of instrument ``key`` carries ``fault``; chosen by
    bucket (offset per instrument), so every fetch of the bucket sees the same fault."""
    return every > 0 and (ts // unit + seed_of(fault, key) % every) % every == 0


def page_faults(body: bytes, faults: FaultConfig, unit: int) -> bytes:
    """Row faults that keep rows valid: dropped buckets (gaps the API should have filled),
    price spikes that still pass the OHLC rules (outliers), an unannounced extra field (drift).

    Only pages with one of these faults switched on are decoded again; others pass untouched.
    """
    if not (faults.drop_bucket_every or faults.spike_every or faults.extra_field):
        return body
    payload = json.loads(body)
    rows = payload.get("Data")
    if not isinstance(rows, list):
        return body
    kept = []
    for row in rows:
        key = f"{row.get('MARKET')}:{row.get('INSTRUMENT')}"
        ts = row.get("TIMESTAMP")
        if isinstance(ts, int):
            if bucket_hit("drop", key, unit, ts, faults.drop_bucket_every):
                continue
            if bucket_hit("spike", key, unit, ts, faults.spike_every):
                for name in _SPIKED:
                    if isinstance(row.get(name), int | float):
                        row[name] = row[name] * SPIKE_FACTOR
        if faults.extra_field:
            row[faults.extra_field] = EXTRA_FIELD_VALUE
        kept.append(row)
    payload["Data"] = kept
    return dumps(payload)
