"""Where data comes from: the Data API or the simulator, its key, pacing and the shared rate budget."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ccdata_assets.settings import (
    ConfigError,
    ccdata_home,
    env_int,
    env_str,
)

REAL_API_BASE_URL = "https://data-api.coindesk.com"

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


def api_settings(env: Mapping[str, str] | None = None) -> ApiSettings:
    env = os.environ if env is None else env
    pacing = {
        "calls_per_second": env_int(env, "CCDATA_CALLS_PER_SECOND", 0, 1, 10_000) or None,
        "calls_per_minute": env_int(env, "CCDATA_CALLS_PER_MINUTE", 0, 1, 600_000) or None,
        "rate_limit_url": rate_limit_url(env),
    }
    key = env_str(env, "CCDATA_API_KEY")
    explicit = (env_str(env, "CCDATA_SOURCE") or "").lower() or None
    if explicit is not None and explicit not in SOURCES:
        raise ConfigError(f"CCDATA_SOURCE must be api or simulator, got {explicit!r}.")
    if explicit == "api" and key is None:
        raise ConfigError(
            "CCDATA_SOURCE=api needs CCDATA_API_KEY: set the key, or CCDATA_SOURCE=simulator "
            "for simulated data."
        )
    source = explicit or ("api" if key else "simulator")
    base_url = _base_url(env_str(env, "DATA_API_BASE_URL"))
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
    raw = env_str(env, "CCDATA_RATE_LIMIT_URL")
    if raw is None:
        return f"sqlite:///{ccdata_home(env) / 'rate_budget.sqlite'}"
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
