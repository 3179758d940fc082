"""Snapshot spec -> unpartitioned (multi-)asset: fetch the endpoint once, write each table.

One endpoint can feed several tables (the asset top list fills `cc_assets` and
`cc_asset_market_data`), so each spec is a multi-asset fetched once per run. In a dry run (run
tag `ccdata/dry_run=true`) it yields no outputs, so nothing is written or materialised: each
table's rows are validated and counted by `dry_run.observe`, one observation per asset.
"""

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster import AssetExecutionContext

from ccdata_assets import clock
from ccdata_assets.api.resource import CCDataApiResource
from ccdata_assets.datasets.parse import parse_records
from ccdata_assets.datasets.settings import UniverseSettings
from ccdata_assets.datasets.spec import SnapshotSpec
from ccdata_assets.warehouse.batches import Batch, BatchStream
from ccdata_assets.warehouse.dry_run import is_dry_run, observe
from ccdata_assets.warehouse.io_manager import table_metadata
from ccdata_assets.warehouse.kind import Storage
from ccdata_assets.warehouse.resource import WarehouseResource

if TYPE_CHECKING:
    from ccdata_assets.api.client import CCDataClient


async def fetch_payloads(
    spec: SnapshotSpec, client: "CCDataClient", settings: UniverseSettings
) -> list[Any]:
    """Every request of the spec, and every page where the endpoint pages."""

    async def paged(params: dict[str, str]) -> list[Any]:
        first = await client.get(spec.path, {**params, **({"page": "1"} if spec.pages else {})})
        pages = spec.pages(first) if spec.pages else 1
        rest = await asyncio.gather(
            *(client.get(spec.path, {**params, "page": str(n)}) for n in range(2, pages + 1))
        )
        return [first, *rest]

    batches = await asyncio.gather(*(paged(params) for params in spec.requests(settings)))
    return [payload for batch in batches for payload in batch]


def build_snapshot_asset(
    spec: SnapshotSpec, settings: UniverseSettings, storage: Storage
) -> dg.AssetsDefinition:
    outs = {
        output.name: dg.AssetOut(
            description=output.description,
            io_manager_key="warehouse_io_manager",
            metadata={
                **table_metadata(output.table),
                **storage.metadata(output.table.name),
                "api_path": spec.path,
            },
            kinds=storage.kinds,
            is_required=False,  # a dry run yields no output: nothing materialised
        )
        for output in spec.outputs
    }

    @dg.multi_asset(name=spec.name, outs=outs, group_name=spec.group, pool="ccdata_api")
    def _snapshot(
        context: AssetExecutionContext, api: CCDataApiResource, warehouse: WarehouseResource
    ):
        dry_run = is_dry_run(context.run.tags)  # a bad tag is refused before any API call
        retrieved = clock.now()
        stats: dict[str, Any] = {}

        async def fetch() -> list[Any]:
            async with api.open() as client:
                payloads = await fetch_payloads(spec, client, settings)
                stats.update(client.stats.as_metadata())
                return payloads

        records = [
            {**record, **_stamps(retrieved)}
            for payload in asyncio.run(fetch())
            for record in spec.records(payload)
        ]
        context.log.info(f"{spec.name}: {len(records)} records from {api.source}")
        for output in spec.outputs:
            parsed = parse_records(
                records,
                table=output.table,
                fields=output.fields,
                required=output.key_fields,
                rules=output.rules,
                data_set=output.name,
                partition_key=None,
            )
            meta = {
                "source": api.source,
                "records": len(records),
                "api_fields_not_stored": sorted(parsed.unmapped),
                **stats,
            }
            stream = BatchStream(
                [Batch(parsed.clean, parsed.quarantined)], metadata=lambda m=meta: m
            )
            if dry_run:
                key = context.asset_key_for_output(output.name)
                yield from observe(context, warehouse.get(), key, output.table, stream)
            else:
                yield dg.Output(stream, output_name=output.name)

    return _snapshot


def _stamps(moment: datetime) -> dict[str, int]:
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return {"_RETRIEVED_AT": int(moment.timestamp()), "_SNAPSHOT_DAY": int(day.timestamp())}
