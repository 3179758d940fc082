"""The figures a run's batches give the checks, computed from batches as the asset streams them:
pages arrive in any order, may overlap, and may break a bound the parser does not enforce."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from ccdata_assets.checks.streamed import StreamedChecks, run_totals
from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.partitions import multi_key

SPEC = next(s for s in TIME_SERIES if s.name == "futures_funding_rate_1h")
MARKET, INSTRUMENT = "binance", "BTC-USDT-VANILLA-PERPETUAL"


def _page(first: datetime, hours: int, **values: float) -> pl.DataFrame:
    """`hours` hourly rows of one instrument from `first`, typed like the table."""
    times = [first + timedelta(hours=h) for h in range(hours)]
    schema = SPEC.table.polars_schema()
    frame = pl.DataFrame({c: pl.Series(c, [None] * hours, dtype=t) for c, t in schema.items()})
    m, i = SPEC.instrument_columns
    return frame.with_columns(
        pl.Series(SPEC.time_column, times, dtype=pl.Datetime("us")),
        pl.lit(MARKET).alias(m),
        pl.lit(INSTRUMENT).alias(i),
        *(pl.lit(v).alias(c) for c, v in values.items()),
    )


def test_periods_duplicates_filled_and_broken_bounds_per_partition() -> None:
    may, june = date(2026, 5, 1), date(2026, 6, 1)
    keys = [multi_key(w, f"{MARKET}:{INSTRUMENT}") for w in (may, june)]
    checks = StreamedChecks(SPEC, keys)
    fine = {"open_fr": 0.0001, "high_fr": 0.0002, "low_fr": 0.0, "close_fr": 0.0001}
    # June first (pages come in any order), with a two-hour hole at 10:00 and an overlap.
    checks.add(_page(datetime(2026, 6, 1), 10, total_funding_rate_updates=3, **fine))
    checks.add(_page(datetime(2026, 6, 1, 12), 12, total_funding_rate_updates=0, **fine))
    checks.add(_page(datetime(2026, 6, 1, 20), 4, total_funding_rate_updates=0, **fine))
    may_rows = _page(datetime(2026, 5, 31, 22), 2, total_funding_rate_updates=3, **fine)
    checks.add(may_rows.with_columns(pl.lit(0.2).alias("close_fr"), pl.lit(0.2).alias("high_fr")))
    figures = checks.figures(None)

    assert figures[keys[1]]["periods"] == [
        ["2026-06-01 00:00:00", "2026-06-01 09:00:00"],
        ["2026-06-01 12:00:00", "2026-06-01 23:00:00"],
    ]
    assert figures[keys[1]]["rows"] == 26 and figures[keys[1]]["duplicate_periods_in_run"] == 4
    assert figures[keys[1]]["filled"] == 12  # 12:00..23:00, the overlap counted once
    assert "broken" not in figures[keys[1]]
    broken = figures[keys[0]]["broken"]
    assert broken["rows"] == 2
    assert broken["by_rule"] == {"close_fr_within_bounds": 2, "high_fr_within_bounds": 2}
    assert broken["first"][0] == {
        "period": "2026-05-31T22:00:00",
        "instrument": f"{MARKET}:{INSTRUMENT}",
        "broken": ["high_fr_within_bounds", "close_fr_within_bounds"],
    }
    totals = run_totals(figures, sample=5)
    assert totals["partitions"] == 2 and totals["rows"] == 28
    assert totals["broken"]["rows"] == 2 and "outliers" not in totals
