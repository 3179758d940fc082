"""Run totals from real materialisations of a two-partition asset on a persistent instance:
each run counted once, `<figure>_in_run` preferred, and only new records read per refresh."""

# No `from __future__ import annotations`: Dagster reads the asset's context annotation.

import dagster as dg

from ccdata_assets.metrics.events import MaterializationTotals

PARTITIONS = dg.StaticPartitionsDefinition(["a", "b"])


def materialize(instance: dg.DagsterInstance, metadata: dict[str, int]) -> None:
    @dg.asset(
        name="demo", partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run()
    )
    def demo(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        assert len(context.partition_keys) == 2
        return dg.MaterializeResult(metadata=metadata)

    result = dg.materialize(
        [demo],
        instance=instance,
        tags={"dagster/asset_partition_range_start": "a", "dagster/asset_partition_range_end": "b"},
    )
    assert result.success
    assert len(result.get_asset_materialization_events()) == 2  # one per partition


def test_each_run_counts_once_and_prefers_the_run_figure(tmp_path) -> None:
    instance = dg.DagsterInstance.local_temp(tempdir=str(tmp_path))
    totals = MaterializationTotals(["demo"], max_records=10_000)
    materialize(instance, {"rows_written": 5, "api_calls": 2, "api_429s": 1})
    first = totals.refresh(instance)["demo"]
    assert first.figures == {"rows_written": 5, "rows_quarantined": 0, "api_calls": 2, "api_429": 1}
    assert first.runs == 1

    # Per-partition counts with the run's alongside: the run's figure is read, once.
    materialize(instance, {"rows_written": 3, "rows_written_in_run": 7, "api_calls": 1})
    second = totals.refresh(instance)["demo"]
    assert second.figures["rows_written"] == 5 + 7
    assert second.figures["api_calls"] == 2 + 1
    assert second.runs == 2
    assert totals.refresh(instance)["demo"].figures == second.figures  # nothing new, nothing added
    assert second.cursor is not None and second.cursor > (first.cursor or 0)
