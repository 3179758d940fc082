"""The alert sensor's memory, kept in its cursor (JSON), so a restart or a new code version
neither repeats nor forgets alerts.

- `check_seen`: per check key, the newest evaluation id already judged (the next tick reads only
  newer ones; it stays below an evaluation that is still running, so its result is not missed);
- `failing`: per check key, the partitions ("" for an unpartitioned check) currently failing and
  their severity; only failing ones are kept, absence means "passing or never evaluated";
- `run_failure_after` / `run_success_after`: storage ids of the last run status changes read;
- `failing_jobs`: jobs whose latest finished run failed (job name -> that run id);
- `outbox`: alerts not yet delivered to every sink, retried on every tick.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ccdata_assets.alerts.model import Alert

VERSION = 1


@dataclass
class Pending:
    alert: Alert
    sinks: list[str]  # sinks that have not accepted the alert yet
    attempts: int = 0
    last_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "alert": self.alert.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pending:
        return cls(**{**data, "alert": Alert.from_dict(data["alert"])})


@dataclass
class AlertState:
    check_seen: dict[str, int] = field(default_factory=dict)
    failing: dict[str, dict[str, str]] = field(default_factory=dict)
    run_failure_after: int | None = None
    run_success_after: int | None = None
    failing_jobs: dict[str, str] = field(default_factory=dict)
    outbox: list[Pending] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        data["outbox"] = [p.to_dict() for p in self.outbox]
        return json.dumps({"version": VERSION, **data}, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | None) -> AlertState:
        """An empty or unreadable cursor starts afresh (the sensor then re-baselines)."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
        except ValueError:
            return cls()
        if not isinstance(data, dict) or data.pop("version", None) != VERSION:
            return cls()
        outbox = [Pending.from_dict(p) for p in data.pop("outbox", [])]
        return cls(**data, outbox=outbox)
