"""`make run` stops completely within 10 s of SIGTERM: webserver, daemon, code server, runs.

The command is the Makefile's own, on a fresh home, started the way a background job starts
(SIGINT ignored, which `dagster dev` alone would also apply to SIGTERM and so ignore both). The
sensors launch their first runs right away, so runs in progress are among what must stop.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STOP_LIMIT_SECONDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(root: int) -> set[int]:
    """Every live process below `root`, from /proc (no extra package needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":  # zombies are gone, only not yet reaped
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    live = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            live.add(pid)
    return live


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_make_run_stops_everything_within_ten_seconds_of_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("S2_", "SINGLESTOREDB"))},
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "CCDATA_HOME": str(tmp_path / "ccdata"),
        "PORT": str(port),
        "CCDATA_SPOT_EXCHANGES": "kraken",
        "CCDATA_TOP_N_ASSETS": "1",
    }
    for name in ("CCDATA_API_KEY", "DATA_API_BASE_URL", "CCDATA_NOW"):
        env.pop(name, None)
    log = (tmp_path / "make_run.log").open("w")
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # as `make run &`
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while not answers(f"http://127.0.0.1:{port}/server_info"):
            assert make.poll() is None, (tmp_path / "make_run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the UI did not answer within 180 s"
            time.sleep(1)
        # Let the sensors launch runs, so run workers are among what must stop.
        settle = time.monotonic() + 20
        while time.monotonic() < settle:
            seen |= descendants(make.pid)
            time.sleep(1)
        seen |= descendants(make.pid)
        assert len(seen) >= 5, "expected launcher, dagster dev, webserver, daemon, code server"

        make.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        while alive(seen | {make.pid}) and time.monotonic() - stopped < STOP_LIMIT_SECONDS:
            make.poll()
            time.sleep(0.2)
        make.poll()
        left = alive(seen | {make.pid})
        assert not left, f"still running {STOP_LIMIT_SECONDS}s after SIGTERM: " + ", ".join(
            Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:120]
            for pid in left
            if Path(f"/proc/{pid}/cmdline").exists()
        )
        assert not answers(f"http://127.0.0.1:{port}/server_info")
    finally:
        for pid in alive(seen | {make.pid}):
            os.kill(pid, signal.SIGKILL)
        log.close()
