"""Page planning for the historical endpoints: the fewest calls that cover a time range.

The Data API returns the `limit` buckets ending at and *including* `to_ts`, ascending. Planning
forward from the first bucket with `to_ts = first + (limit - 1) * unit` gives ceil(points / limit)
pages that neither overlap nor leave gaps, so no row is fetched twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccdata_assets.api.errors import HistoryStartsLaterError
from ccdata_assets.api.page_rows import PageRows

if TYPE_CHECKING:
    from ccdata_assets.api.client import CCDataClient

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Page:
    """One API call: `limit` buckets ending at (and including) `to_ts`."""

    to_ts: int
    limit: int

    def first_ts(self, unit_seconds: int) -> int:
        """Start of the earliest bucket this page asks for."""
        return self.to_ts - (self.limit - 1) * unit_seconds


def bucket_bounds(start_ts: int, end_ts: int, unit_seconds: int) -> tuple[int, int] | None:
    """First and last bucket start inside [start_ts, end_ts], or None if there is none."""
    if unit_seconds <= 0:
        raise ValueError(f"unit_seconds must be positive, got {unit_seconds}.")
    first = -(-start_ts // unit_seconds) * unit_seconds  # ceil to the unit
    last = end_ts // unit_seconds * unit_seconds  # floor to the unit
    return (first, last) if first <= last else None


def plan_pages(start_ts: int, end_ts: int, unit_seconds: int, limit: int) -> list[Page]:
    """Pages covering every bucket start in [start_ts, end_ts] (both inclusive), oldest first.

    Exactly ceil(points / limit) pages; the last one asks only for the buckets still missing,
    so no page overlaps another and none reaches outside the range.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}.")
    bounds = bucket_bounds(start_ts, end_ts, unit_seconds)
    if bounds is None:
        return []
    first, last = bounds
    points = (last - first) // unit_seconds + 1
    pages = []
    for offset in range(0, points, limit):
        size = min(limit, points - offset)
        pages.append(Page(to_ts=first + (offset + size - 1) * unit_seconds, limit=size))
    return pages


async def fetch_page(
    client: CCDataClient,
    path: str,
    params: Mapping[str, Any],
    page: Page,
    unit_seconds: int,
    start_ts: int,
    end_ts: int,
) -> PageRows:
    """One planned page's rows within [start_ts, end_ts]; none before the instrument's history."""
    query = {**params, "to_ts": page.to_ts, "limit": page.limit}
    try:
        data = await client.get(path, query, read=PageRows.read)
    except HistoryStartsLaterError as exc:
        log.debug("%s: no data on or before %s (%s)", path, page.to_ts, exc.first)
        return PageRows(records=[])
    rows = data if isinstance(data, PageRows) else PageRows(records=_rows_of(data))
    # Keep only rows whose bucket is one of this page's own: if the server moves the window
    # (to_ts after "now", a misaligned to_ts) a neighbouring page's rows would otherwise come
    # back twice. Rows with no usable or a misaligned TIMESTAMP inside the page are kept, for
    # validation to quarantine with a reason.
    bounds = bucket_bounds(start_ts, end_ts, unit_seconds)
    low = max(bounds[0] if bounds else start_ts, page.first_ts(unit_seconds))
    high = min(bounds[1] if bounds else end_ts, page.to_ts)
    kept = rows.within(low, high, unit_seconds)
    if len(kept) != len(rows):
        log.debug("%s: dropped %d rows outside [%d, %d]", path, len(rows) - len(kept), low, high)
    return kept


def _rows_of(data: Any) -> list[Any]:
    """A body the frame reader left to the general decoding: its rows, if it has a list."""
    return data if isinstance(data, list) else []
