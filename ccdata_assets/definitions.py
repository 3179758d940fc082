"""The code location: every asset, job, schedule and sensor, generated from the data-set catalog.

Settings come from the environment (each domain's `settings.py`): with none set, the API is the embedded
simulator and the warehouse is the embedded local file, so `dagster dev` works on a fresh machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from ccdata_assets.alerts.resource import AlertSinkResource
from ccdata_assets.alerts.sensor import build_alert_sensor
from ccdata_assets.api.resource import CCDataApiResource
from ccdata_assets.api.settings import api_settings
from ccdata_assets.assets.snapshots import build_snapshot_asset
from ccdata_assets.assets.timeseries import build_time_series_asset
from ccdata_assets.checks import build_checks, with_freshness_policies
from ccdata_assets.datasets.catalog import SNAPSHOTS, TIME_SERIES
from ccdata_assets.datasets.settings import universe_settings
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.partitions import partitions_for
from ccdata_assets.quiet import silence_known_warnings
from ccdata_assets.repair.sensor import build_repair_sensor
from ccdata_assets.repair.settings import repair_settings
from ccdata_assets.schedules import build_metadata_schedule, build_time_series_schedule
from ccdata_assets.sensors.bootstrap import build_bootstrap_sensor
from ccdata_assets.sensors.instruments import build_instrument_sensor
from ccdata_assets.warehouse.io_manager import WarehouseIOManager
from ccdata_assets.warehouse.kind import storage
from ccdata_assets.warehouse.resource import WarehouseResource
from ccdata_assets.warehouse.settings import check_data_source, warehouse_settings


def build_definitions(time_series: Sequence[TimeSeriesSpec] = TIME_SERIES) -> dg.Definitions:
    """The code location of the catalog's data sets; `time_series` replaces the catalog's time
    series (a test builds one with an extra entry). Universes are those the time series use."""
    silence_known_warnings()
    settings = universe_settings()
    source, store = api_settings(), warehouse_settings()
    check_data_source(source, store)
    api = CCDataApiResource.from_settings(source)
    warehouse = WarehouseResource.from_settings(store, data_source=source.source)

    stored_in = storage(store)
    snapshot_assets = [build_snapshot_asset(spec, settings, stored_in) for spec in SNAPSHOTS]
    metadata_job = dg.define_asset_job(
        "metadata_job",
        selection=dg.AssetSelection.assets(*(key for a in snapshot_assets for key in a.keys)),
        description="Instruments, exchanges and assets: what the universes are drawn from.",
    )
    asset_of_table = {o.table: o.name for spec in SNAPSHOTS for o in spec.outputs}

    series_assets, schedules, sensors = [], [], []
    jobs: list[dg.UnresolvedAssetJobDefinition] = [metadata_job]
    series_jobs: list[tuple[TimeSeriesSpec, dg.UnresolvedAssetJobDefinition]] = []
    for universe in dict.fromkeys(spec.universe for spec in time_series):
        members = []
        for spec in (s for s in time_series if s.universe is universe):
            partitions = partitions_for(spec, settings)
            instruments = dg.AssetKey(asset_of_table[universe.instruments_table])
            series_assets.append(build_time_series_asset(spec, partitions, instruments, stored_in))
            job = dg.define_asset_job(
                f"{spec.name}_job", selection=[spec.name], partitions_def=partitions
            )
            members.append((spec, job))
            schedules.append(build_time_series_schedule(spec, job, settings))
        jobs.extend(job for _, job in members)
        series_jobs.extend(members)
        sensors.append(build_instrument_sensor(universe, members, settings))

    data_assets = with_freshness_policies([*snapshot_assets, *series_assets], time_series)
    checks = build_checks(time_series, SNAPSHOTS, data_assets)
    return dg.Definitions(
        assets=data_assets,
        asset_checks=checks.checks,
        jobs=[*jobs, checks.job],
        schedules=[build_metadata_schedule(metadata_job), *schedules, checks.schedule],
        sensors=[
            build_bootstrap_sensor([spec.universe for spec in time_series], metadata_job),
            *sensors,
            build_alert_sensor(),
            build_repair_sensor(series_jobs, repair_settings()),
        ],
        resources={
            "alert_sink": AlertSinkResource.from_env(),
            "api": api,
            "warehouse": warehouse,
            "warehouse_io_manager": WarehouseIOManager(warehouse=warehouse),
        },
        # API-bound steps run one at a time anyway (pool ccdata_api), so a subprocess per step
        # buys nothing and costs seconds per run; the in-process executor honours pools too.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
