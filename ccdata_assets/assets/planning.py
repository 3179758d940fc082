"""Partition keys of a run -> the fewest API requests that cover them.

A run receives a rectangle of (time window x instrument) keys. For each instrument the windows
(months or days) are merged into contiguous spans, clamped to what can exist (first trade .. last
trade, and never the still-open candle), and each span is paged at the API's largest `limit`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ccdata_assets.datasets.spec import Interval
from ccdata_assets.partitions import InstrumentKey, next_partition, parse_partition_key


@dataclass(frozen=True)
class Span:
    """Bucket start times `first`..`last` inclusive, in epoch seconds."""

    first: int
    last: int

    def points(self, unit: int) -> int:
        return (self.last - self.first) // unit + 1 if self.last >= self.first else 0


@dataclass(frozen=True)
class Bounds:
    """What the instruments table says about when an instrument traded."""

    first_trade: datetime | None = None
    last_trade: datetime | None = None  # set for retired instruments


def dates_by_instrument(keys: Iterable[str]) -> dict[InstrumentKey, list[date]]:
    grouped: dict[InstrumentKey, set[date]] = defaultdict(set)
    for key in keys:
        day, instrument = parse_partition_key(key)
        grouped[instrument].add(day)
    return {instrument: sorted(days) for instrument, days in grouped.items()}


def window_spans(starts: list[date], granularity: str, unit: int) -> list[Span]:
    """Contiguous runs of partitions (months or days) -> bucket spans."""
    spans: list[Span] = []
    first = last = None
    for start in [*starts, None]:
        if start is not None and last is not None and start == next_partition(last, granularity):
            last = start
            continue
        if first is not None and last is not None:
            spans.append(Span(_epoch(first), _epoch(next_partition(last, granularity)) - unit))
        first = last = start
    return spans


def clamp(span: Span, unit: int, bounds: Bounds, now: datetime) -> Span | None:
    """Cut a span to what can hold final candles: listed, not delisted, and already closed."""
    last_closed = _floor(int(now.timestamp()), unit) - unit
    first, last = span.first, min(span.last, last_closed)
    if bounds.first_trade is not None:
        first = max(first, _floor(_epoch(bounds.first_trade), unit))
    if bounds.last_trade is not None:
        last = min(last, _floor(_epoch(bounds.last_trade), unit))
    return Span(first, last) if first <= last else None


def plan(
    keys: Iterable[str],
    interval: Interval,
    bounds: Mapping[InstrumentKey, Bounds],
    now: datetime,
) -> dict[InstrumentKey, list[Span]]:
    """Every instrument of the run with the spans worth asking the API for (maybe none)."""
    planned: dict[InstrumentKey, list[Span]] = {}
    unit = interval.seconds
    for instrument, starts in dates_by_instrument(keys).items():
        limits = bounds.get(instrument, Bounds())
        spans = window_spans(starts, interval.partition, unit)
        clamped = (clamp(span, unit, limits, now) for span in spans)
        planned[instrument] = [span for span in clamped if span is not None]
    return planned


def after_stored(
    planned: Mapping[InstrumentKey, list[Span]], newest: Mapping[InstrumentKey, datetime], unit: int
) -> dict[InstrumentKey, list[Span]]:
    """A schedule tick's plan: each instrument's spans start after its newest stored period (only
    closed periods are stored), so a tick fetches what closed since, not the whole window. Gaps
    earlier in the window are the repair sensor's to fill."""
    trimmed: dict[InstrumentKey, list[Span]] = {}
    for instrument, spans in planned.items():
        stored = newest.get(instrument)
        after = _epoch(stored) + unit if stored is not None else None
        trimmed[instrument] = [
            Span(max(span.first, after), span.last) if after is not None else span
            for span in spans
            if after is None or span.last >= after
        ]
    return trimmed


def _floor(ts: int, unit: int) -> int:
    return ts - ts % unit


def _epoch(value: date | datetime) -> int:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return int(moment.timestamp())
