"""Grouping missing partitions into few exact rectangles, and the per-tick cap."""

from __future__ import annotations

from datetime import date, timedelta

from ccdata_assets.repair.plan import Rectangle, cap, group_missing

ORDER = [f"kraken:C{i}-USD" for i in range(10)]
D = date(2026, 6, 1)
DAYS = [D + timedelta(days=n) for n in range(40)]
MONTHS = [date(2025, m, 1) for m in range(1, 13)]


def day(n: int) -> date:
    return D + timedelta(days=n)


def span(first: int, last: int) -> tuple[date, ...]:
    return tuple(DAYS[first : last + 1])


def cells(rects: list[Rectangle]) -> set[tuple[date, str]]:
    return {(window, inst) for r in rects for window in r.windows for inst in r.instruments}


def test_an_outage_of_every_instrument_is_one_run() -> None:
    missing = {(day(d), key) for d in (3, 4) for key in ORDER}
    assert group_missing(missing, DAYS, ORDER) == [Rectangle(span(3, 4), tuple(ORDER))]


def test_a_long_hole_in_one_instrument_is_one_run() -> None:
    missing = {(day(d), ORDER[4]) for d in range(30)}
    assert group_missing(missing, DAYS, ORDER) == [Rectangle(span(0, 29), (ORDER[4],))]


def test_a_few_instruments_over_a_month_is_one_run_per_instrument_block() -> None:
    missing = {(day(d), key) for d in range(30) for key in (ORDER[1], ORDER[2], ORDER[7])}
    assert group_missing(missing, DAYS, ORDER) == [
        Rectangle(span(0, 29), (ORDER[7],)),
        Rectangle(span(0, 29), (ORDER[1], ORDER[2])),
    ]


def test_the_cover_is_exact_and_the_fewer_runs_grouping_wins() -> None:
    # A staircase: instrument-major gives 3 runs, date-major 5; scattered cells stay exact.
    missing = {(day(d), ORDER[i]) for i in range(3) for d in range(i, i + 3)}
    missing |= {(day(9), ORDER[8])}
    rects = group_missing(missing, DAYS, ORDER)
    assert cells(rects) == missing
    assert len(rects) == 4


def test_instruments_no_longer_partitions_are_ignored() -> None:
    assert group_missing({(day(1), "kraken:GONE-USD")}, DAYS, ORDER) == []


def test_cap_keeps_newest_runs_and_trims_the_one_that_overflows() -> None:
    rects = [
        Rectangle(span(20, 29), (ORDER[0],)),  # 10 cells
        Rectangle(span(0, 9), (ORDER[1], ORDER[2])),  # 20 cells
        Rectangle(span(0, 0), (ORDER[3],)),
    ]
    kept, left = cap(rects, max_partitions=16, max_runs=5)
    assert kept == [rects[0], Rectangle(span(7, 9), (ORDER[1], ORDER[2]))]
    assert left == 31 - 16
    kept, left = cap(rects, max_partitions=100, max_runs=1)
    assert kept == [rects[0]] and left == 21
    wide = [Rectangle(span(0, 1), tuple(ORDER))]
    assert cap(wide, max_partitions=4, max_runs=3)[0] == [Rectangle(span(1, 1), tuple(ORDER[:4]))]


def test_monthly_windows_are_adjacent_across_month_ends() -> None:
    missing = {(MONTHS[m], ORDER[0]) for m in (10, 11)} | {(MONTHS[2], ORDER[0])}
    assert group_missing(missing, MONTHS, ORDER) == [
        Rectangle(tuple(MONTHS[10:12]), (ORDER[0],)),
        Rectangle((MONTHS[2],), (ORDER[0],)),
    ]
