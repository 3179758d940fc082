"""Backfill chunks chosen by API cost, not by partition-key counts.

Dagster groups a single-run backfill of (window x instrument) keys by holding constant whichever
dimension has fewer selected keys. With more instruments than windows it launches one run per
window, and every instrument then costs a call per window. Paging each instrument's whole span
costs ceil(points / limit) calls, so the platform's own backfills (a new instrument's history, the
`scripts/backfill.py` CLI) run every window x a chunk of instruments instead. (Backfills launched
from the UI reach the same cost through the backfill ledger: `shared_backfill.py`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ccdata_assets.partitions import range_tags

DEFAULT_CHUNK = 50  # instruments per run: a few runs for a universe, memory stays flat anyway


def history_runs(
    first_window: date, last_window: date, instruments: Sequence[str], chunk: int = DEFAULT_CHUNK
) -> list[dict[str, str]]:
    """Range tags for runs covering first..last window x consecutive chunks of `instruments`.

    `instruments` must be in partition order (each chunk is a contiguous range of keys)."""
    return [
        range_tags(first_window, last_window, list(instruments[i : i + chunk]))
        for i in range(0, len(instruments), max(1, chunk))
    ]
