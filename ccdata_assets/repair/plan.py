"""Which runs repair a set of missing (time window, instrument) partitions: few rectangles, capped.

A run covers a rectangle: consecutive time windows (days or months, as the asset's time dimension
has them) x a block of instruments that are adjacent in the dynamic partitions' order (that is
what a partition-range run means, see `range_tags`). Missing cells are covered exactly, never by
re-fetching partitions that are complete, in one of two ways:

- instrument-major: each instrument's missing windows as contiguous spans; neighbouring
  instruments with the same span share a run (a long hole in one instrument: one run);
- date-major: each window's missing instruments as adjacent blocks; consecutive windows with the
  same blocks share a run (an outage of every instrument for two days: one run).

The grouping with fewer runs wins, as Dagster's own backfills choose between "one run per
instrument" and "one run per date". The cap then keeps the newest rectangles first (recent gaps
matter most and older ones come back on the next tick), trimming the last one to fit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Rectangle:
    windows: tuple[date, ...]  # consecutive time partitions (their start days), oldest first
    instruments: tuple[str, ...]  # adjacent in the partition order

    @property
    def first_day(self) -> date:
        return self.windows[0]

    @property
    def last_day(self) -> date:
        return self.windows[-1]

    @property
    def days(self) -> int:
        return len(self.windows)

    @property
    def size(self) -> int:
        return self.days * len(self.instruments)

    def describe(self) -> str:
        days = (
            str(self.first_day)
            if self.days == 1
            else f"{self.first_day}..{self.last_day} ({self.days} windows)"
        )
        inst = self.instruments
        who = inst[0] if len(inst) == 1 else f"{inst[0]}..{inst[-1]} ({len(inst)} instruments)"
        return f"{days} x {who}"


def _blocks(indexes: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indexes -> (first, last) of each run of consecutive ones."""
    blocks: list[tuple[int, int]] = []
    for i in sorted(set(indexes)):
        if blocks and blocks[-1][1] + 1 == i:
            blocks[-1] = (blocks[-1][0], i)
        else:
            blocks.append((i, i))
    return blocks


Cells = dict[int, set[int]]  # instrument index -> time window indexes


def _rectangle(
    windows: Sequence[date], order: Sequence[str], span: tuple[int, int], block: tuple[int, int]
) -> Rectangle:
    return Rectangle(tuple(windows[span[0] : span[1] + 1]), tuple(order[block[0] : block[1] + 1]))


def _instrument_major(
    cells: Cells, windows: Sequence[date], order: Sequence[str]
) -> list[Rectangle]:
    by_span: dict[tuple[int, int], list[int]] = defaultdict(list)
    for instrument, times in cells.items():
        for span in _blocks(times):
            by_span[span].append(instrument)
    return [
        _rectangle(windows, order, span, block)
        for span, instruments in by_span.items()
        for block in _blocks(instruments)
    ]


def _date_major(cells: Cells, windows: Sequence[date], order: Sequence[str]) -> list[Rectangle]:
    by_time: dict[int, set[int]] = defaultdict(set)
    for instrument, times in cells.items():
        for time in times:
            by_time[time].add(instrument)
    by_block: dict[tuple[int, int], list[int]] = defaultdict(list)
    for time, instruments in by_time.items():
        for block in _blocks(instruments):
            by_block[block].append(time)
    return [
        _rectangle(windows, order, span, block)
        for block, times in by_block.items()
        for span in _blocks(times)
    ]


def group_missing(
    missing: Iterable[tuple[date, str]], windows: Sequence[date], order: Sequence[str]
) -> list[Rectangle]:
    """Exact cover of the missing cells by the fewest rectangles of the two groupings, newest
    first. `windows` are all time partitions (start days, in order), `order` all instrument
    partitions in Dagster's order; cells outside them (a retired instrument) are ignored."""
    time_index = {start: i for i, start in enumerate(windows)}
    position = {key: i for i, key in enumerate(order)}
    cells: Cells = defaultdict(set)
    for start, instrument in missing:
        if instrument in position and start in time_index:
            cells[position[instrument]].add(time_index[start])
    if not cells:
        return []
    candidates = [_instrument_major(cells, windows, order), _date_major(cells, windows, order)]
    best = min(candidates, key=len)
    return sorted(best, key=lambda r: (r.last_day, r.first_day, r.instruments), reverse=True)


def cap(
    rectangles: Sequence[Rectangle], max_partitions: int, max_runs: int
) -> tuple[list[Rectangle], int]:
    """At most `max_runs` rectangles and `max_partitions` cells, newest first; the rectangle that
    overflows keeps its newest windows (or, if even one window is too wide, its first instruments).
    Returns the kept rectangles and how many cells were left for later ticks."""
    kept: list[Rectangle] = []
    budget = max_partitions
    for rect in rectangles:
        if len(kept) == max_runs or budget == 0:
            break
        if rect.size > budget:
            width = len(rect.instruments)
            if width <= budget:
                rect = Rectangle(rect.windows[-(budget // width) :], rect.instruments)
            else:
                rect = Rectangle(rect.windows[-1:], rect.instruments[:budget])
        kept.append(rect)
        budget -= rect.size
    left = sum(r.size for r in rectangles) - sum(r.size for r in kept)
    return kept, left
