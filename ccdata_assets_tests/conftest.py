"""Shared fixtures: a real MariaDB (started if installed, never skipped) and per-test databases."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# private: Dagster exports neither the definitions-state storage nor the context manager that sets it
from dagster._core.storage.defs_state.base import DefsStateStorage, set_defs_state_storage

from ccdata_assets_tests.support import REPO, TEST_MYSQL_URL, connect, mysql_settings


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """The MariaDB server the tests use; a missing server fails the run with what to do."""
    try:
        connect().close()
    except Exception:
        subprocess.run(
            ["bash", str(REPO / "scripts" / "ensure-mariadb.sh"), "--no-install"],
            check=False,
            capture_output=True,
        )
        try:
            connect().close()
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
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    try:
        yield name
    finally:
        with connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def mysql_env(mysql_url: str, mysql_database: str) -> dict[str, str]:
    """Environment settings that point the platform at the per-test MariaDB database."""
    return mysql_settings(mysql_url, mysql_database)


@pytest.fixture
def local_env(tmp_path: Path) -> dict[str, str]:
    """Environment settings that point the platform at an embedded warehouse in a temp dir."""
    return {"CCDATA_HOME": str(tmp_path / "ccdata")}


# PostgreSQL, for the production instance (deploy/dagster.yaml); psycopg2 comes with
# dagster-postgres.
TEST_POSTGRES_HOST, TEST_POSTGRES_PORT = "127.0.0.1", 5432


def _postgres_execute(user: str, statement: str) -> None:
    """One statement on the maintenance database, outside a transaction (CREATE/DROP DATABASE)."""
    import psycopg2

    conn = psycopg2.connect(
        host=TEST_POSTGRES_HOST,
        port=TEST_POSTGRES_PORT,
        user=user,
        dbname="postgres",
        connect_timeout=5,
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def _postgres_user() -> str | None:
    for user in ("postgres", "root"):
        try:
            _postgres_execute(user, "SELECT 1")
            return user
        except Exception:
            continue
    return None


@pytest.fixture(scope="session")
def postgres_user() -> str:
    """A role that may create databases on 127.0.0.1:5432; no server fails the run with what to do."""
    user = _postgres_user()
    if user is None:
        subprocess.run(
            ["bash", str(REPO / "scripts" / "ensure-postgres.sh"), "--no-install"],
            check=False,
            capture_output=True,
        )
        user = _postgres_user()
    if user is None:
        pytest.fail(
            f"No PostgreSQL lets user postgres or root in at {TEST_POSTGRES_HOST}:"
            f"{TEST_POSTGRES_PORT} without a password: run scripts/ensure-postgres.sh to install "
            "and start one.",
            pytrace=False,
        )
    return user


@pytest.fixture
def postgres_database(postgres_user: str) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database, as the DAGSTER_PG_* variables deploy/dagster.yaml reads;
    dropped afterwards, even with connections still open."""
    name = f"ccdata_test_{uuid.uuid4().hex[:10]}"
    _postgres_execute(postgres_user, f'CREATE DATABASE "{name}"')
    try:
        yield {
            "DAGSTER_PG_USERNAME": postgres_user,
            "DAGSTER_PG_PASSWORD": "",
            "DAGSTER_PG_HOST": TEST_POSTGRES_HOST,
            "DAGSTER_PG_PORT": str(TEST_POSTGRES_PORT),
            "DAGSTER_PG_DB": name,
        }
    finally:
        _postgres_execute(postgres_user, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _no_dangling_definitions_state_storage() -> Iterator[None]:
    """Dagster keeps the current definitions-state storage in a context variable that `with
    instance:` sets and resets. An instance entered and never exited (a schedule or sensor
    context not used as a context manager opens one) restores a disposed instance's storage when
    it is finally collected, and from then on every definitions load in the process fails with
    "Attempted to resolve undefined DagsterInstance weakref". So each test starts with none set
    and fails if it leaves one behind."""
    with set_defs_state_storage(None):
        yield
        left = DefsStateStorage.get()
    assert left is None, (
        f"The test left Dagster's definitions-state storage set ({type(left).__name__}): enter "
        "every instance and every schedule or sensor context with `with`."
    )
