"""Install the code location as a deployment does: a wheel built from the checkout, into a fresh
venv outside it, driven by the Dagster CLI from another directory. An editable install hides
anything the package reads from the source tree (it was how the DDL got lost once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from ccdata_assets_tests.support import REPO, connect

NOW = "2025-06-15T12:00:00"  # pinned, so March 2025 is closed on any day the test runs
INSTRUMENT = "kraken:BTC-USD"
PARTITION = f"2025-03-01|{INSTRUMENT}"
PROBE = """
import importlib.metadata, json, sys, sysconfig
import ccdata_assets
from ccdata_assets.warehouse import ddl
dist = importlib.metadata.distribution("ccdata-assets")
print(json.dumps({
    "package": ccdata_assets.__file__,
    "sql": str(ddl.SQL_DIR),
    "tables": len(ddl.table_names()),
    "purelib": sysconfig.get_path("purelib"),
    "direct_url": json.loads(dist.read_text("direct_url.json") or "{}"),
    "sys_path": sys.path,
}))
"""


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timings: dict[str, float]) -> str:
    """Run one step, fail with its output if it fails, and remember how long it took."""
    started = time.monotonic()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    timings[Path(args[0]).name + " " + " ".join(args[1:3])] = time.monotonic() - started
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done.stdout


def _expected_wheel_files() -> set[str]:
    """Every module of the package and every file of sql/ (installed as ccdata_assets/sql)."""
    modules = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "ccdata_assets").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    sql = {
        "ccdata_assets/sql/" + p.relative_to(REPO / "sql").as_posix()
        for p in (REPO / "sql").rglob("*")
        if p.is_file() and p.suffix in {".sql", ".md", ".py"} and "__pycache__" not in p.parts
    }
    return modules | sql


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_wheel_installs_validates_and_materialises_outside_the_checkout(
    tmp_path: Path, mysql_env: dict[str, str]
) -> None:
    timings: dict[str, float] = {}
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    pip_env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}

    # Build as CI would: sdist, then the wheel from the unpacked sdist (no stale build/ files).
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
        cwd=outside,
        env=pip_env,
        timings=timings,
    )
    (wheel,) = dist.glob("ccdata_assets-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n for n in names if n.startswith("ccdata_assets/")} == _expected_wheel_files()
    assert {n.split("/")[0] for n in names} == {
        "ccdata_assets",
        wheel.name.split("-py3")[0] + ".dist-info",
    }

    # A fresh venv outside the checkout, without system site-packages.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=outside, env=pip_env, timings=timings)
    bin_dir = venv / "bin"
    _run(
        [str(bin_dir / "pip"), "install", "--quiet", str(wheel)],
        cwd=outside,
        env=pip_env,
        timings=timings,
    )

    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "CCDATA_SOURCE": "simulator",
        "CCDATA_NOW": NOW,
        "CCDATA_START_DATE": "2025-01-01",
        **mysql_env,
    }
    Path(env["DAGSTER_HOME"]).mkdir()
    Path(env["HOME"]).mkdir()

    probe = json.loads(
        _run([str(bin_dir / "python"), "-c", PROBE], cwd=outside, env=env, timings=timings)
    )
    purelib = Path(probe["purelib"])
    assert purelib.is_relative_to(venv)
    assert Path(probe["package"]) == purelib / "ccdata_assets" / "__init__.py"
    assert Path(probe["sql"]) == purelib / "ccdata_assets" / "sql"
    assert probe["tables"] == len(list((REPO / "sql" / "tables").glob("*.sql"))) > 20
    assert probe["direct_url"]["url"].endswith(wheel.name)  # a wheel, not the source folder
    assert "dir_info" not in probe["direct_url"]  # not an editable install
    assert not any(str(REPO) in entry for entry in probe["sys_path"])

    dagster = str(bin_dir / "dagster")
    module = ["-m", "ccdata_assets.definitions"]
    _run([dagster, "definitions", "validate", *module], cwd=outside, env=env, timings=timings)
    _run(
        [dagster, "job", "execute", *module, "-j", "metadata_job"],
        cwd=outside,
        env=env,
        timings=timings,
    )
    add = (
        "import dagster as dg; "
        f"dg.DagsterInstance.get().add_dynamic_partitions('spot_instruments', [{INSTRUMENT!r}])"
    )
    _run([str(bin_dir / "python"), "-c", add], cwd=outside, env=env, timings=timings)
    _run(
        [
            dagster,
            "asset",
            "materialize",
            *module,
            "--select",
            "spot_ohlcv_1d",
            "--partition",
            PARTITION,
        ],
        cwd=outside,
        env=env,
        timings=timings,
    )

    with connect(mysql_env["S2_DATABASE"]) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*), COUNT(DISTINCT `datetime`), MIN(`datetime`), MAX(`datetime`), "
            "MIN(`close`) FROM cc_ohlcv_spot_1d_raw WHERE exchange = 'kraken' AND symbol = 'BTC-USD'"
        )
        rows, days, first, last, lowest_close = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM cc_ohlcv_spot_1d_raw")
        (everything,) = cur.fetchone()
    assert (rows, days, everything) == (31, 31, 31)  # March 2025, one instrument, nothing else
    assert (first, last) == (datetime(2025, 3, 1), datetime(2025, 3, 31))
    assert lowest_close > 0

    summary = ", ".join(f"{step}: {seconds:.1f} s" for step, seconds in timings.items())
    print(f"\nwheel install test timings: {summary}; total {sum(timings.values()):.1f} s")
