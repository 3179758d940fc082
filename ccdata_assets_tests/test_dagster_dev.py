"""The README's first command, for real: `dagster dev` on a fresh home, then no clicks.

The daemon's sensors must ask for metadata, discover the universe and launch runs that write
candles into the embedded warehouse, all on their own. The clock is the real one (the daemon's
schedules run on it), so the history window is derived from it: it always holds a closed day.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from ccdata_assets.datasets.catalog import TIME_SERIES
from ccdata_assets.partitions import newest_window
from ccdata_assets.warehouse.resource import WarehouseResource

REPO = Path(__file__).resolve().parents[1]
# Usually a few minutes; the deadline leaves room for a 2-core machine busy with other work.
DEADLINE_SECONDS = 1200
SPOT_1D = next(spec for spec in TIME_SERIES if spec.name == "spot_ohlcv_1d")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.timeout(DEADLINE_SECONDS + 120)
def test_dagster_dev_fills_the_warehouse_without_clicks(tmp_path: Path) -> None:
    home, data = tmp_path / "dagster_home", tmp_path / "ccdata"
    home.mkdir()
    shutil.copy(REPO / "local" / "dagster.yaml", home / "dagster.yaml")
    # History starts with the month holding the newest closed day, not the current month: on the
    # 1st (UTC) the current month has no closed day, so no 1d run would ever be launched. The
    # newest closed day only moves forward, so the window still holds one when the sensor runs.
    start = newest_window(SPOT_1D, datetime.now(UTC))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("S2_", "SINGLESTOREDB"))},
        "DAGSTER_HOME": str(home),
        "CCDATA_HOME": str(data),
        # A small universe and a short history, so the first fills finish in a minute or two.
        "CCDATA_SPOT_EXCHANGES": "kraken",
        "CCDATA_TOP_N_ASSETS": "1",
        "CCDATA_FUTURES_STATUSES": "ACTIVE",
        "CCDATA_INDEX_MARKETS": "cadli",
        "CCDATA_START_DATE": start.isoformat(),
        "CCDATA_MINUTE_HISTORY_DAYS": "1",
    }
    for name in ("CCDATA_API_KEY", "DATA_API_BASE_URL", "CCDATA_NOW"):
        env.pop(name, None)
    log = (tmp_path / "dagster_dev.log").open("w")
    process = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "dagster"),
            "dev",
            "-w",
            "workspace.yaml",
            "-p",
            str(free_port()),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        os.environ["DAGSTER_HOME"] = str(home)
        instance = dg.DagsterInstance.get()
        succeeded: set[str] = set()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline and "spot_ohlcv_1d_job" not in succeeded:
            assert process.poll() is None, (tmp_path / "dagster_dev.log").read_text()[-3000:]
            time.sleep(5)
            runs = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
            succeeded = {run.job_name for run in runs}
        assert {"metadata_job", "spot_ohlcv_1d_job"} <= succeeded, (
            f"after {DEADLINE_SECONDS}s only {succeeded} succeeded; "
            + (tmp_path / "dagster_dev.log").read_text()[-3000:]
        )
        instruments = instance.get_dynamic_partitions("spot_instruments")
        assert instruments and all(key.startswith("kraken:") for key in instruments)
        warehouse = WarehouseResource(local_dir=str(data)).get()
        candles = warehouse.read("cc_ohlcv_spot_1d_raw")
        assert candles.height > 0
        assert set(candles.get_column("exchange")) == {"kraken"}
        days = candles.get_column("datetime")
        assert days.min() >= datetime.combine(start, datetime.min.time())
        assert days.max() + timedelta(days=1) <= datetime.now(UTC).replace(tzinfo=None)  # closed
    finally:
        os.environ.pop("DAGSTER_HOME", None)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
