"""The code location: every asset, job, schedule and sensor, generated from the data-set catalog.

Settings come from the environment (see `settings.py`): with none set, the API is the embedded
simulator and the warehouse is the embedded local file, so `dagster dev` works on a fresh machine.
"""

from __future__ import annotations

import dagster as dg

from ccdata_assets.api.resource import CCDataApiResource
from ccdata_assets.assets.snapshots import build_snapshot_asset
from ccdata_assets.assets.timeseries import build_time_series_asset
from ccdata_assets.datasets.catalog import SNAPSHOTS, SPOT_INSTRUMENTS, TIME_SERIES
from ccdata_assets.datasets.spec import DAY, TimeSeriesSpec
from ccdata_assets.datasets.universe import spot_universe
from ccdata_assets.schedules import build_metadata_schedule, build_time_series_schedule
from ccdata_assets.sensors.instruments import build_instrument_sensor
from ccdata_assets.settings import (
    UniverseSettings,
    api_settings,
    universe_settings,
    warehouse_settings,
)
from ccdata_assets.warehouse.io_manager import WarehouseIOManager
from ccdata_assets.warehouse.resource import WarehouseResource


def partitions_for(spec: TimeSeriesSpec, settings: UniverseSettings) -> dg.MultiPartitionsDefinition:
    """Date x instrument. Intraday data sets include today's date (its closed candles fill in
    during the day); daily candles only reach yesterday."""
    return dg.MultiPartitionsDefinition(
        {
            "date": dg.DailyPartitionsDefinition(
                start_date=settings.start_date.isoformat(),
                end_offset=0 if spec.interval is DAY else 1,
            ),
            "instrument": dg.DynamicPartitionsDefinition(name=spec.universe.partitions_name),
        }
    )


def spot_rule(read, settings: UniverseSettings) -> list[str]:
    return spot_universe(
        read("cc_instruments_spot"),
        read("cc_exchanges_general"),
        read("cc_assets"),
        read("cc_asset_market_data"),
        settings,
    )


def build_definitions() -> dg.Definitions:
    settings = universe_settings()
    warehouse = WarehouseResource.from_settings(warehouse_settings())
    api = CCDataApiResource.from_settings(api_settings())

    snapshot_assets = [build_snapshot_asset(spec, settings) for spec in SNAPSHOTS]
    instruments_key = dg.AssetKey(SPOT_INSTRUMENTS.outputs[0].name)
    series: list[tuple[TimeSeriesSpec, dg.UnresolvedAssetJobDefinition]] = []
    series_assets = []
    for spec in TIME_SERIES:
        partitions = partitions_for(spec, settings)
        series_assets.append(build_time_series_asset(spec, partitions, instruments_key))
        series.append(
            (
                spec,
                dg.define_asset_job(
                    f"{spec.name}_job", selection=[spec.name], partitions_def=partitions
                ),
            )
        )

    metadata_job = dg.define_asset_job(
        "metadata_job",
        selection=dg.AssetSelection.assets(*(a for asset in snapshot_assets for a in asset.keys)),
        description="Instruments, exchanges and assets: what the universes are drawn from.",
    )
    spot_sensor = build_instrument_sensor(
        universe=TIME_SERIES[0].universe,
        rule=spot_rule,
        source_tables=(
            "cc_instruments_spot",
            "cc_exchanges_general",
            "cc_assets",
            "cc_asset_market_data",
        ),
        metadata_job=metadata_job,
        time_series=series,
        settings=settings,
    )
    return dg.Definitions(
        assets=[*snapshot_assets, *series_assets],
        jobs=[metadata_job, *(job for _, job in series)],
        schedules=[
            build_metadata_schedule(metadata_job),
            *(build_time_series_schedule(spec, job, settings) for spec, job in series),
        ],
        sensors=[spot_sensor],
        resources={
            "api": api,
            "warehouse": warehouse,
            "warehouse_io_manager": WarehouseIOManager(warehouse=warehouse),
        },
    )


defs = build_definitions()
