"""The time-series partition dimensions: their names, and the one check that a definition has them.

A time-series asset is partitioned by a time window ("date") x a dynamic instrument set
("instrument", keys "<market>:<instrument>").
"""

from __future__ import annotations

from dagster import MultiPartitionsDefinition, TimeWindowPartitionsDefinition

from ccdata_assets.settings import ConfigError

DATE_DIMENSION = "date"
INSTRUMENT_DIMENSION = "instrument"


def time_dimension(partitions_def: MultiPartitionsDefinition) -> TimeWindowPartitionsDefinition:
    """The time dimension of a date x instrument definition; anything else is refused."""
    dims = {d.name: d.partitions_def for d in partitions_def.partitions_defs}
    time_def = dims.get(DATE_DIMENSION)
    if not isinstance(time_def, TimeWindowPartitionsDefinition) or set(dims) != {
        DATE_DIMENSION,
        INSTRUMENT_DIMENSION,
    }:
        raise ConfigError(
            f"Time-series assets need a time dimension {DATE_DIMENSION!r} and a dimension "
            f"{INSTRUMENT_DIMENSION!r}, got {sorted(dims)}."
        )
    return time_def
