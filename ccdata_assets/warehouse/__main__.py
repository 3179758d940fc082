"""`python -m ccdata_assets.warehouse`: create or migrate every warehouse table in one explicit step.

Writes ensure their own table, and reads never create or alter one; run this before pointing
dashboards or a new deploy at an empty warehouse, or after an upgrade that adds columns.
"""

from __future__ import annotations

from ccdata_assets.warehouse.warehouse import Warehouse


def main() -> None:
    warehouse = Warehouse()
    names = warehouse.ensure_tables()
    print(f"{len(names)} tables created or up to date in {warehouse.location}.")


if __name__ == "__main__":
    main()
