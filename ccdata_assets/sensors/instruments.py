"""Keeps each universe's dynamic partitions equal to the configured universe.

New instruments are added (and their newest window fetched at once); instruments that left the
universe are removed from the partitions so nothing schedules them again. Their rows stay in the
warehouse. On a fresh warehouse the sensor first asks for a metadata run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dagster as dg
import polars as pl

from ccdata_assets import clock
from ccdata_assets.datasets.spec import TimeSeriesSpec, Universe
from ccdata_assets.schedules import newest_window, range_tags
from ccdata_assets.settings import UniverseSettings
from ccdata_assets.warehouse.resource import WarehouseResource

UniverseRule = Callable[[Callable[[str], pl.DataFrame], UniverseSettings], list[str]]


def build_instrument_sensor(
    universe: Universe,
    rule: UniverseRule,
    source_tables: Sequence[str],
    metadata_job: dg.UnresolvedAssetJobDefinition,
    time_series: Sequence[tuple[TimeSeriesSpec, dg.UnresolvedAssetJobDefinition]],
    settings: UniverseSettings,
) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{universe.partitions_name}_sensor",
        minimum_interval_seconds=120,
        default_status=dg.DefaultSensorStatus.RUNNING,
        jobs=[metadata_job, *(job for _, job in time_series)],
        description=(
            f"Keeps the `{universe.partitions_name}` partitions equal to the configured universe."
        ),
    )
    def _sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult | dg.SkipReason:
        store = warehouse.get()
        if any(store.read(table).is_empty() for table in source_tables):
            hour = clock.now().strftime("%Y%m%d%H")
            return dg.SensorResult(
                run_requests=[dg.RunRequest(run_key=f"metadata-bootstrap:{hour}", job_name=metadata_job.name)],
                skip_reason=None,
            )
        wanted = rule(store.read, settings)
        current = context.instance.get_dynamic_partitions(universe.partitions_name)
        added = [key for key in wanted if key not in set(current)]
        removed = sorted(set(current) - set(wanted))
        if not added and not removed:
            return dg.SkipReason(f"Universe unchanged: {len(current)} instruments.")
        context.log.info(f"{universe.partitions_name}: +{len(added)} -{len(removed)} instruments")
        requests = []
        if added:
            moment = clock.now()
            for spec, job in time_series:
                day = newest_window(spec, moment)
                if day >= settings.start_date:
                    requests.append(
                        dg.RunRequest(
                            run_key=f"{spec.name}:new:{added[0]}:{added[-1]}:{day}",
                            job_name=job.name,
                            tags=range_tags(day, day, added),
                        )
                    )
        partitions_def = dg.DynamicPartitionsDefinition(name=universe.partitions_name)
        return dg.SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[
                *([partitions_def.build_add_request(added)] if added else []),
                *([partitions_def.build_delete_request(removed)] if removed else []),
            ],
        )

    return _sensor
