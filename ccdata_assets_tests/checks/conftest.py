"""One bootstrapped platform per backend for the whole module (MariaDB, then the embedded file):
the metadata run and the instrument sensors cost seconds, so the check tests share them and each
test works on its own data set or instruments."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ccdata_assets_tests.support import Platform, connect, mysql_settings, set_platform_env


@pytest.fixture(scope="module", params=["mariadb", "embedded"])
def platform(request, tmp_path_factory, mysql_url) -> Iterator[Platform]:
    patch = pytest.MonkeyPatch()
    database = f"ccdata_checks_{uuid.uuid4().hex[:10]}"
    if request.param == "mariadb":
        env = mysql_settings(mysql_url, database)
    else:
        env = {"CCDATA_HOME": str(tmp_path_factory.mktemp("ccdata"))}
    set_platform_env(patch, {**env, "CCDATA_START_DATE": "2024-01-01", "CCDATA_TOP_N_ASSETS": "2"})
    try:
        platform = Platform(request.param, patch)
        platform.bootstrap()
        yield platform
    finally:
        patch.undo()
        if request.param == "mariadb":
            with connect() as conn, conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
