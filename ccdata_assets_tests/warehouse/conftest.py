"""A `Warehouse` on each backend: the per-test MariaDB database and an embedded SQLite file."""

from __future__ import annotations

import pytest

from ccdata_assets.warehouse import Warehouse
from ccdata_assets.warehouse.settings import warehouse_settings


@pytest.fixture(params=["mariadb", "sqlite"])
def backend_env(request: pytest.FixtureRequest) -> dict[str, str]:
    fixture = "mysql_env" if request.param == "mariadb" else "local_env"
    return request.getfixturevalue(fixture)


@pytest.fixture
def warehouse(backend_env: dict[str, str]) -> Warehouse:
    return Warehouse(warehouse_settings(backend_env))
