"""Time-series DDL written once per family: `sql/families/<family>.sql` renders `sql/tables/`.

The 1d, 1h and 1m tables of a data family differ only in their name and header comment, so each
family has one template and the per-interval files are rendered from it. The rendered files stay in
`sql/tables/` as the readable SingleStore DDL that `ddl.py` loads (nothing is rendered at load
time); `ccdata_assets_tests/warehouse/test_ddl.py` fails when one differs from its template.
After editing a template or `FAMILIES`, run `python -m ccdata_assets.warehouse.ddl_templates`.

A template is a table file with three placeholders: `{table}` (the table name), `{bars}` (daily,
hourly, minute) and `{origin}` (whether the table came from the legacy warehouse or is new).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from ccdata_assets.warehouse.ddl import SQL_DIR

FAMILIES_DIR = SQL_DIR / "families"
RENDER_COMMAND = "python -m ccdata_assets.warehouse.ddl_templates"

BARS = {"1d": "daily", "1h": "hourly", "1m": "minute"}
_PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class Family:
    """Tables with the same columns and keys, one per interval, rendered from one template."""

    template: str  # file name in sql/families, without `.sql`
    table: str  # table name with `{interval}`, e.g. "cc_ohlcv_spot_{interval}_raw"
    legacy: tuple[str, ...]  # intervals whose table the legacy warehouse already had
    new: tuple[str, ...] = ()  # intervals this platform added

    @property
    def intervals(self) -> tuple[str, ...]:
        return (*self.legacy, *self.new)

    def table_name(self, interval: str) -> str:
        return self.table.replace("{interval}", interval)

    def origin(self, interval: str) -> str:
        """The header sentence that keeps the legacy tables' comments truthful."""
        if interval in self.legacy:
            return "Legacy table: its columns and keys are kept; changes are additive only."
        if self.legacy:
            return (
                f"New table, same columns and keys as the legacy {self.table_name(self.legacy[0])}."
            )
        return "New table."


FAMILIES: tuple[Family, ...] = (
    Family("spot_ohlcv", "cc_ohlcv_spot_{interval}_raw", legacy=("1d",), new=("1h", "1m")),
    Family("futures_ohlcv", "cc_futures_ohlcv_{interval}", legacy=("1d", "1h", "1m")),
    Family(
        "futures_funding_rate", "cc_futures_funding_rate_ohlc_{interval}", legacy=("1d", "1h", "1m")
    ),
    Family(
        "futures_open_interest",
        "cc_futures_open_interest_ohlc_{interval}",
        legacy=("1d", "1h", "1m"),
    ),
    Family("index_ohlcv", "cc_ohlcv_spot_indices_{interval}_raw", legacy=("1d",), new=("1h", "1m")),
)


def render(family: Family, interval: str, families_dir: Traversable = FAMILIES_DIR) -> str:
    """The SingleStore DDL of one family's table at one interval."""
    if interval not in BARS:
        raise ValueError(f"{family.template}: unknown interval {interval!r}; known: {list(BARS)}.")
    path = families_dir / f"{family.template}.sql"
    header = (
        f"-- Rendered from sql/families/{family.template}.sql: edit the template, then run\n"
        f"-- `{RENDER_COMMAND}`.\n"
    )
    text = (
        path.read_text(encoding="utf-8")
        .replace("{table}", family.table_name(interval))
        .replace("{bars}", BARS[interval])
        .replace("{origin}", family.origin(interval))
    )
    if leftover := _PLACEHOLDER.search(text):
        raise ValueError(f"{path}: unknown placeholder {leftover[0]}.")
    return header + text


def rendered_tables(sql_dir: Traversable = SQL_DIR) -> dict[str, str]:
    """Every family table's file name in sql/tables and the text it must hold."""
    return {
        f"{family.table_name(interval)}.sql": render(family, interval, sql_dir / "families")
        for family in FAMILIES
        for interval in family.intervals
    }


def stale_tables(sql_dir: Traversable = SQL_DIR) -> list[str]:
    """The family table files that are missing or differ from their rendered template."""
    tables = sql_dir / "tables"
    return [
        name
        for name, text in rendered_tables(sql_dir).items()
        if not (tables / name).is_file() or (tables / name).read_text(encoding="utf-8") != text
    ]


def write_tables(sql_dir: Path) -> list[str]:
    """Render every family table into sql_dir/tables; the names of the files that changed."""
    stale = stale_tables(sql_dir)
    for name, text in rendered_tables(sql_dir).items():
        if name in stale:
            (sql_dir / "tables" / name).write_text(text, encoding="utf-8")
    return stale


def main() -> None:
    sql_dir = Path(str(SQL_DIR))  # the checkout's sql/ in an editable install
    changed = write_tables(sql_dir)
    print(f"Rendered {len(changed)} file(s) in {sql_dir / 'tables'}: {', '.join(changed) or '-'}")


if __name__ == "__main__":
    main()
