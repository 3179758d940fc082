"""Time-series spec -> partitioned asset (date x instrument) that streams candles to the warehouse.

A run gets a rectangle of partitions (a schedule tick: one date x all instruments; a backfill:
many dates x one instrument). Every instrument's dates become spans, every span becomes
ceil(points / limit) API pages, and a fixed pool of workers fetches the pages concurrently, as
fast as the client's rate limiter allows. Each page is parsed as it lands, and pages are handed to
the IO manager in batches of about `WRITE_ROWS` rows while later pages are still being fetched,
so memory stays flat however long the history.

A run of a backfill (tag `dagster/backfill`) fetches in rounds the instruments it holds in the
backfill ledger, each over every window the backfill targets, and reads the figures of the others
from it (`shared_backfill.py`), so a UI backfill costs the same calls however Dagster splits it.

In a dry run (run tag `ccdata/dry_run=true`) the asset yields no output, so nothing is written and
no partition is materialised: the same stream is consumed and validated by
`dry_run.observe`, and each partition of the run gets an observation with its counts.
"""

import asyncio
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from ccdata_assets import clock
from ccdata_assets.api.errors import ApiError
from ccdata_assets.api.page_rows import PageRows
from ccdata_assets.api.paging import Page, fetch_page, plan_pages
from ccdata_assets.api.resource import CCDataApiResource
from ccdata_assets.assets.partition_figures import PartitionTally
from ccdata_assets.assets.planning import Span, after_stored, plan
from ccdata_assets.assets.shared_backfill import share_backfill
from ccdata_assets.assets.streaming import AsyncFeed, Emit
from ccdata_assets.checks.streamed import (
    RUN_SUMMARY_KEY,
    SUMMARY_KEY,
    StreamedChecks,
    run_totals,
)
from ccdata_assets.datasets.parse import Parsed, parse_series
from ccdata_assets.datasets.records import source_field
from ccdata_assets.datasets.spec import TimeSeriesSpec
from ccdata_assets.datasets.universe import instrument_bounds
from ccdata_assets.partitions import InstrumentKey, describe_windows, multi_key
from ccdata_assets.warehouse.batches import AfterWrites, Batch, BatchStream, coalesce
from ccdata_assets.warehouse.dry_run import PartitionColumns, is_dry_run, observe
from ccdata_assets.warehouse.io_manager import table_metadata
from ccdata_assets.warehouse.kind import Storage
from ccdata_assets.warehouse.resource import WarehouseResource

SCHEDULE_TAG = "dagster/schedule_name"  # set on a schedule tick's run
WRITE_ROWS = 25_000  # pages are written together in batches of about this many rows
# Parsed pages the fetch may hold ahead of the writer: more than a write batch (~13 full pages),
# so fetching goes on while a batch is written (with 4 it stalled for every write: 1.5 s of a
# 182k-row run). At most ~20 MB.
PAGES_AHEAD = 32
# A batch as small as a full page is written early when the writer would otherwise wait: the
# first write starts after one page, not thirteen. Smaller pages (a schedule tick's one candle
# per instrument) still wait to be written together.
EARLY_WRITE_ROWS = 2_000


class InstrumentsFailedError(RuntimeError):
    """Some instruments could not be fetched; every other instrument's rows were written."""


@dataclass
class RunProgress:
    """What a run did, for the materialisation's metadata."""

    instruments: int = 0
    pages_planned: int = 0
    rows_fetched: int = 0
    instruments_with_rows: set[str] = field(default_factory=set)
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    unmapped_fields: set[str] = field(default_factory=set)  # API fields no column takes


def page_jobs(
    spec: TimeSeriesSpec, planned: Mapping[InstrumentKey, list[Span]]
) -> list[tuple[InstrumentKey, Span, Page]]:
    unit, limit = spec.interval.seconds, spec.interval.max_limit
    return [
        (instrument, span, page)
        for instrument, spans in planned.items()
        for span in spans
        for page in plan_pages(span.first, span.last, unit, limit)
    ]


def build_time_series_asset(
    spec: TimeSeriesSpec,
    partitions_def: dg.MultiPartitionsDefinition,
    instruments_key: dg.AssetKey,
    storage: Storage,
) -> dg.AssetsDefinition:
    counted_by = PartitionColumns(partitions_def, spec.time_column, list(spec.instrument_columns))

    @dg.asset(
        name=spec.name,
        group_name=spec.group,
        description=f"{spec.description}\n\n{describe_windows(spec, partitions_def)}".strip(),
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        ins={"instruments": dg.AssetIn(key=instruments_key)},
        io_manager_key="warehouse_io_manager",
        metadata={
            **table_metadata(spec.table),
            **storage.metadata(spec.table.name),
            "ccdata/time_column": spec.time_column,
            "ccdata/instrument_columns": list(spec.instrument_columns),
            "api_path": spec.path,
            "page_size": spec.interval.max_limit,
        },
        kinds=storage.kinds,
        pool="ccdata_api",
        output_required=False,  # a dry run yields no output: nothing materialised
    )
    def _asset(
        context: AssetExecutionContext,
        api: CCDataApiResource,
        warehouse: WarehouseResource,
        instruments: pl.DataFrame,
    ) -> Iterator[dg.Output[BatchStream] | dg.AssetObservation]:
        now = clock.now()
        bounds = instrument_bounds(instruments, spec.universe)
        keys = [str(key) for key in context.partition_keys]
        planned = plan(keys, spec.interval, bounds, now)
        if SCHEDULE_TAG in context.run.tags:
            newest = newest_stored(warehouse, spec, planned)
            planned = after_stored(planned, newest, spec.interval.seconds)
        dry_run = is_dry_run(context.run.tags)
        shared = (
            None
            if dry_run
            else share_backfill(
                context,
                spec.name,
                warehouse.get(),
                lambda some: len(page_jobs(spec, plan(some, spec.interval, bounds, now))),
            )
        )
        tally = PartitionTally(partitions_def, shared.keys if shared else keys)
        progress = RunProgress(instruments=len(planned))
        requested: dict[InstrumentKey, list[Span]] = {}  # what the API was asked for
        checks = StreamedChecks(spec, keys)  # the checks' figures, on the way
        time_field = source_field(spec.time_column, spec.fields)

        def count_page(instrument: str, parsed: Parsed) -> None:
            """Each parsed page, in its parse worker thread: the partitions' own figures and,
            unless nothing is written, the checks' figures."""
            tally.add_page(instrument, parsed, spec.time_column, time_field)
            if not dry_run:
                checks.add(parsed.clean)

        from ccdata_assets.api.client import ApiStats  # at run time: aiohttp stays out of loads

        stats: dict[str, Any] = dict(ApiStats().as_metadata())  # zeros, if nothing is fetched

        def fetch(wanted: Mapping[InstrumentKey, list[Span]]) -> Iterator[Batch]:
            """Every page of `wanted`, fetched concurrently and parsed, as batches."""
            jobs = page_jobs(spec, wanted)
            requested.update(wanted)
            progress.pages_planned += len(jobs)
            context.log.info(
                f"{spec.name}: {len(wanted)} instruments, {len(jobs)} API pages "
                f"({_limits(jobs)}), source: {api.source}"
            )

            async def produce(emit: Emit) -> None:
                started = time.monotonic()
                async with api.open() as client:
                    await fetch_all(
                        spec, jobs, client, emit, progress, api.max_concurrency, count_page
                    )
                    for name, value in client.stats.as_metadata().items():
                        stats[name] = round(stats[name] + value, 3)
                progress.seconds += time.monotonic() - started
                if progress.failures:
                    raise InstrumentsFailedError(_failure_message(progress.failures))

            feed = AsyncFeed(produce, max_pending=PAGES_AHEAD)
            return coalesce(feed, WRITE_ROWS, waiting=feed.waiting, at_least=EARLY_WRITE_ROWS)

        def batches() -> Iterator[Batch | AfterWrites]:
            """The run's batches; in a backfill, rounds of the instruments it holds in the
            ledger, each recorded as done once the IO manager has written its rows."""
            if shared is None:
                yield from fetch(planned)
                return
            while True:
                mine = shared.next_round()
                if mine:
                    context.log.info(
                        f"{spec.name}: backfill {shared.ledger.backfill_id}: this run fetches "
                        f"{len(mine)} instrument(s) over all {len(shared.keys_of(mine))} of the "
                        f"backfill's partitions of them; {len(shared.read)} fetched by other runs"
                    )
                    try:
                        yield from fetch(plan(shared.keys_of(mine), spec.interval, bounds, now))
                    except InstrumentsFailedError:
                        done = mine - set(progress.failures)
                        yield AfterWrites(lambda done=done: shared.finish(done, tally))
                        raise
                    yield AfterWrites(lambda mine=mine: shared.finish(mine, tally))
                elif shared.pending:
                    shared.wait()
                else:
                    return

        def partition(key: str, judged: Mapping[str, Any]) -> dict[str, Any]:
            """A partition's own figures (recorded by the run that fetched it, in a shared
            backfill) and the checks' figures of it, where streamed."""
            figures = (shared.figures(key) if shared else None) or tally.figures[key].as_metadata()
            if key in judged:
                figures[SUMMARY_KEY] = dg.MetadataValue.json(judged[key])
            return figures

        def metadata() -> dict[str, Any]:
            """The run's figures (on every partition); called once the stream is consumed, which
            is also when each partition's own figures are known and given to it."""
            judged = {} if dry_run else _figures(context, checks, warehouse)
            if shared is not None:  # partitions whose rows another run fetched: not streamed
                judged = {k: v for k, v in judged.items() if shared.figures(k) is None}
            if not dry_run:
                give_partitions_metadata(context, {key: partition(key, judged) for key in keys})
            return {
                "source": api.source,
                "instruments_in_run": progress.instruments,
                "api_pages_planned_in_run": progress.pages_planned,
                **{f"{name}_in_run": value for name, value in stats.items()},
                "rows_fetched_in_run": progress.rows_fetched,
                "instruments_without_rows": _without_rows(requested, progress),
                "fetch_wall_seconds_in_run": round(progress.seconds, 3),
                "as_of": now.isoformat(timespec="seconds"),
                "api_fields_not_stored": sorted(progress.unmapped_fields),
                "check_figures_seconds_in_run": round(checks.seconds, 3),
                **(
                    {
                        RUN_SUMMARY_KEY: dg.MetadataValue.json(
                            run_totals(judged, checks.limits.sample)
                        )
                    }
                    if judged
                    else {}
                ),
                **(
                    {"instruments_fetched_by_other_runs": len(shared.read)}
                    if shared is not None
                    else {}
                ),
            }

        stream = BatchStream(batches(), metadata=metadata)
        if dry_run:
            yield from observe(
                context, warehouse.get(), context.asset_key, spec.table, stream, counted_by
            )
        else:
            yield dg.Output(stream)
        empty = _without_rows(requested, progress)
        if empty:
            context.log.warning(
                f"{spec.name}: the API returned no rows for {len(empty)} of {len(requested)} "
                f"instrument(s) in this run's windows: {', '.join(empty[:10])}"
                f"{' and more' if len(empty) > 10 else ''} (delisted, renamed or not trading?)."
            )

    return _asset


def give_partitions_metadata(
    context: AssetExecutionContext, by_key: Mapping[str, Mapping[str, Any]]
) -> None:
    """Each of the run's partitions gets its own metadata on its materialisation."""
    # private: context.add_asset_metadata lists the run's whole partition range again on every
    # call to check the key (~10 ms a call at 260 partitions, more as the range grows), so one
    # call per partition cost O(partitions^2): 2-4 s of a run over 20 instruments x 13 months.
    # The keys here are the run's own (context.partition_keys), so they need no check.
    step = context.op_execution_context._step_execution_context
    for key, metadata in by_key.items():
        step._metadata_accumulator = step._metadata_accumulator.with_additional_asset_metadata(
            asset_key=context.asset_key, partition_key=key, metadata=metadata
        )


async def fetch_all(
    spec: TimeSeriesSpec,
    jobs: list[tuple[InstrumentKey, Span, Page]],
    client: Any,
    emit: Emit,
    progress: RunProgress,
    workers: int,
    on_page: Callable[[str, Parsed], None] | None = None,
) -> None:
    """Fetch every page with `workers` concurrent workers; parse and emit each as it lands.
    `on_page(instrument key, parsed page)` sees every page in its parse worker thread."""
    pending = iter(jobs)
    unit = spec.interval.seconds
    page_fields = spec.page_fields or (lambda market, instrument: {})

    def parse(instrument: str, rows: PageRows, partition_key: str) -> Parsed:
        parsed = parse_series(spec, rows, partition_key)
        if on_page is not None:
            on_page(instrument, parsed)
        return parsed

    async def worker() -> None:
        for instrument, span, page in pending:
            if instrument.key in progress.failures:
                continue
            params = spec.request_params(instrument.market, instrument.instrument)
            try:
                rows = await fetch_page(
                    client, spec.path, params, page, unit, span.first, span.last
                )
            except ApiError as error:
                if error.retryable:
                    raise
                progress.failures[instrument.key] = str(error)
                continue
            progress.rows_fetched += len(rows)
            if not rows:
                continue
            progress.instruments_with_rows.add(instrument.key)
            key = multi_key(f"{_day(page.first_ts(unit))}..{_day(page.to_ts)}", instrument.key)
            extra = page_fields(instrument.market, instrument.instrument)
            # In a worker thread: polars parses without the GIL while the loop keeps fetching.
            parsed = await asyncio.to_thread(parse, instrument.key, rows.with_fields(extra), key)
            progress.unmapped_fields.update(parsed.unmapped)
            await emit(Batch(parsed.clean, parsed.quarantined))

    await asyncio.gather(*(worker() for _ in range(max(1, workers))))


def _figures(
    context: AssetExecutionContext, checks: StreamedChecks, warehouse: WarehouseResource
) -> dict[str, dict[str, Any]]:
    """The checks' figures of the run's partitions; none if they cannot be made (the rows are
    written and the checks then read them from the table), with the reason in the run's log."""
    try:
        return checks.figures(warehouse.get())
    except Exception as error:
        context.log.warning(
            f"Check figures could not be computed while streaming ({type(error).__name__}: "
            f"{str(error)[:300]}); this run's checks read its partitions from the table."
        )
        return {}


def _limits(jobs: list[tuple[InstrumentKey, Span, Page]]) -> str:
    """The `limit` the pages are actually sent with (a span's last page asks only for the rest)."""
    sizes = sorted({page.limit for _, _, page in jobs})
    if not sizes:
        return "no pages"
    if len(sizes) == 1:
        return f"limit={sizes[0]}"
    return f"limit={sizes[0]}..{sizes[-1]}"


def _without_rows(planned: Mapping[InstrumentKey, list[Span]], progress: RunProgress) -> list[str]:
    """Instruments the API was asked for and answered with no rows at all (failed ones are
    reported apart; those with nothing to ask for, up to date or delisted, are not asked)."""
    keys = {instrument.key for instrument, spans in planned.items() if spans}
    return sorted(keys - progress.instruments_with_rows - set(progress.failures))


def newest_stored(
    warehouse: WarehouseResource, spec: TimeSeriesSpec, planned: Mapping[InstrumentKey, list[Span]]
) -> dict[InstrumentKey, datetime]:
    """The newest stored period of each planned instrument inside the planned spans."""
    spans = [span for spans in planned.values() for span in spans]
    if not spans:
        return {}
    unit = spec.interval.seconds
    start = datetime.fromtimestamp(min(s.first for s in spans), UTC).replace(tzinfo=None)
    end = datetime.fromtimestamp(max(s.last for s in spans) + unit, UTC).replace(tzinfo=None)
    with warehouse.get().connect(read_only=True) as session:
        newest = session.newest(spec.table, spec.time_column, spec.instrument_columns, start, end)
    return {InstrumentKey(m, i): moment for (m, i), moment in newest.items()}


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def _failure_message(failures: Mapping[str, str]) -> str:
    shown = "; ".join(f"{key}: {why.rstrip('.')}" for key, why in sorted(failures.items())[:5])
    more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
    return (
        f"{len(failures)} instrument(s) could not be fetched and all others were written "
        f"(re-run these partitions once the cause is fixed): {shown}{more}."
    )
