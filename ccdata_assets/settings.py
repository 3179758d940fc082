"""Reading the environment: the one error type and the checked readers every domain's settings use.

Each domain reads its own settings beside its code (`api/settings.py`, `warehouse/settings.py`,
`datasets/settings.py`, `alerts/settings.py`, `repair/settings.py`, `checks/settings.py`). Every
setting has an embedded default so the platform runs on a fresh machine, and a wrong value raises
`ConfigError` with one sentence naming the setting and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and what to do."""


def env_str(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None


def env_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env_str(env, name)
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


def env_names(
    env: Mapping[str, str], name: str, default: str, lower: bool = True
) -> tuple[str, ...]:
    """A comma-separated list of market (or status) names, checked, sorted, de-duplicated."""
    raw = env_str(env, name) or default
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


BOOLEANS = {"1": True, "true": True, "yes": True, "on": True}

BOOLEANS |= {"0": False, "false": False, "no": False, "off": False}


def ccdata_home(env: Mapping[str, str]) -> Path:
    """CCDATA_HOME: where the embedded warehouse, rate budget and alert log live by default."""
    return Path(env_str(env, "CCDATA_HOME") or str(Path.home() / ".ccdata")).expanduser()
