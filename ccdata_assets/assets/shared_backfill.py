"""A backfill's runs share their API pages: each instrument is fetched once for the whole backfill.

Dagster splits a backfill launched from the UI into runs by holding the dimension with fewer keys
constant, so with more instruments than windows each run is one window x every instrument, and
paging each run's rectangle alone would cost a call per instrument per window. Instead a run
tagged `dagster/backfill` looks up the backfill's target partitions of its asset in the instance
and, for each of its instruments, claims the instrument in the ledger (`warehouse/ledger.py`).
The run that holds a claim pages the instrument over every window the backfill targets (the
fewest calls: ceil(points / limit)), writes all its rows (partitions of later runs land early;
upserts are idempotent) and then records each partition's figures. The backfill's other runs make
no call for that instrument: they wait for the claim to be done and give their partitions the
recorded figures. A claim whose run has finished without completing it (failed, canceled) is
taken over, so re-running a failed partition completes the backfill.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from ccdata_assets.assets.partition_figures import PartitionTally
from ccdata_assets.partitions import parse_partition_key
from ccdata_assets.warehouse.ledger import Claim, Ledger
from ccdata_assets.warehouse.warehouse import Warehouse

BACKFILL_TAG = "dagster/backfill"  # set by the daemon on every run of a backfill
# How long a run waits for instruments another live run is fetching. That run finishes, or run
# monitoring stops it (max_runtime_seconds, 6 h in local/ and deploy/dagster.yaml) and its claim
# is taken over, so this bound only matters when nothing else would end the wait.
WAIT_SECONDS = 6 * 3600.0
POLL_SECONDS = 2.0
# A run claims instruments a few at a time, about this many API pages' worth: concurrent runs of a
# backfill share the fetching, and a run that dies leaves only its current round to be redone.
ROUND_PAGES = 500


class BackfillWaitError(RuntimeError):
    """Another run of the backfill held an instrument longer than this run may wait."""


@dataclass
class SharedBackfill:
    """One run's share of a backfill of its asset: the instruments it still has to account for."""

    ledger: Ledger
    instance: dg.DagsterInstance
    keys: list[str]  # the backfill's partitions of the run's instruments (the run's own included)
    pending: set[str]  # instruments whose rows are not known to be written yet
    pages: Callable[[list[str]], int]  # API pages that cover some partition keys
    by_instrument: dict[str, list[str]] = field(default_factory=dict)  # instrument -> its keys
    read: dict[str, str] = field(default_factory=dict)  # instrument another run fetched -> run
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> its figures
    _costs: dict[str, int] = field(default_factory=dict)
    _deadline: float | None = None

    def __post_init__(self) -> None:
        for key in self.keys:
            self.by_instrument.setdefault(parse_partition_key(key)[1].key, []).append(key)

    def keys_of(self, instruments: Iterable[str]) -> list[str]:
        return [key for instrument in instruments for key in self.by_instrument.get(instrument, [])]

    def cost(self, instrument: str) -> int:
        """API pages of `instrument` over every window of the backfill."""
        if instrument not in self._costs:
            self._costs[instrument] = self.pages(self.keys_of([instrument]))
        return self._costs[instrument]

    def next_round(self) -> set[str]:
        """The instruments this run fetches next, at most ROUND_PAGES pages' worth (at least
        one): unclaimed ones and those of runs that finished without completing them. Those
        another run has completed are read instead. Empty when the rest are held by live runs."""
        me = self.ledger.run_id
        while True:
            claims = self.ledger.read(self.pending)
            done = {i: claim.run_id for i, claim in claims.items() if claim.done}
            if done:
                for by_key in self.ledger.figures(done).values():
                    self.recorded.update(by_key)
                self.read.update(done)
                self.pending.difference_update(done)
            finished: dict[str, bool] = {}
            open_ = [
                (instrument, claims.get(instrument))
                for instrument in sorted(self.pending)
                if (claim := claims.get(instrument)) is None
                or claim.run_id == me
                or self._finished(claim.run_id, finished)
            ]
            if not open_:
                return set()
            chunk: list[tuple[str, Claim | None]] = []
            pages = 0
            for instrument, claim in open_:
                if chunk and pages + self.cost(instrument) > ROUND_PAGES:
                    break
                chunk.append((instrument, claim))
                pages += self.cost(instrument)
            won = self.ledger.claim([i for i, claim in chunk if claim is None])
            won.update(
                i
                for i, claim in chunk
                if claim is not None
                and (claim.run_id == me or self.ledger.take_over(i, claim.run_id))
            )
            if won:
                return won  # else other runs claimed the chunk first: look again

    def finish(self, instruments: Iterable[str], tally: PartitionTally) -> None:
        """Record `instruments` as done with each partition's figures (their rows are written)."""
        done = sorted(set(instruments))
        self.ledger.finish(
            {i: {key: tally.figures[key].as_metadata() for key in self.keys_of([i])} for i in done}
        )
        self.pending.difference_update(done)

    def wait(self) -> None:
        """Sleep a poll interval while other runs fetch the pending instruments, within bounds."""
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + WAIT_SECONDS
        if now >= self._deadline:
            shown = ", ".join(sorted(self.pending)[:5])
            more = f" and {len(self.pending) - 5} more" if len(self.pending) > 5 else ""
            raise BackfillWaitError(
                f"Backfill {self.ledger.backfill_id}: another run still fetches {shown}{more} of "
                f"{self.ledger.data_set} after {WAIT_SECONDS:.0f} s, so this run stops "
                "waiting (re-run its partitions once that run has finished or been canceled)."
            )
        time.sleep(POLL_SECONDS)

    def figures(self, key: str) -> dict[str, Any] | None:
        """The figures another run recorded for partition `key`, with that run's id."""
        run_id = self.read.get(parse_partition_key(key)[1].key)
        if run_id is None:
            return None
        recorded = self.recorded.get(key, {"rows_written": 0, "rows_quarantined": 0})
        return {**recorded, "fetched_in_run": run_id}

    def _finished(self, run_id: str, known: dict[str, bool]) -> bool:
        """Whether run `run_id` has finished (failed, canceled, or gone), asked once a round."""
        if run_id not in known:
            run = self.instance.get_run_by_id(run_id)
            known[run_id] = run is None or run.is_finished
        return known[run_id]


def share_backfill(
    context: dg.AssetExecutionContext,
    data_set: str,
    warehouse: Warehouse,
    pages: Callable[[list[str]], int],
) -> SharedBackfill | None:
    """The run's share of its backfill, or None for a run that belongs to no backfill of its
    asset (a schedule tick, a sensor's history fill, a run launched by hand). `pages` prices
    partition keys in API pages."""
    backfill_id = context.run.tags.get(BACKFILL_TAG)
    if not backfill_id:
        return None
    run_keys = [str(key) for key in context.partition_keys]
    instruments = {parse_partition_key(key)[1].key for key in run_keys}
    target = _target_keys(context, backfill_id)
    if target is None:
        context.log.warning(
            f"Backfill {backfill_id} was not found or does not target {data_set}: this run "
            "fetches only its own partitions."
        )
        return None
    keys = [key for key in target if parse_partition_key(key)[1].key in instruments]
    return SharedBackfill(
        ledger=Ledger(warehouse, backfill_id, data_set, context.run.run_id),
        instance=context.instance,
        keys=sorted(set(keys) | set(run_keys)),
        pending=instruments,
        pages=pages,
    )


def _target_keys(context: dg.AssetExecutionContext, backfill_id: str) -> Sequence[str] | None:
    """The partition keys of the run's asset that backfill `backfill_id` targets."""
    backfill = context.instance.get_backfill(backfill_id)
    if backfill is None:
        return None
    if not backfill.is_asset_backfill:  # a job backfill (launched from a job's Partitions tab)
        return list(backfill.partition_names or [])
    data = backfill.asset_backfill_data or backfill.get_asset_backfill_data(
        context.repository_def.asset_graph
    )
    subsets: Mapping[dg.AssetKey, Any] = data.target_subset.partitions_subsets_by_asset_key
    subset = subsets.get(context.asset_key)
    if subset is None:
        return None
    with dg.partition_loading_context(dynamic_partitions_store=context.instance):
        return [str(key) for key in subset.get_partition_keys()]
