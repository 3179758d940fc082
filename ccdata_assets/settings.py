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
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

REAL_API_BASE_URL = "https://data-api.coindesk.com"
INSTRUMENT_STATUSES = ("ACTIVE", "IGNORED", "RETIRED", "EXPIRED", "READY_FOR_DECOMMISSIONING")
EXCHANGE_GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "C", "D", "E", "F")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and what to do."""


SOURCES = ("api", "simulator")


@dataclass(frozen=True)
class ApiSettings:
    """Where data comes from. `source` says what kind of data it is (real or simulated), which is
    what a warehouse remembers; `base_url` None means the embedded simulator."""

    base_url: str | None  # None: start the embedded simulator
    api_key: str | None = field(default=None, repr=False)
    calls_per_second: float | None = None  # None: a default suited to the source
    calls_per_minute: int | None = None
    # The shared rate budget's store; may hold a Redis password, so never in repr.
    rate_limit_url: str | None = field(default=None, repr=False)
    source: str | None = None  # "api" (real data) or "simulator"; None: api when keyed
    source_explicit: bool = False  # CCDATA_SOURCE was set

    def __post_init__(self) -> None:
        if self.source is None:
            object.__setattr__(self, "source", "api" if self.api_key else "simulator")

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @property
    def simulated(self) -> bool:
        return self.source == "simulator"

    @property
    def source_label(self) -> str:
        if self.embedded:
            return "simulated (embedded simulator)"
        if self.simulated:
            return f"simulated (simulator at {self.base_url})"
        if self.base_url == REAL_API_BASE_URL:
            return "real (CoinDesk Data API)"
        return f"real (Data API at {self.base_url})"


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


@dataclass(frozen=True)
class UniverseSettings:
    top_n_assets: int
    spot_exchanges: tuple[str, ...]
    min_exchange_grade: str
    start_date: date
    futures_exchanges: tuple[str, ...] = ("binance",)
    futures_statuses: tuple[str, ...] = ("ACTIVE", "EXPIRED")
    index_markets: tuple[str, ...] = ("cadli", "ccix")
    minute_history_days: int = 7


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
    pacing = {
        "calls_per_second": _int(env, "CCDATA_CALLS_PER_SECOND", 0, 1, 10_000) or None,
        "calls_per_minute": _int(env, "CCDATA_CALLS_PER_MINUTE", 0, 1, 600_000) or None,
        "rate_limit_url": rate_limit_url(env),
    }
    key = _get(env, "CCDATA_API_KEY")
    explicit = (_get(env, "CCDATA_SOURCE") or "").lower() or None
    if explicit is not None and explicit not in SOURCES:
        raise ConfigError(f"CCDATA_SOURCE must be api or simulator, got {explicit!r}.")
    if explicit == "api" and key is None:
        raise ConfigError(
            "CCDATA_SOURCE=api needs CCDATA_API_KEY: set the key, or CCDATA_SOURCE=simulator "
            "for simulated data."
        )
    source = explicit or ("api" if key else "simulator")
    base_url = _base_url(_get(env, "DATA_API_BASE_URL"))
    if base_url is None and source == "api":
        base_url = REAL_API_BASE_URL
    return ApiSettings(
        base_url=base_url,
        api_key=key,
        source=source,
        source_explicit=explicit is not None,
        **pacing,
    )


RATE_LIMIT_SCHEMES = ("sqlite", "redis", "rediss")


def rate_limit_url(env: Mapping[str, str] | None = None) -> str:
    """Where every process keeps the account's shared rate budget: CCDATA_RATE_LIMIT_URL, else
    a SQLite file under CCDATA_HOME (one machine). The URL may hold a password: never echoed."""
    env = os.environ if env is None else env
    raw = _get(env, "CCDATA_RATE_LIMIT_URL")
    if raw is None:
        home = Path(_get(env, "CCDATA_HOME") or str(Path.home() / ".ccdata")).expanduser()
        return f"sqlite:///{home / 'rate_budget.sqlite'}"
    scheme = urlsplit(raw).scheme
    if scheme not in RATE_LIMIT_SCHEMES or raw.rstrip("/") in ("sqlite:", "sqlite://"):
        raise ConfigError(
            "CCDATA_RATE_LIMIT_URL must be sqlite:///path/to/file or redis://host:6379/0, got "
            f"a URL with {scheme + ':' if scheme else 'no'} scheme."
        )
    return raw


def _base_url(raw: str | None) -> str | None:
    """The URL shows in logs and metadata as the data's source, so it may carry no credentials."""
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            "DATA_API_BASE_URL must not contain credentials (user:password@): put the key in "
            "CCDATA_API_KEY, which is never logged."
        )
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigError(
            f"DATA_API_BASE_URL must be an http(s) URL without a query string, such as "
            f"{REAL_API_BASE_URL}; put the key in CCDATA_API_KEY."
        )
    return raw.rstrip("/")


def check_data_source(api: ApiSettings, warehouse: WarehouseSettings) -> None:
    """Simulated data goes into a real warehouse only when asked for by name: a key forgotten in
    a secret manager must not fill production tables with simulated prices."""
    if api.simulated and not warehouse.embedded and not api.source_explicit:
        raise ConfigError(
            f"The warehouse at {warehouse.host}:{warehouse.port} is a real server but "
            "CCDATA_API_KEY is not set: set CCDATA_API_KEY to load real data, or set "
            "CCDATA_SOURCE=simulator to fill it with simulated data on purpose."
        )


def warehouse_settings(env: Mapping[str, str] | None = None) -> WarehouseSettings:
    env = os.environ if env is None else env
    database = identifier("S2_DATABASE", _get(env, "S2_DATABASE") or "market")
    url = _get(env, "SINGLESTOREDB_URL")
    host = _get(env, "S2_HOST")
    if url is not None:
        return _from_url(url, database if _get(env, "S2_DATABASE") else None, env)
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
        **_server_options(env),
    )


def _server_options(env: Mapping[str, str]) -> dict[str, Any]:
    ssl_ca = _get(env, "S2_SSL_CA")
    if ssl_ca is not None and not Path(ssl_ca).expanduser().is_file():
        raise ConfigError(f"S2_SSL_CA must name a CA certificate file, and {ssl_ca!r} is not one.")
    return {
        "ssl_ca": str(Path(ssl_ca).expanduser()) if ssl_ca else None,
        "connect_timeout": _int(env, "S2_CONNECT_TIMEOUT", 10, 1, 3600),
        "read_timeout": _int(env, "S2_READ_TIMEOUT", 300, 1, 86_400),
        "write_timeout": _int(env, "S2_WRITE_TIMEOUT", 300, 1, 86_400),
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


def universe_settings(env: Mapping[str, str] | None = None) -> UniverseSettings:
    env = os.environ if env is None else env
    grade = (_get(env, "CCDATA_MIN_EXCHANGE_GRADE") or "BB").upper()
    if grade not in EXCHANGE_GRADES:
        raise ConfigError(
            f"CCDATA_MIN_EXCHANGE_GRADE must be one of {', '.join(EXCHANGE_GRADES)}, got {grade!r}."
        )
    spot = _names(env, "CCDATA_SPOT_EXCHANGES", "binance,coinbase,kraken")
    futures = _names(env, "CCDATA_FUTURES_EXCHANGES", "binance")
    indices = _names(env, "CCDATA_INDEX_MARKETS", "cadli,ccix")
    statuses = tuple(
        s.upper() for s in _names(env, "CCDATA_FUTURES_STATUSES", "active,expired", lower=False)
    )
    unknown = set(statuses) - set(INSTRUMENT_STATUSES)
    if unknown:
        raise ConfigError(
            f"CCDATA_FUTURES_STATUSES must list statuses from {', '.join(INSTRUMENT_STATUSES)}, "
            f"got {', '.join(sorted(unknown))}."
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
        spot_exchanges=spot,
        min_exchange_grade=grade,
        start_date=start,
        futures_exchanges=futures,
        futures_statuses=statuses,
        index_markets=indices,
        minute_history_days=_int(env, "CCDATA_MINUTE_HISTORY_DAYS", 7, 0, 3650),
    )


def _names(env: Mapping[str, str], name: str, default: str, lower: bool = True) -> tuple[str, ...]:
    """A comma-separated list of market (or status) names, checked, sorted, de-duplicated."""
    raw = _get(env, name) or default
    names = tuple(
        sorted({n.strip().lower() if lower else n.strip() for n in raw.split(",")} - {""})
    )
    for value in names:
        if not re.fullmatch(r"[A-Za-z0-9_]{2,30}", value) or (lower and value != value.lower()):
            raise ConfigError(
                f"{name} must be a comma-separated list of names such as {default}; "
                f"{value!r} is not one."
            )
    return names


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go. Nothing configured means a JSON-lines file under CCDATA_HOME, so an alert
    is never lost; the webhook URL (it embeds a token) and the SMTP password never show in repr."""

    dagster_url: str
    log_file: Path | None = None
    webhook_url: str | None = field(default=None, repr=False)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "ccdata-alerts@localhost"
    smtp_to: tuple[str, ...] = ()


SMTP_SECURITY = ("none", "starttls", "ssl")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+$")


def _http_url(env: Mapping[str, str], name: str, example: str, secret: bool) -> str | None:
    raw = _get(env, name)
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        shown = "" if secret else f", got {raw!r}"
        raise ConfigError(f"{name} must be an http(s) URL such as {example}{shown}.")
    return raw.rstrip("/")


def alert_settings(env: Mapping[str, str] | None = None) -> AlertSettings:
    env = os.environ if env is None else env
    dagster_url = _http_url(env, "CCDATA_DAGSTER_URL", "http://127.0.0.1:3000", secret=False)
    webhook = _http_url(
        env, "CCDATA_ALERT_WEBHOOK_URL", "https://hooks.slack.com/services/...", secret=True
    )
    host = _get(env, "CCDATA_ALERT_SMTP_HOST")
    smtp_names = ("PORT", "SECURITY", "USER", "PASSWORD", "FROM", "TO")
    stray = [f"CCDATA_ALERT_SMTP_{n}" for n in smtp_names if _get(env, f"CCDATA_ALERT_SMTP_{n}")]
    if host is None and stray:
        raise ConfigError(
            f"{stray[0]} is set but CCDATA_ALERT_SMTP_HOST is not: set the host to send alert "
            "emails, or unset CCDATA_ALERT_SMTP_* to send none."
        )
    recipients = tuple(
        a.strip() for a in (_get(env, "CCDATA_ALERT_SMTP_TO") or "").split(",") if a.strip()
    )
    sender = _get(env, "CCDATA_ALERT_SMTP_FROM") or "ccdata-alerts@localhost"
    if host is not None:
        if not recipients:
            raise ConfigError(
                "CCDATA_ALERT_SMTP_TO must list the alert recipients (comma-separated) when "
                "CCDATA_ALERT_SMTP_HOST is set."
            )
        for address in (*recipients, sender):
            if not _EMAIL.match(address):
                raise ConfigError(
                    f"CCDATA_ALERT_SMTP_FROM and CCDATA_ALERT_SMTP_TO take addresses like "
                    f"ops@example.com; {address!r} is not one."
                )
    port = _int(env, "CCDATA_ALERT_SMTP_PORT", 25, 1, 65535)
    security = (_get(env, "CCDATA_ALERT_SMTP_SECURITY") or "").lower() or (
        "ssl" if port == 465 else "starttls" if port == 587 else "none"
    )
    if security not in SMTP_SECURITY:
        raise ConfigError(
            f"CCDATA_ALERT_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
            f"got {security!r}."
        )
    user = _get(env, "CCDATA_ALERT_SMTP_USER")
    password = env.get("CCDATA_ALERT_SMTP_PASSWORD") or None
    if password and not user:
        raise ConfigError(
            "CCDATA_ALERT_SMTP_PASSWORD is set but CCDATA_ALERT_SMTP_USER is not: set both to "
            "log in, or neither."
        )
    log_raw = _get(env, "CCDATA_ALERT_LOG_FILE")
    if log_raw is None and webhook is None and host is None:
        home = _get(env, "CCDATA_HOME") or str(Path.home() / ".ccdata")
        log_raw = str(Path(home) / "alerts.jsonl")
    return AlertSettings(
        dagster_url=dagster_url or "http://127.0.0.1:3000",
        log_file=Path(log_raw).expanduser() if log_raw else None,
        webhook_url=webhook,
        smtp_host=host,
        smtp_port=port,
        smtp_security=security,
        smtp_user=user,
        smtp_password=password,
        smtp_from=sender,
        smtp_to=recipients,
    )


@dataclass(frozen=True)
class RepairSettings:
    """The repair sensor launches API-consuming runs on its own, so it starts as a dry run that
    only reports what it would launch; CCDATA_REPAIR_DRY_RUN=false lets it act."""

    dry_run: bool = True
    max_partitions: int = 500  # per tick, across all runs
    max_runs: int = 5  # per tick
    lookback_days: int = 31  # time partitions overlapping the last N days are surveyed


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True}
_BOOLEANS |= {"0": False, "false": False, "no": False, "off": False}


def repair_settings(env: Mapping[str, str] | None = None) -> RepairSettings:
    env = os.environ if env is None else env
    raw = (_get(env, "CCDATA_REPAIR_DRY_RUN") or "true").lower()
    if raw not in _BOOLEANS:
        raise ConfigError(f"CCDATA_REPAIR_DRY_RUN must be true or false, got {raw!r}.")
    return RepairSettings(
        dry_run=_BOOLEANS[raw],
        max_partitions=_int(env, "CCDATA_REPAIR_MAX_PARTITIONS", 500, 1, 100_000),
        max_runs=_int(env, "CCDATA_REPAIR_MAX_RUNS", 5, 1, 100),
        lookback_days=_int(env, "CCDATA_REPAIR_LOOKBACK_DAYS", 31, 1, 3660),
    )
