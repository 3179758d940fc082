"""On a fresh warehouse, one metadata run: the universes are drawn from the instruments tables, so
nothing else can start until it has filled them. A sensor of its own, so the UI says truthfully
what launched that run (not whichever universe's sensor happened to tick first)."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from ccdata_assets import clock
from ccdata_assets.datasets.spec import Universe
from ccdata_assets.repair.sensor import runs_in_flight
from ccdata_assets.warehouse.resource import WarehouseResource

SENSOR_NAME = "metadata_bootstrap_sensor"


def build_bootstrap_sensor(
    universes: Sequence[Universe], metadata_job: dg.UnresolvedAssetJobDefinition
) -> dg.SensorDefinition:
    tables = list(dict.fromkeys(t for universe in universes for t in universe.source_tables))

    @dg.sensor(
        name=SENSOR_NAME,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        job=metadata_job,
        description=(
            "Launches a metadata run while a table the universes are drawn from is empty (a fresh "
            "warehouse); the instrument sensors wait for it."
        ),
    )
    def _sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.RunRequest | dg.SkipReason:
        store = warehouse.get()
        empty = [table.name for table in tables if store.read(table).is_empty()]
        if not empty:
            return dg.SkipReason("Every instruments table holds rows: nothing to bootstrap.")
        if runs_in_flight(context.instance, metadata_job.name):
            return dg.SkipReason(f"Waiting for the metadata run that fills {', '.join(empty)}.")
        hour = clock.now().strftime("%Y%m%d%H")  # at most one attempt an hour if it keeps failing
        return dg.RunRequest(run_key=f"metadata-bootstrap:{hour}", job_name=metadata_job.name)

    return _sensor
