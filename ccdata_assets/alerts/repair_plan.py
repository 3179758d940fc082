"""Which runs repair a set of missing (date, instrument) partitions: few rectangles, capped.

A run covers a rectangle, `first_day..last_day` x a block of instruments that are adjacent in the
dynamic partitions' order (that is what a partition-range run means, see `range_tags`). Missing
cells are covered exactly, never by re-fetching partitions that are complete, in one of two ways:

- instrument-major: each instrument's missing days as contiguous date spans; neighbouring
  instruments with the same span share a run (a long hole in one instrument: one run);
- date-major: each day's missing instruments as adjacent blocks; consecutive days with the same
  blocks share a run (an outage of every instrument for two days: one run).

The grouping with fewer runs wins, as Dagster's own backfills choose between "one run per
instrument" and "one run per date". The cap then keeps the newest rectangles first (recent gaps
matter most and older ones come back on the next tick), trimming the last one to fit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Rectangle:
    first_day: date
    last_day: date
    instruments: tuple[str, ...]  # adjacent in the partition order

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def size(self) -> int:
        return self.days * len(self.instruments)

    def describe(self) -> str:
        days = (
            str(self.first_day)
            if self.days == 1
            else f"{self.first_day}..{self.last_day} ({self.days} days)"
        )
        inst = self.instruments
        who = inst[0] if len(inst) == 1 else f"{inst[0]}..{inst[-1]} ({len(inst)} instruments)"
        return f"{days} x {who}"


def _spans(days: Iterable[date]) -> list[tuple[date, date]]:
    spans: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if spans and spans[-1][1] + ONE_DAY == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _blocks(indexes: Iterable[int]) -> list[tuple[int, int]]:
    blocks: list[tuple[int, int]] = []
    for i in sorted(set(indexes)):
        if blocks and blocks[-1][1] + 1 == i:
            blocks[-1] = (blocks[-1][0], i)
        else:
            blocks.append((i, i))
    return blocks


def _instrument_major(cells: dict[int, set[date]], order: Sequence[str]) -> list[Rectangle]:
    by_span: dict[tuple[date, date], list[int]] = defaultdict(list)
    for index, days in cells.items():
        for span in _spans(days):
            by_span[span].append(index)
    return [
        Rectangle(first, last, tuple(order[lo : hi + 1]))
        for (first, last), indexes in by_span.items()
        for lo, hi in _blocks(indexes)
    ]


def _date_major(cells: dict[int, set[date]], order: Sequence[str]) -> list[Rectangle]:
    by_day: dict[date, set[int]] = defaultdict(set)
    for index, days in cells.items():
        for day in days:
            by_day[day].add(index)
    by_block: dict[tuple[int, int], list[date]] = defaultdict(list)
    for day, indexes in by_day.items():
        for block in _blocks(indexes):
            by_block[block].append(day)
    return [
        Rectangle(first, last, tuple(order[lo : hi + 1]))
        for (lo, hi), days in by_block.items()
        for first, last in _spans(days)
    ]


def group_missing(missing: Iterable[tuple[date, str]], order: Sequence[str]) -> list[Rectangle]:
    """Exact cover of the missing cells by the fewest rectangles of the two groupings, newest
    first. Instruments absent from `order` (no longer partitions) are ignored."""
    position = {key: i for i, key in enumerate(order)}
    cells: dict[int, set[date]] = defaultdict(set)
    for day, instrument in missing:
        if instrument in position:
            cells[position[instrument]].add(day)
    if not cells:
        return []
    candidates = [_instrument_major(cells, order), _date_major(cells, order)]
    best = min(candidates, key=len)
    return sorted(best, key=lambda r: (r.last_day, r.first_day, r.instruments), reverse=True)


def cap(
    rectangles: Sequence[Rectangle], max_partitions: int, max_runs: int
) -> tuple[list[Rectangle], int]:
    """At most `max_runs` rectangles and `max_partitions` cells, newest first; the rectangle that
    overflows keeps its newest days (or, if even one day is too wide, its first instruments).
    Returns the kept rectangles and how many cells were left for later ticks."""
    kept: list[Rectangle] = []
    budget = max_partitions
    for rect in rectangles:
        if len(kept) == max_runs or budget == 0:
            break
        if rect.size > budget:
            width = len(rect.instruments)
            if width <= budget:
                days = budget // width
                rect = Rectangle(
                    rect.last_day - (days - 1) * ONE_DAY, rect.last_day, rect.instruments
                )
            else:
                rect = Rectangle(rect.last_day, rect.last_day, rect.instruments[:budget])
        kept.append(rect)
        budget -= rect.size
    left = sum(r.size for r in rectangles) - sum(r.size for r in kept)
    return kept, left
