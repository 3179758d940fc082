"""What the benchmark scripts share: the code location with its metadata loaded into an in-memory
Dagster instance, and the longest-listed active spot instruments added as partitions.

Imported by each script after it has set its environment: the definitions read it when built.
"""

from __future__ import annotations

import dagster as dg

from ccdata_assets.assets.planning import Bounds
from ccdata_assets.datasets.catalog import SPOT_UNIVERSE
from ccdata_assets.definitions import build_definitions
from ccdata_assets.partitions import InstrumentKey
from ccdata_assets.warehouse.resource import WarehouseResource

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def platform_with_metadata() -> tuple[dg.Definitions, dg.DagsterInstance]:
    defs = build_definitions()
    instance = dg.DagsterInstance.ephemeral()
    run = defs.resolve_job_def("metadata_job").execute_in_process(
        instance=instance, run_config=QUIET
    )
    assert run.success, "the metadata run failed"
    return defs, instance


def oldest_spot_instruments(
    instance: dg.DagsterInstance, count: int
) -> tuple[list[str], dict[InstrumentKey, Bounds]]:
    """The `count` active spot instruments listed longest (the most history to fetch), added to
    the spot partitions, with what the instruments table says of their first trade."""
    listed = WarehouseResource.from_env().get().read(SPOT_UNIVERSE.instruments_table)
    active = listed.filter(listed["instrument_status_on_exchange"] == "ACTIVE")
    chosen = list(active.sort("first_trade_datetime").head(count).iter_rows(named=True))
    keys = [f"{r['exchange_internal_name']}:{r['mapped_instrument_symbol']}" for r in chosen]
    bounds = {
        InstrumentKey.parse(key): Bounds(row["first_trade_datetime"])
        for key, row in zip(keys, chosen, strict=True)
    }
    instance.add_dynamic_partitions(SPOT_UNIVERSE.partitions_name, keys)
    return keys, bounds
