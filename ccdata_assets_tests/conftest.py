"""Shared fixtures: a real MariaDB (started if installed, never skipped) and per-test databases."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import singlestoredb

REPO = Path(__file__).resolve().parents[1]
TEST_MYSQL_URL = os.environ.get("CCDATA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")


def _connect(database: str | None = None):
    parts = urlsplit(TEST_MYSQL_URL)
    return singlestoredb.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=database,
    )


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """The MariaDB server the tests use; a missing server fails the run with what to do."""
    try:
        _connect().close()
    except Exception:
        subprocess.run(
            ["bash", str(REPO / "scripts" / "ensure-mariadb.sh"), "--no-install"],
            check=False,
            capture_output=True,
        )
        try:
            _connect().close()
        except Exception as exc:
            pytest.fail(
                f"No MariaDB answers at {TEST_MYSQL_URL} ({exc.__class__.__name__}): run "
                "scripts/ensure-mariadb.sh to install and start one, or set "
                "CCDATA_TEST_MYSQL_URL to a server the tests may create databases on.",
                pytrace=False,
            )
    return TEST_MYSQL_URL


@pytest.fixture
def mysql_database(mysql_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    name = f"ccdata_test_{uuid.uuid4().hex[:10]}"
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    try:
        yield name
    finally:
        with _connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def mysql_env(mysql_url: str, mysql_database: str) -> dict[str, str]:
    """Environment settings that point the platform at the per-test MariaDB database."""
    parts = urlsplit(mysql_url)
    return {
        "S2_HOST": parts.hostname or "127.0.0.1",
        "S2_PORT": str(parts.port or 3306),
        "S2_USER": parts.username or "root",
        "S2_PASSWORD": parts.password or "",
        "S2_DATABASE": mysql_database,
        "CCDATA_SOURCE": "simulator",  # a real server with no key: simulated data on purpose
    }


@pytest.fixture
def local_env(tmp_path: Path) -> dict[str, str]:
    """Environment settings that point the platform at an embedded warehouse in a temp dir."""
    return {"CCDATA_HOME": str(tmp_path / "ccdata")}
