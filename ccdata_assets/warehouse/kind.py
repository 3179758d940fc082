"""What an asset's definition says about where its rows go: the storage kind the UI shows
(`sqlite`, `mariadb`, `mysql` or `singlestore`) and the table's qualified name.

A server's kind is asked of the server once per process (a connection without a database, so
nothing is created, with a short timeout): the same settings serve SingleStore in production and
MariaDB in tests, and only the server knows which it is. An unreachable server leaves the kind
out rather than guess; runs then fail with the connection's own one-sentence error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from ccdata_assets.warehouse.connection import describe, server_connection
from ccdata_assets.warehouse.dialects import Dialect, detect
from ccdata_assets.warehouse.settings import WarehouseSettings

PROBE_TIMEOUT_S = 3


@dataclass(frozen=True)
class Storage:
    """Kinds and definition metadata of the assets stored in one warehouse."""

    kind: str | None
    database: str
    where: str  # "warehouse host:port/db" or "embedded warehouse <file>"; never a password

    @property
    def kinds(self) -> set[str]:
        return {"polars", *([self.kind] if self.kind else [])}

    def metadata(self, table: str) -> dict[str, Any]:
        return {"dagster/table_name": f"{self.database}.{table}", "ccdata/warehouse": self.where}


def storage(settings: WarehouseSettings) -> Storage:
    return Storage(storage_kind(settings), settings.database, describe(settings))


@cache
def storage_kind(settings: WarehouseSettings) -> str | None:
    if settings.embedded:
        return "sqlite"
    probe = replace(
        settings,
        connect_timeout=min(settings.connect_timeout, PROBE_TIMEOUT_S),
        read_timeout=PROBE_TIMEOUT_S,
        write_timeout=PROBE_TIMEOUT_S,
    )
    try:
        connection = server_connection(probe, False, None)
    except Exception:  # unreachable or refused: say nothing rather than guess
        return None
    try:
        if detect(connection) is Dialect.SINGLESTORE:
            return "singlestore"
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            (version,) = cursor.fetchone()
        return "mariadb" if "mariadb" in str(version).lower() else "mysql"
    except Exception:
        return None
    finally:
        connection.close()
