"""Check thresholds: built-in defaults, overridable in one TOML file named by CCDATA_CHECKS_FILE.

Thresholds resolve from the most general to the most specific section, so a new data set gets
sensible limits without a line of configuration:

    built-in defaults  <  [defaults]  <  [intervals."1m"]  <  [data_sets.spot_ohlcv_1m]

    per_partition = ["missing_periods"]     # checks that report one result per partition
    sweep_cron = "30 1 * * *"               # the daily run of every check
    [defaults]
    outlier_sigmas = 12
    [intervals."1m"]
    freshness = "45m"
    [data_sets.futures_funding_rate_1h.bounds]
    "*_fr" = [-0.1, 0.1]                     # column glob -> [low, high]; "inf" for no limit
    [data_sets.spot_instruments]
    freshness = "48h"                        # snapshot tables are named by their asset

A wrong file, key or value stops the code location from loading with one sentence naming it.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from ccdata_assets.datasets.spec import INTERVALS, TimeSeriesSpec
from ccdata_assets.settings import ConfigError

ENV = "CCDATA_CHECKS_FILE"
Bounds = Mapping[str, tuple[float, float]]  # column glob -> (low, high), inclusive

SNAPSHOT_FRESHNESS = timedelta(hours=36)
# Plausible values wherever a table has such columns: funding rates are a fraction per funding
# interval (exchanges cap them at a few percent), open interest is never negative, and no
# contract's open interest is worth a trillion in its quote currency.
DEFAULT_BOUNDS: Bounds = {
    "*_fr": (-0.05, 0.05),
    "*_oi_contracts": (0.0, math.inf),
    "*_oi_quote": (0.0, 1e12),
}
WINDOW_CHECKS = (
    "row_sanity",
    "outliers",
    "unique_keys",
    "missing_periods",
    "index_consistency",
)


@dataclass(frozen=True)
class Thresholds:
    """Everything a data set's checks are judged by (the UI shows these on each check)."""

    freshness: timedelta  # newest stored period may be at most this old
    max_unreviewed_quarantine: int = 0  # unreviewed quarantined rows tolerated
    outlier_sigmas: float = 10.0  # a close further than this from its neighbours is an outlier
    outlier_neighbours: int = 10  # candles on each side that define "its neighbours"
    outlier_columns: tuple[str, ...] = ("close",)  # those the table has are checked
    bounds: Bounds = field(default_factory=lambda: dict(DEFAULT_BOUNDS))
    index_market: str = "cadli"  # the index spot closes are compared with
    index_tolerance: float = 0.02  # relative difference of spot close vs index close
    ignored_api_fields: frozenset[str] = frozenset({"UNIT", "TYPE"})  # known, deliberately unkept
    recent_windows: int = 2  # time partitions checked when a run names no partitions
    sample: int = 5  # offending rows / periods listed in metadata

    def as_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, timedelta):
                value = show_duration(value)
            elif isinstance(value, frozenset | tuple):
                value = sorted(value) if isinstance(value, frozenset) else list(value)
            elif isinstance(value, Mapping):
                value = {k: [_show_bound(lo), _show_bound(hi)] for k, (lo, hi) in value.items()}
            out[f"threshold/{f.name}"] = value
        return out


@dataclass(frozen=True)
class CheckSettings:
    """Section name -> overrides, as read from the file (validated), plus check-wide options."""

    defaults: Mapping[str, Any] = field(default_factory=dict)
    intervals: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    data_sets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    per_partition: frozenset[str] = frozenset({"missing_periods"})
    sweep_cron: str = "30 1 * * *"

    def for_time_series(self, spec: TimeSeriesSpec) -> Thresholds:
        base = Thresholds(freshness=spec.interval.freshness)
        return self._resolve(base, spec.name, spec.interval.label)

    def for_snapshot(self, name: str) -> Thresholds:
        return self._resolve(Thresholds(freshness=SNAPSHOT_FRESHNESS), name, None)

    def _resolve(self, base: Thresholds, name: str, interval: str | None) -> Thresholds:
        layers = [
            self.defaults,
            self.intervals.get(interval or "", {}),
            self.data_sets.get(name, {}),
        ]
        for layer in layers:
            if "bounds" in layer:  # the more specific layer's globs are tried first
                kept = {k: v for k, v in base.bounds.items() if k not in layer["bounds"]}
                layer = {**layer, "bounds": {**layer["bounds"], **kept}}
            base = replace(base, **layer)
        return base


def check_settings(
    env: Mapping[str, str] | None = None, data_sets: Iterable[str] = ()
) -> CheckSettings:
    """Settings from the TOML file named by CCDATA_CHECKS_FILE; built-in defaults if unset."""
    env = os.environ if env is None else env
    raw_path = (env.get(ENV) or "").strip()
    if not raw_path:
        return CheckSettings()
    path = Path(raw_path).expanduser()
    try:
        document = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{ENV} names {path}, which cannot be read ({exc.strerror}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{ENV} file {path} is not valid TOML ({exc}).") from None
    return parse_settings(document, set(data_sets), where=str(path))


def parse_settings(document: Mapping[str, Any], known: set[str], where: str) -> CheckSettings:
    top = {"defaults", "intervals", "data_sets", "per_partition", "sweep_cron"}
    _no_strays(document, top, where)
    intervals = _table(document, "intervals", where)
    labels = sorted(interval.label for interval in INTERVALS)
    for label in intervals:
        if label not in labels:
            raise ConfigError(f"{where}: [intervals.{label}] is not one of {labels}.")
    data_sets = _table(document, "data_sets", where)
    if known:
        for name in data_sets:
            if name not in known:
                raise ConfigError(
                    f"{where}: [data_sets.{name}] names no data set; the names are the asset "
                    f"names, such as {sorted(known)[0]!r}."
                )
    per_partition = document.get("per_partition", ["missing_periods"])
    if not isinstance(per_partition, list) or not set(per_partition) <= set(WINDOW_CHECKS):
        raise ConfigError(
            f"{where}: per_partition must list checks among {list(WINDOW_CHECKS)}, "
            f"got {per_partition!r}."
        )
    cron = document.get("sweep_cron", "30 1 * * *")
    if not isinstance(cron, str) or len(cron.split()) != 5:
        raise ConfigError(f"{where}: sweep_cron must be a 5-field cron string, got {cron!r}.")
    return CheckSettings(
        defaults=_overrides(document.get("defaults", {}), f"{where} [defaults]"),
        intervals={k: _overrides(v, f"{where} [intervals.{k}]") for k, v in intervals.items()},
        data_sets={k: _overrides(v, f"{where} [data_sets.{k}]") for k, v in data_sets.items()},
        per_partition=frozenset(per_partition),
        sweep_cron=cron,
    )


def _overrides(section: Any, where: str) -> dict[str, Any]:
    """A section's keys validated and converted to Thresholds field values."""
    if not isinstance(section, Mapping):
        raise ConfigError(f"{where} must be a table of thresholds.")
    names = {f.name for f in fields(Thresholds)}
    _no_strays(section, names, where)
    out: dict[str, Any] = {}
    for key, value in section.items():
        sample = Thresholds(freshness=timedelta(0))
        current = getattr(sample, key)
        if isinstance(current, timedelta):
            out[key] = parse_duration(value, f"{where} {key}")
        elif isinstance(current, bool) or not isinstance(current, int | float | str):
            out[key] = _collection(key, value, where)
        elif isinstance(current, str):
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where} {key} must be a non-empty string, got {value!r}.")
            out[key] = value
        else:
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{where} {key} must be a number >= 0, got {value!r}.")
            out[key] = type(current)(value)
    return out


def _collection(key: str, value: Any, where: str) -> Any:
    if key == "bounds":
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} bounds must map column globs to [low, high].")
        return {glob: _bound_pair(pair, f"{where} bounds.{glob}") for glob, pair in value.items()}
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} {key} must be a list of names, got {value!r}.")
    return frozenset(value) if key == "ignored_api_fields" else tuple(value)


def _bound_pair(pair: Any, where: str) -> tuple[float, float]:
    if not isinstance(pair, list) or len(pair) != 2:
        raise ConfigError(f"{where} must be [low, high], got {pair!r}.")
    try:
        low, high = (float(v) for v in pair)  # "inf" / "-inf" allowed
    except (TypeError, ValueError):
        raise ConfigError(f'{where} must hold numbers or "inf", got {pair!r}.') from None
    if low > high:
        raise ConfigError(f"{where}: low {low} is above high {high}.")
    return low, high


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: Any, where: str) -> timedelta:
    """'90s', '30m', '36h', '2d'."""
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f"{where} must be a duration like 30m, 36h or 2d, got {value!r}.")
    return timedelta(**{_UNITS[match[2]]: float(match[1])})


def show_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _show_bound(value: float) -> float | str:
    return str(value) if math.isinf(value) else value


def _table(document: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {key} must be a table.")
    return value


def _no_strays(section: Mapping[str, Any], allowed: set[str], where: str) -> None:
    stray = sorted(set(section) - allowed)
    if stray:
        raise ConfigError(f"{where}: unknown key {stray[0]!r}; known keys are {sorted(allowed)}.")
