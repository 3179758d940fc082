"""plan_pages: exact page counts, inclusive to_ts, no overlap and no gap, misaligned bounds."""

from __future__ import annotations

import math

import pytest

from ccdata_assets.api.paging import Page, bucket_bounds, plan_pages

HOUR = 3600
T0 = 1_735_689_600  # 2025-01-01T00:00:00Z


def covered(pages: list[Page], unit: int) -> list[int]:
    return [ts for p in pages for ts in range(p.first_ts(unit), p.to_ts + 1, unit)]


def test_intervals_page_at_the_documented_limits() -> None:
    from ccdata_assets.datasets.spec import INTERVALS

    assert {i.unit: (i.seconds, i.max_limit) for i in INTERVALS} == {
        "days": (86_400, 5000),
        "hours": (3_600, 2000),
        "minutes": (60, 2000),
    }


def test_one_point_is_one_page_of_limit_one() -> None:
    assert plan_pages(T0, T0, HOUR, 2000) == [Page(to_ts=T0, limit=1)]


def test_exactly_limit_points_is_one_full_page() -> None:
    end = T0 + 1999 * HOUR
    assert plan_pages(T0, end, HOUR, 2000) == [Page(to_ts=end, limit=2000)]


def test_limit_plus_one_points_is_a_full_page_then_a_single_bucket() -> None:
    end = T0 + 2000 * HOUR
    assert plan_pages(T0, end, HOUR, 2000) == [
        Page(to_ts=T0 + 1999 * HOUR, limit=2000),
        Page(to_ts=end, limit=1),
    ]


def test_misaligned_bounds_cover_only_bucket_starts_inside_the_range() -> None:
    # 00:30 .. 03:59:59 holds bucket starts 01:00, 02:00 and 03:00.
    pages = plan_pages(T0 + 1800, T0 + 4 * HOUR - 1, HOUR, 2)
    assert pages == [Page(T0 + 2 * HOUR, 2), Page(T0 + 3 * HOUR, 1)]
    assert covered(pages, HOUR) == [T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]


def test_range_without_a_bucket_start_needs_no_call() -> None:
    assert plan_pages(T0 + 1, T0 + HOUR - 1, HOUR, 2000) == []
    assert plan_pages(T0 + HOUR, T0, HOUR, 2000) == []
    assert bucket_bounds(T0 + 1, T0 + HOUR - 1, HOUR) is None


@pytest.mark.parametrize(
    ("points", "limit", "unit"),
    [(1, 1, 60), (7, 3, 60), (24 * 30, 2000, HOUR), (1440 * 3 + 1, 2000, 60), (5001, 5000, 86_400)],
)
def test_pages_are_ceil_points_over_limit_and_cover_each_bucket_once(
    points: int, limit: int, unit: int
) -> None:
    pages = plan_pages(T0, T0 + (points - 1) * unit, unit, limit)
    assert len(pages) == math.ceil(points / limit)
    assert all(1 <= p.limit <= limit and p.to_ts % unit == 0 for p in pages)
    assert covered(pages, unit) == [T0 + i * unit for i in range(points)]


def test_bad_limit_or_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        plan_pages(T0, T0, HOUR, 0)
    with pytest.raises(ValueError, match="unit_seconds"):
        plan_pages(T0, T0, 0, 10)
