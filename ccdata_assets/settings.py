"""Environment settings, read once and checked up front.

Every setting has an embedded default so the platform runs on a fresh machine: no API key and no
base URL means the embedded simulator, no S2_* / SINGLESTOREDB_URL means the embedded local
warehouse. A wrong value raises `ConfigError` with one sentence naming the setting and the fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

REAL_API_BASE_URL = "https://data-api.coindesk.com"
EXCHANGE_GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "C", "D", "E", "F")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and what to do."""


@dataclass(frozen=True)
class ApiSettings:
    base_url: str | None  # None: start the embedded simulator
    api_key: str | None = field(default=None, repr=False)

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @property
    def source_label(self) -> str:
        if self.embedded:
            return "simulated (embedded simulator, no API key)"
        if self.base_url == REAL_API_BASE_URL:
            return "real (CoinDesk Data API)"
        return f"custom API at {self.base_url}"


@dataclass(frozen=True)
class WarehouseSettings:
    """Either a MySQL-protocol server (SingleStore, or MariaDB in tests) or the local file."""

    database: str
    host: str | None = None
    port: int = 3306
    user: str = "root"
    password: str = field(default="", repr=False)
    local_dir: Path | None = None  # set when no server is configured

    @property
    def embedded(self) -> bool:
        return self.host is None


@dataclass(frozen=True)
class UniverseSettings:
    top_n_assets: int
    spot_exchanges: tuple[str, ...]
    min_exchange_grade: str
    start_date: date


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}.")
    return value


def identifier(name: str, value: str) -> str:
    """Database and table names go into SQL text, so only plain identifiers are accepted."""
    if not _IDENTIFIER.match(value):
        raise ConfigError(
            f"{name} must be a plain identifier (letters, digits, underscore), got {value!r}."
        )
    return value


def api_settings(env: Mapping[str, str] | None = None) -> ApiSettings:
    env = os.environ if env is None else env
    key = _get(env, "CCDATA_API_KEY")
    base_url = _get(env, "DATA_API_BASE_URL")
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ConfigError(
                f"DATA_API_BASE_URL must be an http(s) URL without a query string, such as "
                f"{REAL_API_BASE_URL}; put the key in CCDATA_API_KEY."
            )
        return ApiSettings(base_url=base_url.rstrip("/"), api_key=key)
    if key is not None:
        return ApiSettings(base_url=REAL_API_BASE_URL, api_key=key)
    return ApiSettings(base_url=None, api_key=None)


def warehouse_settings(env: Mapping[str, str] | None = None) -> WarehouseSettings:
    env = os.environ if env is None else env
    database = identifier("S2_DATABASE", _get(env, "S2_DATABASE") or "market")
    url = _get(env, "SINGLESTOREDB_URL")
    host = _get(env, "S2_HOST")
    if url is not None:
        return _from_url(url, database if _get(env, "S2_DATABASE") else None)
    if host is None:
        stray = [n for n in ("S2_PORT", "S2_USER", "S2_PASSWORD") if _get(env, n)]
        if stray:
            raise ConfigError(
                f"{stray[0]} is set but S2_HOST is not: set S2_HOST (or SINGLESTOREDB_URL) to "
                "use a SingleStore server, or unset S2_* to use the embedded local warehouse."
            )
        home = _get(env, "CCDATA_HOME") or str(Path.home() / ".ccdata")
        return WarehouseSettings(database=database, local_dir=Path(home).expanduser())
    return WarehouseSettings(
        database=database,
        host=host,
        port=_int(env, "S2_PORT", 3306, 1, 65535),
        user=_get(env, "S2_USER") or "root",
        password=env.get("S2_PASSWORD", ""),
    )


def _from_url(url: str, database_override: str | None) -> WarehouseSettings:
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
    return WarehouseSettings(
        database=database,
        host=parts.hostname,
        port=port,
        user=unquote_plus(parts.username or "root"),
        password=unquote_plus(parts.password or ""),
    )


def universe_settings(env: Mapping[str, str] | None = None) -> UniverseSettings:
    env = os.environ if env is None else env
    grade = (_get(env, "CCDATA_MIN_EXCHANGE_GRADE") or "BB").upper()
    if grade not in EXCHANGE_GRADES:
        raise ConfigError(
            f"CCDATA_MIN_EXCHANGE_GRADE must be one of {', '.join(EXCHANGE_GRADES)}, got {grade!r}."
        )
    exchanges_raw = _get(env, "CCDATA_SPOT_EXCHANGES") or "binance,coinbase,kraken"
    exchanges = tuple(sorted({e.strip().lower() for e in exchanges_raw.split(",") if e.strip()}))
    for exchange in exchanges:
        if not re.fullmatch(r"[a-z0-9]{2,30}", exchange):
            raise ConfigError(
                f"CCDATA_SPOT_EXCHANGES must be a comma-separated list of lowercase market names "
                f"such as binance,kraken; {exchange!r} is not one."
            )
    start_raw = _get(env, "CCDATA_START_DATE") or "2025-01-01"
    try:
        start = date.fromisoformat(start_raw)
    except ValueError:
        raise ConfigError(
            f"CCDATA_START_DATE must be a date like 2025-01-01, got {start_raw!r}."
        ) from None
    return UniverseSettings(
        top_n_assets=_int(env, "CCDATA_TOP_N_ASSETS", 5, 1, 1000),
        spot_exchanges=exchanges,
        min_exchange_grade=grade,
        start_date=start,
    )
