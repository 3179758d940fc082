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
    from ccdata_assets.warehouse.warehouse import Session, Warehouse

FETCHING, DONE = "fetching", "done"
COLUMNS = "backfill_id, data_set, instrument, run_id, status"
CHUNK = 200  # instruments per statement: far below every server's limit on parameters
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


def read_sql(instruments: int, *, figures: bool = False) -> str:
    """Claims on some instruments (their status, or the figures of those done): one backfill's
    rows of one data set are read only for the run's own instruments, never all of them."""
    columns = "instrument, figures" if figures else "instrument, run_id, status"
    listed = ", ".join(["%s"] * instruments)
    done = " AND status = 'done'" if figures else ""
    return (
        f"SELECT {columns} FROM ccdata_backfill_ledger WHERE backfill_id = %s AND data_set = %s "
        f"AND instrument IN ({listed}){done}"
    )


@cache
def ledger_table() -> TableDef:
    path = SQL_DIR / "backfill_ledger.sql"
    return parse_table(path.read_text(), str(path))


@dataclass(frozen=True)
class Claim:
    """One instrument's row: the run that fetches (or fetched) it, and whether it is done."""

    instrument: str
    run_id: str
    status: str

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

    def read(self, instruments: Collection[str]) -> dict[str, Claim]:
        """The claims on `instruments`, whoever holds them."""
        with self.warehouse.connect() as session:
            session.ensure_table(ledger_table())
            rows = self._select(session, sorted(instruments), figures=False)
        return {str(i): Claim(str(i), str(run_id), str(status)) for i, run_id, status in rows}

    def figures(self, instruments: Collection[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """Each done instrument's figures: partition key -> materialisation metadata."""
        with self.warehouse.connect() as session:
            rows = self._select(session, sorted(instruments), figures=True)
        # MariaDB and SQLite return JSON as text; SingleStore's client parses it.
        return {str(i): json.loads(f) if isinstance(f, bytes | str) else f for i, f in rows}

    def claim(self, instruments: Collection[str]) -> set[str]:
        """Claim those of `instruments` nobody has claimed; returns the ones this run now holds."""
        wanted = sorted(instruments)
        with self.warehouse.connect() as session:
            session.ensure_table(ledger_table())
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                params = [
                    value
                    for instrument in chunk
                    for value in (self.backfill_id, self.data_set, instrument, self.run_id)
                ]
                session.execute(claim_sql(session.dialect, len(chunk)), params)
            rows = self._select(session, wanted, figures=False)
        return {str(i) for i, run_id, status in rows if run_id == self.run_id and status != DONE}

    def take_over(self, instrument: str, holder: str) -> bool:
        """Take `instrument` from run `holder` (dead), unless another run took it first."""
        with self.warehouse.connect() as session:
            session.execute(
                TAKE_OVER_SQL, [self.run_id, self.backfill_id, self.data_set, instrument, holder]
            )
            [row] = self._select(session, [instrument], figures=False)
        return row[1] == self.run_id

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

    def _select(self, session: Session, instruments: list[str], *, figures: bool) -> list[Any]:
        rows: list[Any] = []
        for start in range(0, len(instruments), CHUNK):
            chunk = instruments[start : start + CHUNK]
            sql = read_sql(len(chunk), figures=figures)
            rows += session.execute(sql, [self.backfill_id, self.data_set, *chunk])
        return rows
