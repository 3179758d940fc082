"""Keeps each universe's dynamic partitions equal to the configured universe.

New instruments are added and their history fetched at once: one run per data set covering every
new instrument from its first kept window (`first_kept_window`: CCDATA_START_DATE, for minute data
the last CCDATA_MINUTE_HISTORY_DAYS days) to the open window. Instruments that leave the universe are removed from the partitions so
nothing schedules them again; their rows stay in the warehouse. On a fresh warehouse the sensor
waits for the metadata run `metadata_bootstrap_sensor` launches.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from ccdata_assets import clock
from ccdata_assets.assets.backfill import history_runs
from ccdata_assets.datasets.settings import UniverseSettings
from ccdata_assets.datasets.spec import TimeSeriesSpec, Universe
from ccdata_assets.partitions import RANGE_END, RANGE_START, first_kept_window, open_window
from ccdata_assets.sensors.bootstrap import SENSOR_NAME as BOOTSTRAP_SENSOR
from ccdata_assets.warehouse.resource import WarehouseResource


def build_instrument_sensor(
    universe: Universe,
    time_series: Sequence[tuple[TimeSeriesSpec, dg.UnresolvedAssetJobDefinition]],
    settings: UniverseSettings,
) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{universe.partitions_name}_sensor",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        jobs=[job for _, job in time_series],
        description=(
            f"Keeps the `{universe.partitions_name}` partitions equal to the configured universe "
            "and fetches the history of instruments it adds."
        ),
    )
    def _sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult | dg.SkipReason:
        store = warehouse.get()
        empty = [table.name for table in universe.source_tables if store.read(table).is_empty()]
        if empty:
            return dg.SkipReason(
                f"{', '.join(empty)} holds no rows yet: waiting for the metadata run that "
                f"{BOOTSTRAP_SENSOR} launches on a fresh warehouse."
            )
        wanted = universe.rule(store.read, settings)
        current = context.instance.get_dynamic_partitions(universe.partitions_name)
        known = set(current)
        added = [key for key in wanted if key not in known]
        removed = sorted(known - set(wanted))
        if not added and not removed:
            return dg.SkipReason(f"Universe unchanged: {len(current)} instruments.")
        context.log.info(f"{universe.partitions_name}: +{len(added)} -{len(removed)} instruments")
        partitions = dg.DynamicPartitionsDefinition(name=universe.partitions_name)
        return dg.SensorResult(
            run_requests=_history_runs(added, time_series, settings) if added else [],
            dynamic_partitions_requests=[
                *([partitions.build_add_request(added)] if added else []),
                *([partitions.build_delete_request(removed)] if removed else []),
            ],
        )

    return _sensor


def _history_runs(
    added: list[str],
    time_series: Sequence[tuple[TimeSeriesSpec, dg.UnresolvedAssetJobDefinition]],
    settings: UniverseSettings,
) -> list[dg.RunRequest]:
    """Per data set, runs of (first kept window .. open window) x chunks of the new instruments,
    which the sensor appends to the partitions in this order, so each chunk is a key range. The
    open window costs no call while none of its candles has closed (see `open_window`)."""
    moment = clock.now()
    requests = []
    for spec, job in time_series:
        first, last = first_kept_window(spec, settings, moment), open_window(spec, moment)
        if last >= first:
            requests.extend(
                dg.RunRequest(
                    run_key=f"{spec.name}:new:{tags[RANGE_START]}:{tags[RANGE_END]}",
                    job_name=job.name,
                    tags=tags,
                )
                for tags in history_runs(first, last, added)
            )
    return requests
