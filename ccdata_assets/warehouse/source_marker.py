"""The warehouse remembers which kind of data filled it, so simulated and real rows never mix.

The first session that writes rows claims the warehouse for its source (`api` or `simulator`) in
the one-row `ccdata_source` table (`sql/source_marker.sql`); every later writer must match it.
A claim is checked once per process and warehouse, so it costs one query per run.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse import dialects
from ccdata_assets.warehouse.ddl import SQL_DIR, TableDef, parse_table

if TYPE_CHECKING:
    from ccdata_assets.warehouse.warehouse import Session

SOURCES = {"api": "real data from the Data API", "simulator": "simulated data"}
CLAIM_SQL = "INSERT INTO ccdata_source (id, source) VALUES (1, %s)"
HELD_SQL = "SELECT source FROM ccdata_source WHERE id = 1"
_claimed: set[tuple[str, str]] = set()
_lock = threading.Lock()


class SourceMismatchError(ConfigError):
    """A run would write one kind of data into a warehouse that holds the other kind."""


@cache
def marker_table() -> TableDef:
    path = SQL_DIR / "source_marker.sql"
    return parse_table(path.read_text(), str(path))


def claim(session: Session, source: str) -> None:
    """Mark an unmarked warehouse as holding `source`, or refuse if it holds the other kind."""
    location = session.warehouse.location
    if (location, source) in _claimed:
        return
    table = marker_table()
    session.execute(dialects.create_table_sql(table, session.dialect))
    held = _held(session)
    if held is None:
        try:
            session.execute(CLAIM_SQL, [source])
        except Exception as exc:  # another process claimed it first: read what it wrote
            if _held(session) is None:
                raise exc
        held = _held(session)
    _refuse_mismatch(session, held, source)
    with _lock:
        _claimed.add((location, source))


def refuse_other(session: Session, source: str) -> None:
    """Refuse `source` if the (existing) marker names the other kind; never claims (dry runs)."""
    held = _held(session)
    if held is not None:
        _refuse_mismatch(session, held, source)


def _refuse_mismatch(session: Session, held: str | None, source: str) -> None:
    location = session.warehouse.location
    if held != source:
        raise SourceMismatchError(
            f"The {location} holds {SOURCES.get(held or '', held)}, so {SOURCES[source]} is "
            f"refused: use another warehouse (S2_DATABASE, SINGLESTOREDB_URL or CCDATA_HOME) "
            f"for {SOURCES[source]}, or set CCDATA_SOURCE/CCDATA_API_KEY to match it."
        )


def _held(session: Session) -> str | None:
    rows = session.execute(HELD_SQL)
    return str(rows[0][0]) if rows else None
