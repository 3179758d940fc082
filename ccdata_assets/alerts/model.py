"""What one alert says, independent of where it is delivered.

An alert is plain data so that undelivered alerts can wait in the sensor cursor (JSON) and be
retried on a later tick exactly as first rendered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CHECK_FAILED = "check_failed"
CHECK_RECOVERED = "check_recovered"
RUN_FAILED = "run_failed"
RUN_RECOVERED = "run_recovered"
KINDS = (CHECK_FAILED, CHECK_RECOVERED, RUN_FAILED, RUN_RECOVERED)
SHOWN_PARTITIONS = 10


@dataclass(frozen=True)
class Alert:
    kind: str  # one of KINDS
    key: str  # stable identity of this alert (one failure or one recovery)
    severity: str  # ERROR | WARN for failures, OK for recoveries
    title: str  # one line
    summary: str  # what was measured or what went wrong, one paragraph at most
    asset: str | None = None
    check: str | None = None
    job: str | None = None
    run_id: str | None = None
    link: str | None = None  # the run in the Dagster UI
    partitions: tuple[str, ...] = ()  # the first SHOWN_PARTITIONS affected partitions
    partition_count: int = 0  # all affected partitions (0: not partitioned or not known)
    details: dict[str, str] = field(default_factory=dict)  # short metadata excerpts
    timestamp: float = 0.0  # when the evaluation or run event happened (epoch seconds)

    @property
    def recovery(self) -> bool:
        return self.kind in (CHECK_RECOVERED, RUN_RECOVERED)

    def partition_text(self) -> str:
        if not self.partition_count:
            return "-"
        shown = ", ".join(self.partitions)
        more = self.partition_count - len(self.partitions)
        return f"{shown} (and {more} more)" if more > 0 else shown

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["partitions"] = list(self.partitions)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        return cls(**{**data, "partitions": tuple(data.get("partitions", ()))})


def partition_sample(partitions: list[str]) -> tuple[tuple[str, ...], int]:
    """Sorted sample and total count, so that a run over 9 000 partitions is one short alert."""
    ordered = sorted(set(partitions))
    return tuple(ordered[:SHOWN_PARTITIONS]), len(ordered)


def run_link(dagster_url: str, run_id: str | None) -> str | None:
    return f"{dagster_url.rstrip('/')}/runs/{run_id}" if run_id else None
