"""The backfill ledger on each backend: claims are atomic, take-overs are compare-and-set, and
figures come back as they were recorded."""

from __future__ import annotations

import threading

from ccdata_assets.warehouse.ledger import DONE, FETCHING, Ledger
from ccdata_assets.warehouse.warehouse import Warehouse

DATA_SET = "spot_ohlcv_1h"


def test_runs_racing_for_the_same_instruments_claim_each_exactly_once(warehouse: Warehouse) -> None:
    instruments = [f"kraken:C{i}-USD" for i in range(300)]  # two INSERTs of 200 and 100 rows
    won: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def claim(run_id: str) -> None:
        start.wait()
        won[run_id] = sorted(Ledger(warehouse, "race", DATA_SET, run_id).claim(instruments))

    threads = [threading.Thread(target=claim, args=(f"run-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(k for keys in won.values() for k in keys) == sorted(instruments)


def test_a_claim_is_taken_over_once_and_finished_with_its_figures(warehouse: Warehouse) -> None:
    key = "kraken:BTC-USD"
    assert Ledger(warehouse, "b1", DATA_SET, "dead").claim([key]) == {key}
    [claim] = Ledger(warehouse, "b1", DATA_SET, "r1").read([key, "kraken:ETH-USD"]).values()
    assert (claim.instrument, claim.run_id, claim.status) == (key, "dead", FETCHING)
    assert Ledger(warehouse, "b1", DATA_SET, "r1").claim([key]) == set()  # held by "dead"
    assert Ledger(warehouse, "b1", DATA_SET, "r1").take_over(key, "dead")
    assert not Ledger(warehouse, "b1", DATA_SET, "r2").take_over(key, "dead")  # r1 was first

    figures = {f"2026-03-01|{key}": {"rows_written": 744, "first_period": "2026-03-01 00:00:00"}}
    Ledger(warehouse, "b1", DATA_SET, "r1").finish({key: figures})
    [done] = Ledger(warehouse, "b1", DATA_SET, "r3").read([key]).values()
    assert (done.run_id, done.status) == ("r1", DONE)
    assert Ledger(warehouse, "b1", DATA_SET, "r3").figures([key]) == {key: figures}
    assert not Ledger(warehouse, "b1", DATA_SET, "r3").take_over(key, "r1")  # done stays done
    # Another backfill, or another data set, of the same instrument has claims of its own.
    assert Ledger(warehouse, "b2", DATA_SET, "r4").claim([key]) == {key}
    assert Ledger(warehouse, "b1", "spot_ohlcv_1d", "r5").claim([key]) == {key}
