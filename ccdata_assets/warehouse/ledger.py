"""The backfill ledger: which run of a backfill fetches each instrument, and what it wrote.

A table in the warehouse (`sql/backfill_ledger.sql`), so every run of a backfill sees it, on any
host. A claim is a row keyed by (backfill, data set, instrument): inserting it is atomic (a
unique key), so of two runs that try at once exactly one gets it. Taking over a dead run's claim
is a compare-and-set on the run id. Statements are plain SQL that SingleStore, MariaDB/MySQL and
SQLite all accept, but for the INSERT's verb (`dialects.insert_ignore`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ccdata_assets.warehouse import dialects
from ccdata_assets.warehouse.ddl import SQL_DIR, TableDef, parse_table

if TYPE_CHECKING:  # the warehouse creates this table in its explicit schema step
    from ccdata_assets.warehouse.warehouse import Warehouse

FETCHING, DONE = "fetching", "done"
COLUMNS = "backfill_id, data_set, instrument, run_id, status"
CLAIM_ROWS = 200  # rows per INSERT: far below every server's limit on parameters
READ_SQL = (
    "SELECT instrument, run_id, status, figures FROM ccdata_backfill_ledger "
    "WHERE backfill_id = %s AND data_set = %s"
)
READ_ONE_SQL = READ_SQL + " AND instrument = %s"
TAKE_OVER_SQL = (
    "UPDATE ccdata_backfill_ledger SET run_id = %s, status = 'fetching' "
    "WHERE backfill_id = %s AND data_set = %s AND instrument = %s AND run_id = %s "
    "AND status <> 'done'"
)
FINISH_SQL = (
    "UPDATE ccdata_backfill_ledger SET status = 'done', figures = %s "
    "WHERE backfill_id = %s AND data_set = %s AND instrument = %s AND run_id = %s"
)


def claim_sql(dialect: dialects.Dialect, rows: int) -> str:
    values = ", ".join(["(%s, %s, %s, %s, 'fetching')"] * rows)
    return f"{dialects.insert_ignore(dialect)} ccdata_backfill_ledger ({COLUMNS}) VALUES {values}"


@cache
def ledger_table() -> TableDef:
    path = SQL_DIR / "backfill_ledger.sql"
    return parse_table(path.read_text(), str(path))


@dataclass(frozen=True)
class Claim:
    """One instrument's row: the run that fetches (or fetched) it and, once done, the figures of
    each of the backfill's partitions of it (partition key -> materialisation metadata)."""

    instrument: str
    run_id: str
    status: str
    figures: Mapping[str, Mapping[str, Any]] | None = None

    @property
    def done(self) -> bool:
        return self.status == DONE


class Ledger:
    """The claims of one backfill's runs on one data set, as seen by run `run_id`."""

    def __init__(self, warehouse: Warehouse, backfill_id: str, data_set: str, run_id: str) -> None:
        self.warehouse = warehouse
        self.backfill_id = backfill_id
        self.data_set = data_set
        self.run_id = run_id

    def read(self) -> dict[str, Claim]:
        """Every claim of this backfill on this data set, by instrument."""
        with self.warehouse.connect() as session:
            session.ensure_table(ledger_table())
            rows = session.execute(READ_SQL, [self.backfill_id, self.data_set])
        return {str(row[0]): _claim(row) for row in rows}

    def claim(self, instruments: Collection[str]) -> set[str]:
        """Claim those of `instruments` nobody has claimed; returns the ones this run now holds."""
        wanted = sorted(instruments)
        with self.warehouse.connect() as session:
            session.ensure_table(ledger_table())
            for start in range(0, len(wanted), CLAIM_ROWS):
                chunk = wanted[start : start + CLAIM_ROWS]
                params = [
                    value
                    for instrument in chunk
                    for value in (self.backfill_id, self.data_set, instrument, self.run_id)
                ]
                session.execute(claim_sql(session.dialect, len(chunk)), params)
            rows = session.execute(READ_SQL, [self.backfill_id, self.data_set])
        held = {str(row[0]) for row in rows if row[1] == self.run_id and row[2] != DONE}
        return held & set(wanted)

    def take_over(self, instrument: str, holder: str) -> bool:
        """Take `instrument` from run `holder` (dead), unless another run took it first."""
        with self.warehouse.connect() as session:
            session.execute(
                TAKE_OVER_SQL, [self.run_id, self.backfill_id, self.data_set, instrument, holder]
            )
            rows = session.execute(READ_ONE_SQL, [self.backfill_id, self.data_set, instrument])
        return bool(rows) and rows[0][1] == self.run_id

    def finish(self, figures: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        """Mark this run's instruments done, each with its partitions' figures; called once
        their rows are written."""
        if not figures:
            return
        with self.warehouse.connect() as session:
            for instrument, by_partition in sorted(figures.items()):
                session.execute(
                    FINISH_SQL,
                    [
                        json.dumps(by_partition, sort_keys=True),
                        self.backfill_id,
                        self.data_set,
                        instrument,
                        self.run_id,
                    ],
                )


def _claim(row: Any) -> Claim:
    instrument, run_id, status, figures = row
    if isinstance(figures, bytes | str):
        figures = json.loads(figures)  # MariaDB and SQLite return JSON as text; SingleStore parses
    return Claim(str(instrument), str(run_id), str(status), figures)
