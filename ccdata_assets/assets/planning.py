"""Partition keys of a run -> the fewest API requests that cover them.

A run receives a rectangle of (date x instrument) keys. For each instrument the dates are merged
into contiguous spans, clamped to what can exist (first trade .. last trade, and never the
still-open candle), and each span is paged at the API's largest `limit`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

INSTRUMENT_KEY = re.compile(
    r"^(?P<market>[a-z0-9_]{2,30}):(?P<instrument>[A-Za-z0-9._\-/]{1,120})$"
)


class PartitionKeyError(ValueError):
    """A partition key that this platform could not have made."""


@dataclass(frozen=True)
class InstrumentKey:
    market: str
    instrument: str

    @property
    def key(self) -> str:
        return f"{self.market}:{self.instrument}"

    @classmethod
    def parse(cls, key: str) -> InstrumentKey:
        match = INSTRUMENT_KEY.match(key)
        if not match:
            raise PartitionKeyError(
                f"Instrument partition key {key!r} is not of the form <market>:<instrument> "
                "(e.g. binance:BTC-USDT); pick a key the instrument sensor created."
            )
        return cls(match["market"], match["instrument"])


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


def split_partition_key(key: str | object) -> tuple[str, str]:
    """`date|instrument` (dimension names sorted) -> (date, instrument)."""
    by_dimension = getattr(key, "keys_by_dimension", None)
    if by_dimension:
        return by_dimension["date"], by_dimension["instrument"]
    parts = str(key).split("|")
    if len(parts) != 2:
        raise PartitionKeyError(
            f"Partition key {key!r} is not of the form <YYYY-MM-DD>|<market>:<instrument>; "
            "select partitions in the UI or pass --partition with both dimensions."
        )
    return parts[0], parts[1]


def dates_by_instrument(keys: Iterable[str]) -> dict[InstrumentKey, list[date]]:
    grouped: dict[InstrumentKey, set[date]] = defaultdict(set)
    for key in keys:
        day, instrument = split_partition_key(key)
        try:
            parsed_day = date.fromisoformat(day)
        except ValueError:
            raise PartitionKeyError(
                f"Partition key {key!r} has {day!r} where a date like 2025-01-31 belongs."
            ) from None
        grouped[InstrumentKey.parse(instrument)].add(parsed_day)
    return {instrument: sorted(days) for instrument, days in grouped.items()}


def day_spans(days: list[date], unit: int) -> list[Span]:
    """Contiguous runs of days -> bucket spans (a day holds 86400 / unit buckets)."""
    spans: list[Span] = []
    start = previous = days[0] if days else None
    for day in [*days[1:], None]:
        if day is not None and previous is not None and day == previous + timedelta(days=1):
            previous = day
            continue
        if start is not None and previous is not None:
            first = _epoch(start)
            spans.append(Span(first, _epoch(previous) + 86_400 - unit))
        start = previous = day
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
    unit: int,
    bounds: Mapping[InstrumentKey, Bounds],
    now: datetime,
) -> dict[InstrumentKey, list[Span]]:
    """Every instrument of the run with the spans worth asking the API for (maybe none)."""
    planned: dict[InstrumentKey, list[Span]] = {}
    for instrument, days in dates_by_instrument(keys).items():
        limits = bounds.get(instrument, Bounds())
        clamped = (clamp(span, unit, limits, now) for span in day_spans(days, unit))
        planned[instrument] = [span for span in clamped if span is not None]
    return planned


def _floor(ts: int, unit: int) -> int:
    return ts - ts % unit


def _epoch(value: date | datetime) -> int:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return int(moment.timestamp())
