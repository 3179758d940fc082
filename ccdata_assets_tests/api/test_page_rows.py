"""Pages read by polars straight from the response bytes parse exactly as the decoded records do.

The frame path is the fast one every historical page takes; the records path is the general one
(and the reference). Real simulator pages, with every malformed-row kind and an unannounced field
switched on, must give the same clean rows, the same quarantined rows and reasons (with the
records as the API sent them) and the same unmapped fields either way.
"""

from __future__ import annotations

import orjson
import pytest
from polars.testing import assert_frame_equal

from ccdata_assets.api.page_rows import PageRows
from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.datasets.parse import parse_series
from ccdata_assets.simulator import FaultConfig, SimulatorConfig, serve_in_thread
from ccdata_assets_tests.support import SIM_NOW as NOW
from ccdata_assets_tests.support import fetch

SPECS = {spec.name: spec for spec in TIME_SERIES}
CASES = [
    ("spot_ohlcv_1h", "kraken", "BTC-USD"),
    ("spot_ohlcv_1d", "kraken", "BTC-USD"),
    ("futures_funding_rate_1h", "binance", "BTC-USDT-VANILLA-PERPETUAL"),
    ("futures_open_interest_1m", "binance", "BTC-USDT-VANILLA-PERPETUAL"),
    ("index_ohlcv_1h", "cadli", "BTC-USD"),  # the page adds fields its rows lack
]


@pytest.fixture(scope="module")
def faulty_simulator():
    faults = FaultConfig(corrupt_every=5, extra_field="NEW_METRIC", spike_every=7)
    with serve_in_thread(SimulatorConfig(now=NOW, faults=faults)) as sim:
        yield sim


@pytest.mark.parametrize(("name", "market", "instrument"), CASES)
def test_a_page_read_from_its_bytes_parses_as_its_decoded_records_do(
    faulty_simulator, name: str, market: str, instrument: str
) -> None:
    spec = SPECS[name]
    unit = spec.interval.seconds
    params = {
        **spec.request_params(market, instrument),
        "limit": "300",
        "to_ts": str(NOW - NOW % unit - unit),
    }
    reply = fetch(faulty_simulator.base_url, spec.path, params)
    assert reply.status == 200, reply.body[:300]
    extra = spec.page_fields(market, instrument) if spec.page_fields else {}
    records = [{**extra, **row} for row in orjson.loads(reply.body)["Data"]]

    read = PageRows.read(reply.body)
    assert read is not None and read.frame is not None  # the fast path was taken
    fast = parse_series(spec, read.with_fields(extra), "key")
    reference = parse_series(spec, records, "key")

    assert reference.quarantined.height > 0 and reference.clean.height > 0  # faults reached it
    assert_frame_equal(fast.clean, reference.clean)
    assert_frame_equal(fast.quarantined, reference.quarantined)
    assert fast.unmapped == reference.unmapped and "NEW_METRIC" in fast.unmapped


@pytest.mark.parametrize(
    "body",
    [
        b'{"Data": [{"TIMESTAMP": 1, "CLOSE": NaN}], "Err": {}}',  # NaN: polars refuses it
        b'{"Data": [{"TIMESTAMP": 1, "ID": 123456789012345678901234567890}], "Err": {}}',
        b'{"Data": [{"TIMESTAMP": 1, "NESTED": {"A": 1}}], "Err": {}}',
        b'{"Data": [null, {"TIMESTAMP": 1}], "Err": {}}',
        b'{"Data": {"kraken": {"instruments": {}}}, "Err": {}}',  # not a list of rows
        b'{"Response": "Error", "Message": "rate limit", "Data": []}',  # Min API error envelope
        b'{"Err": {"type": 1, "message": "no Data at all"}}',
        b"not json",
    ],
)
def test_bodies_polars_cannot_read_exactly_are_left_to_the_general_decoding(body: bytes) -> None:
    assert PageRows.read(body) is None


def test_an_empty_page_reads_as_no_rows() -> None:
    rows = PageRows.read(b'{"Data": [], "Err": {}}')
    assert rows is not None and len(rows) == 0


def test_rows_outside_the_page_are_dropped_and_the_rest_keep_their_records() -> None:
    body = (
        b'{"Data": [{"TIMESTAMP": 3600, "CLOSE": 1.0}, {"TIMESTAMP": 7200, "CLOSE": 2.0},'
        b' {"CLOSE": 3.0}, {"TIMESTAMP": 10800, "CLOSE": 4.0}], "Err": {}}'
    )
    rows = PageRows.read(body)
    assert rows is not None
    assert rows.within(0, 10800, 3600) is rows  # nothing outside: the frame is kept as read
    kept = rows.within(3600, 7200, 3600)
    assert [dict(r) for r in kept.records()] == [
        {"TIMESTAMP": 3600, "CLOSE": 1.0},
        {"TIMESTAMP": 7200, "CLOSE": 2.0},
        {"CLOSE": 3.0},  # no timestamp: kept for validation to quarantine with a reason
    ]
