"""The platform's idea of "now": the wall clock, or a fixed instant for demos and tests.

`CCDATA_NOW` (epoch seconds or ISO 8601, UTC) pins it; the embedded simulator follows the same
clock, so a pinned run is reproducible byte for byte.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from ccdata_assets.settings import ConfigError


def pinned() -> datetime | None:
    raw = os.environ.get("CCDATA_NOW", "").strip()
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(float(raw), tz=UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigError(
            f"CCDATA_NOW must be epoch seconds or an ISO time like 2026-01-31T12:00:00, got {raw!r}."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def now() -> datetime:
    return pinned() or datetime.now(UTC)
