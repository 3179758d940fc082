"""Opening one warehouse connection: a MySQL-protocol server, or the embedded SQLite file.

Failures become one sentence that names the server (host:port) or file and the setting to fix,
never the password. The embedded file runs in WAL mode with a busy timeout so several Dagster
runs, each in its own process, can write to it at once (writers queue, readers never block).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.dialects import Dialect, detect
from ccdata_assets.warehouse.settings import WarehouseSettings

if TYPE_CHECKING:
    from singlestoredb.exceptions import Error as DriverError

BUSY_TIMEOUT_S = 60.0
_ACCESS_DENIED = {1045, 1698}  # wrong user or password
_DATABASE_DENIED = 1044  # the user may not use (or create) that database
_UNKNOWN_DATABASE = 1049
# Client-side errors of a connection that broke or stalled mid-statement (CR_* codes).
CONNECTION_LOST = {2006, 2013, 2055}


class WarehouseConnectionError(ConfigError):
    """The warehouse cannot be reached or refused us; the message says which setting to fix."""


def driver_errors() -> tuple[type[Exception], ...]:
    """The MySQL-protocol client's errors, for `except driver_errors()`. The client (~0.3 s to
    import) is imported only when a server connection opens, so none of its errors can be raised
    before then; the code location and the embedded warehouse never pay for it."""
    module = sys.modules.get("singlestoredb.exceptions")
    return (module.Error,) if module is not None else ()


def sqlite_path(settings: WarehouseSettings) -> Path:
    assert settings.local_dir is not None
    return Path(settings.local_dir) / f"{settings.database}.sqlite"


def describe(settings: WarehouseSettings) -> str:
    if settings.embedded:
        return f"embedded warehouse {sqlite_path(settings)}"
    return f"warehouse {settings.host}:{settings.port}/{settings.database}"


def open_connection(settings: WarehouseSettings, *, local_infile: bool) -> tuple[Any, Dialect]:
    if settings.embedded:
        return _open_sqlite(settings), Dialect.SQLITE
    conn = _open_server(settings, local_infile)
    return conn, detect(conn)


def _open_sqlite(settings: WarehouseSettings) -> sqlite3.Connection:
    path = sqlite_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except (OSError, sqlite3.Error) as exc:
        raise WarehouseConnectionError(
            f"Cannot open the embedded warehouse file {path} ({exc}): set CCDATA_HOME to a "
            "writable directory, or set S2_HOST to use a server."
        ) from None
    return conn


def _open_server(settings: WarehouseSettings, local_infile: bool) -> Any:
    try:
        return server_connection(settings, local_infile, settings.database)
    except driver_errors() as exc:
        if exc.errno != _UNKNOWN_DATABASE:
            raise _server_error(settings, exc) from None
    try:  # the database is missing: create it
        conn = server_connection(settings, local_infile, None)
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {Dialect.MYSQL.quote(settings.database)}")
            cur.execute(f"USE {Dialect.MYSQL.quote(settings.database)}")
        return conn
    except driver_errors() as exc:
        if exc.errno != _DATABASE_DENIED:
            raise _server_error(settings, exc) from None
        raise WarehouseConnectionError(
            f"Database {settings.database!r} does not exist on the warehouse at "
            f"{settings.host}:{settings.port} and user {settings.user!r} may not create it "
            f"({_reason(settings, exc)}): create it, or set S2_DATABASE to an existing database."
        ) from None


def server_connection(settings: WarehouseSettings, local_infile: bool, database: str | None) -> Any:
    """The client's own MySQL-protocol connection, as `singlestoredb.connect` builds it, plus the
    read and write timeouts that only this class takes: without them a frozen server hangs a run
    for ever."""
    # Imported here: the client package and its protocol module (~0.9 s together) are a cost the
    # code location and runs on the embedded warehouse need not pay.
    from singlestoredb.connection import build_params
    from singlestoredb.mysql.connection import Connection as MySQLProtocolConnection

    params = build_params(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        database=database,
        local_infile=local_infile,
        autocommit=True,  # explicit: the client's default differs from PyMySQL's
        parse_json=False,  # JSON columns come back as text on every backend
        connect_timeout=settings.connect_timeout,
        ssl_ca=settings.ssl_ca,
    )
    return MySQLProtocolConnection(
        **params, read_timeout=settings.read_timeout, write_timeout=settings.write_timeout
    )


def _server_error(settings: WarehouseSettings, exc: DriverError) -> WarehouseConnectionError:
    where = f"{settings.host}:{settings.port}"
    if exc.errno in _ACCESS_DENIED:
        return WarehouseConnectionError(
            f"The warehouse at {where} refused user {settings.user!r} "
            f"({_reason(settings, exc)}): check S2_USER and S2_PASSWORD (or the credentials "
            "in SINGLESTOREDB_URL)."
        )
    if exc.errno == _DATABASE_DENIED:
        return WarehouseConnectionError(
            f"User {settings.user!r} may not use database {settings.database!r} on the warehouse "
            f"at {where}, or it does not exist and the user may not create it "
            f"({_reason(settings, exc)}): create it and grant the user access, or set "
            "S2_DATABASE to a database the user may use."
        )
    if exc.errno in CONNECTION_LOST:
        return lost_connection(settings, exc)
    return WarehouseConnectionError(
        f"Cannot reach the warehouse at {where} ({_reason(settings, exc)}): check S2_HOST and "
        "S2_PORT (or SINGLESTOREDB_URL) and that the server is running."
    )


def lost_connection(settings: WarehouseSettings, exc: DriverError) -> WarehouseConnectionError:
    """A server that stopped answering mid-statement: upserts are idempotent, so a re-run of the
    same partitions completes the work with nothing lost or doubled."""
    where = f"{settings.host}:{settings.port}"
    return WarehouseConnectionError(
        f"Lost the connection to the warehouse at {where} mid-statement, or it did not answer "
        f"within {settings.read_timeout} s ({_reason(settings, exc)}): check that the server "
        "is up, reachable and not overloaded (raise S2_READ_TIMEOUT for slower statements), "
        "then re-run the run's partitions, which completes them."
    )


def _reason(settings: WarehouseSettings, exc: DriverError) -> str:
    text = str(exc.args[1] if len(exc.args) > 1 else exc)
    return text.replace(settings.password, "***") if settings.password else text
