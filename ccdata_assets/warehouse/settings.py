"""Where data goes: a SingleStore (MySQL-protocol) server or the embedded local file, and the
guard that keeps simulated data out of a real warehouse."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from ccdata_assets.settings import (
    ConfigError,
    ccdata_home,
    env_int,
    env_str,
    identifier,
)

if TYPE_CHECKING:
    from ccdata_assets.api.settings import ApiSettings


@dataclass(frozen=True)
class WarehouseSettings:
    """Either a MySQL-protocol server (SingleStore, or MariaDB in tests) or the local file."""

    database: str
    host: str | None = None
    port: int = 3306
    user: str = "root"
    password: str = field(default="", repr=False)
    local_dir: Path | None = None  # set when no server is configured
    ssl_ca: str | None = None  # CA bundle: TLS is negotiated only when it is set
    # Every wait has a limit; defaults suit a cloud SingleStore across a region.
    connect_timeout: int = 10
    read_timeout: int = 300  # the longest statement (a 50k-row upsert) plus headroom
    write_timeout: int = 300

    @property
    def embedded(self) -> bool:
        return self.host is None


def warehouse_settings(env: Mapping[str, str] | None = None) -> WarehouseSettings:
    env = os.environ if env is None else env
    database = identifier("S2_DATABASE", env_str(env, "S2_DATABASE") or "market")
    url = env_str(env, "SINGLESTOREDB_URL")
    host = env_str(env, "S2_HOST")
    if url is not None:
        return _from_url(url, database if env_str(env, "S2_DATABASE") else None, env)
    if host is None:
        stray = [n for n in ("S2_PORT", "S2_USER", "S2_PASSWORD") if env_str(env, n)]
        if stray:
            raise ConfigError(
                f"{stray[0]} is set but S2_HOST is not: set S2_HOST (or SINGLESTOREDB_URL) to "
                "use a SingleStore server, or unset S2_* to use the embedded local warehouse."
            )
        return WarehouseSettings(database=database, local_dir=ccdata_home(env))
    return WarehouseSettings(
        database=database,
        host=host,
        port=env_int(env, "S2_PORT", 3306, 1, 65535),
        user=env_str(env, "S2_USER") or "root",
        password=env.get("S2_PASSWORD", ""),
        **_server_options(env),
    )


def _server_options(env: Mapping[str, str]) -> dict[str, Any]:
    ssl_ca = env_str(env, "S2_SSL_CA")
    if ssl_ca is not None and not Path(ssl_ca).expanduser().is_file():
        raise ConfigError(f"S2_SSL_CA must name a CA certificate file, and {ssl_ca!r} is not one.")
    return {
        "ssl_ca": str(Path(ssl_ca).expanduser()) if ssl_ca else None,
        "connect_timeout": env_int(env, "S2_CONNECT_TIMEOUT", 10, 1, 3600),
        "read_timeout": env_int(env, "S2_READ_TIMEOUT", 300, 1, 86_400),
        "write_timeout": env_int(env, "S2_WRITE_TIMEOUT", 300, 1, 86_400),
    }


def _from_url(url: str, database_override: str | None, env: Mapping[str, str]) -> WarehouseSettings:
    parts = urlsplit(url if "://" in url else f"mysql://{url}")
    if parts.scheme not in ("mysql", "singlestoredb", "singlestoredb+mysql") or not parts.hostname:
        raise ConfigError(
            "SINGLESTOREDB_URL must look like mysql://user:password@host:3306/database "
            "(the HTTP driver is not supported for bulk loads)."
        )
    try:
        port = parts.port or 3306
    except ValueError:
        raise ConfigError("SINGLESTOREDB_URL has a port that is not a number.") from None
    path_db = parts.path.lstrip("/") or None
    database = database_override or identifier("SINGLESTOREDB_URL database", path_db or "market")
    options = parse_qs(parts.query)
    if set(options) - {"ssl_ca"}:
        raise ConfigError(
            "SINGLESTOREDB_URL takes only ?ssl_ca=<file> as an option: set timeouts with "
            "S2_CONNECT_TIMEOUT, S2_READ_TIMEOUT and S2_WRITE_TIMEOUT."
        )
    return WarehouseSettings(
        database=database,
        host=parts.hostname,
        port=port,
        user=unquote_plus(parts.username or "root"),
        password=unquote_plus(parts.password or ""),
        **_server_options({**env, "S2_SSL_CA": options["ssl_ca"][-1]} if options else env),
    )


def check_data_source(api: ApiSettings, warehouse: WarehouseSettings) -> None:
    """Simulated data goes into a real warehouse only when asked for by name: a key forgotten in
    a secret manager must not fill production tables with simulated prices."""
    if api.simulated and not warehouse.embedded and not api.source_explicit:
        raise ConfigError(
            f"The warehouse at {warehouse.host}:{warehouse.port} is a real server but "
            "CCDATA_API_KEY is not set: set CCDATA_API_KEY to load real data, or set "
            "CCDATA_SOURCE=simulator to fill it with simulated data on purpose."
        )
