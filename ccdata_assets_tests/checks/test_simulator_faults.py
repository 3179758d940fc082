"""The simulator's valid-row faults over real HTTP: dropped buckets, price spikes, an extra field.

They are what the checks are tested against, so they must be deterministic (the same bucket on
every fetch and every page layout) and must not touch buckets they did not pick.
"""

from __future__ import annotations

from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.datasets.parse import parse_series
from ccdata_assets.simulator import FaultConfig, SimulatorConfig, serve_in_thread
from ccdata_assets.simulator.faults import SPIKE_FACTOR, bucket_hit
from ccdata_assets_tests.support import SIM_NOW as NOW
from ccdata_assets_tests.support import fetch

HOURS = "/spot/v1/historical/hours"
PARAMS = {"market": "kraken", "instrument": "BTC-USD", "limit": "200", "to_ts": str(NOW - 7200)}


def _rows(faults: FaultConfig, **params: str) -> list[dict]:
    with serve_in_thread(SimulatorConfig(now=NOW, faults=faults)) as sim:
        first = fetch(sim.base_url, HOURS, {**PARAMS, **params})
        again = fetch(sim.base_url, HOURS, {**PARAMS, **params})
    assert first.status == 200 and first.body == again.body
    return first.json()["Data"]


def test_dropped_and_spiked_buckets_are_chosen_by_bucket_and_leave_the_rest_alone() -> None:
    clean = {r["TIMESTAMP"]: r for r in _rows(FaultConfig())}
    faults = FaultConfig(drop_bucket_every=24, spike_every=50, extra_field="NEW_METRIC")
    faulty = {r["TIMESTAMP"]: r for r in _rows(faults)}
    dropped = sorted(set(clean) - set(faulty))
    sample = next(iter(clean.values()))
    key = f"{sample['MARKET']}:{sample['INSTRUMENT']}"  # the exchange's own symbol
    assert dropped == [ts for ts in sorted(clean) if bucket_hit("drop", key, 3600, ts, 24)]
    assert 200 // 24 <= len(dropped) <= 200 // 24 + 1
    spiked = [ts for ts in faulty if bucket_hit("spike", key, 3600, ts, 50)]
    assert spiked
    for ts, row in faulty.items():
        factor = SPIKE_FACTOR if ts in spiked else 1.0
        for name in ("OPEN", "HIGH", "LOW", "CLOSE"):
            assert row[name] == clean[ts][name] * factor
        assert row["NEW_METRIC"] == "injected"
        assert {
            k: v for k, v in row.items() if k not in ("OPEN", "HIGH", "LOW", "CLOSE", "NEW_METRIC")
        } == {k: v for k, v in clean[ts].items() if k not in ("OPEN", "HIGH", "LOW", "CLOSE")}
    # Another page layout (a smaller page ending earlier) drops the same buckets.
    earlier = {r["TIMESTAMP"] for r in _rows(faults, limit="50", to_ts=str(NOW - 7200 - 3600 * 60))}
    assert not earlier & set(dropped)


def test_spiked_rows_still_pass_the_row_rules_and_the_extra_field_is_reported() -> None:
    spec = next(s for s in TIME_SERIES if s.name == "spot_ohlcv_1h")
    rows = _rows(FaultConfig(spike_every=10, extra_field="NEW_METRIC"))
    parsed = parse_series(spec, rows)
    assert parsed.quarantined.height == 0 and parsed.clean.height == len(rows)
    assert parsed.unmapped == {"NEW_METRIC", "UNIT", "TYPE"}
