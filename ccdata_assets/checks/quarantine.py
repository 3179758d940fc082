"""Quarantine: rows that failed validation wait in `<table>_quarantine` until someone reviews
them (sets `reviewed = 1`). The check fails while more than the tolerated number are unreviewed,
so a malformed feed is looked at instead of silently thinning the clean table."""

from __future__ import annotations

from ccdata_assets.checks import store
from ccdata_assets.checks.results import Verdict
from ccdata_assets.checks.settings import Thresholds
from ccdata_assets.warehouse.ddl import TableDef
from ccdata_assets.warehouse.warehouse import Session


def check(session: Session, data_table: TableDef, data_set: str, limits: Thresholds) -> Verdict:
    table = data_table.quarantine
    allowed = limits.max_unreviewed_quarantine
    if not store.stored_columns(session, table):
        return Verdict(True, f"Nothing quarantined ({table.name} does not exist yet).")
    q = lambda c: store.quote(session, table, c)  # noqa: E731
    rows = session.query(
        f"SELECT {q('reason')}, COUNT(*), MIN({q('quarantined_at')}), MAX({q('quarantined_at')}) "
        f"FROM {session.dialect.quote(table.name)} "
        f"WHERE {q('data_set')} = %s AND {q('reviewed')} = 0 GROUP BY {q('reason')}",
        [data_set],
    )
    by_reason = sorted(((str(r), int(n)) for r, n, _, _ in rows.rows()), key=lambda x: -x[1])
    unreviewed = sum(n for _, n in by_reason)
    meta = {
        "unreviewed_rows": unreviewed,
        "threshold": allowed,
        "top_reasons": [{"reason": r, "rows": n} for r, n in by_reason[: limits.sample]],
        "oldest": str(min(r[2] for r in rows.rows())) if unreviewed else None,
        "review_with": (
            f"UPDATE {table.name} SET reviewed = 1 WHERE data_set = '{data_set}' AND ..."
        ),
    }
    if unreviewed > allowed:
        top = by_reason[0][0]
        return Verdict(
            False,
            f"{unreviewed} quarantined rows of {data_set} are unreviewed (more than {allowed}); "
            f"most common reason: {top}.",
            meta,
        )
    return Verdict(True, f"{unreviewed} unreviewed quarantined rows (at most {allowed}).", meta)
