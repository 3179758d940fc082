"""Fault injection: request-level failures (counted per app) and malformed historical rows.

Corrupted rows are chosen by bucket, not by request order, so the same bucket is malformed every
time it is fetched: a quarantine table stays idempotent across retries and re-runs.
"""

from __future__ import annotations

import numpy as np

from ccdata_assets.simulator import jsonrows as jr
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
