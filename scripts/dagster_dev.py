"""`make run`'s launcher: `dagster dev` that stops completely within seconds of Ctrl-C or SIGTERM.

`dagster dev` alone does not: it waits up to 60 s for each of its webserver and daemon, leaves
runs in progress (their workers are its grandchildren) going, and when started from a background
job it inherits an ignored SIGINT, which it also applies to SIGTERM, so it ignores both. This
launcher starts it in a process group of its own with default signal handling, and on Ctrl-C or
SIGTERM asks that whole group (webserver, daemon, code server, run workers) to stop, then kills
whatever is left after a grace period. Runs cut short are marked failed by run monitoring.

Usage: python scripts/dagster_dev.py [dagster dev arguments...]
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = 6.0  # then whatever is left is killed: everything is gone within ~7 s


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(process: subprocess.Popen[bytes], grace: float = GRACE_SECONDS) -> None:
    """SIGINT to the whole group (dagster's own graceful path), SIGKILL after `grace` seconds.

    One signal only: dagster dev maps SIGTERM to SIGINT, and a second one would cut its own
    shutdown short."""
    pgid = process.pid
    try:
        os.killpg(pgid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()  # reap dagster dev itself, so a zombie does not keep the group "alive"
        if not group_alive(pgid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    process.wait()


def main(args: list[str]) -> int:
    dagster = Path(sys.executable).with_name("dagster")
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    # Installed handlers (not SIG_IGN) are reset to the default in the child at exec, so dagster
    # dev gets working SIGINT/SIGTERM even when this launcher was started with SIGINT ignored.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # `dagster dev` itself says once that `dg dev` supersedes it; `dg` is not installed here.
    quiet = "ignore:Function `dev_command` is superseded"
    env = {
        **os.environ,
        "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet])),
    }
    process = subprocess.Popen([str(dagster), "dev", *args], start_new_session=True, env=env)
    while not stopping and process.poll() is None:
        time.sleep(0.2)
    if stopping:
        print("Stopping Dagster (webserver, daemon, code server, runs)...", file=sys.stderr)
    stop_group(process)
    return 0 if stopping else (process.returncode or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
