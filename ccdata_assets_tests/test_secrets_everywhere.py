"""Every secret the platform accepts (API key, warehouse password as S2_PASSWORD or inside
SINGLESTOREDB_URL, alert webhook URL, SMTP password) stays out of logs, stdout/stderr, the stored
event log with its metadata, run records and the resource config the UI shows, through real runs
that succeed and fail. Alert delivery itself is covered in alerts/test_alert_sensor.py."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import date
from urllib.parse import quote

import dagster as dg
import pytest

from ccdata_assets.definitions import build_definitions
from ccdata_assets.partitions import range_tags
from ccdata_assets.simulator import SimulatorConfig, serve_in_thread
from ccdata_assets_tests.support import SMALL_UNIVERSE, connect, run_job

API_KEY = "sk-live-APIKEY-7731"
DB_PASSWORD = "S2+Pw@8842:x"  # characters a URL must percent-encode
WEBHOOK_TOKEN = "T0SECRET/B0SECRET/HOOK-5521"
SMTP_PASSWORD = "Smtp-Pw-9913"
SECRETS = (API_KEY, DB_PASSWORD, quote(DB_PASSWORD, safe=""), WEBHOOK_TOKEN, SMTP_PASSWORD)
DEBUG_LOGS = {"loggers": {"console": {"config": {"log_level": "DEBUG"}}}}


@pytest.fixture
def secret_user(mysql_url: str, mysql_database: str) -> Iterator[str]:
    """A MariaDB user with a real password, allowed on the per-test database only."""
    user = f"ccdata_s_{uuid.uuid4().hex[:6]}"
    hosts = ("localhost", "127.0.0.1", "%")
    with connect() as conn, conn.cursor() as cur:
        for host in hosts:
            quoted = host.replace("%", "%%")  # the statement takes a parameter
            cur.execute(f"CREATE USER '{user}'@'{quoted}' IDENTIFIED BY %s", [DB_PASSWORD])
            cur.execute(f"GRANT ALL ON `{mysql_database}`.* TO '{user}'@'{host}'")
    try:
        yield user
    finally:
        with connect() as conn, conn.cursor() as cur:
            for host in hosts:
                cur.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")


@pytest.mark.parametrize("form", ["S2_PASSWORD", "SINGLESTOREDB_URL"])
def test_no_secret_reaches_logs_events_metadata_or_config(
    form, secret_user, mysql_env, monkeypatch, caplog, capfd
) -> None:
    host, port, database = mysql_env["S2_HOST"], mysql_env["S2_PORT"], mysql_env["S2_DATABASE"]
    if form == "S2_PASSWORD":
        warehouse = {**mysql_env, "S2_USER": secret_user, "S2_PASSWORD": DB_PASSWORD}
    else:
        url = f"mysql://{secret_user}:{quote(DB_PASSWORD, safe='')}@{host}:{port}/{database}"
        warehouse = {"SINGLESTOREDB_URL": url}
    caplog.set_level(logging.DEBUG)
    with serve_in_thread(SimulatorConfig(require_api_key=True)) as api:
        for name, value in {
            **warehouse,
            "CCDATA_SOURCE": "simulator",
            "CCDATA_API_KEY": API_KEY,
            "DATA_API_BASE_URL": api.base_url,
            "CCDATA_ALERT_WEBHOOK_URL": f"http://127.0.0.1:9/services/{WEBHOOK_TOKEN}",
            "CCDATA_ALERT_SMTP_HOST": "127.0.0.1",
            "CCDATA_ALERT_SMTP_TO": "ops@example.com",
            "CCDATA_ALERT_SMTP_USER": "alerts",
            "CCDATA_ALERT_SMTP_PASSWORD": SMTP_PASSWORD,
            **SMALL_UNIVERSE,
        }.items():
            monkeypatch.setenv(name, value)
        defs, instance = build_definitions(), dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("spot_instruments", ["kraken:BTC-USD", "kraken:NOPE-USD"])
        month = date(2026, 5, 1)
        runs = [
            ("metadata_job", {}),
            ("spot_ohlcv_1d_job", range_tags(month, month, ["kraken:BTC-USD"])),
            ("spot_ohlcv_1d_job", range_tags(month, month, ["kraken:NOPE-USD"])),  # fails: 404
        ]
        results = [run_job(defs, instance, job, tags, DEBUG_LOGS) for job, tags in runs]
    assert [r.success for r in results] == [True, True, False]

    out, err = capfd.readouterr()
    shown = [out, err, caplog.text]
    shown += [repr(r) for r in caplog.records]
    for record in instance.get_runs():
        shown += [repr(record), repr(record.tags)]
        shown += [repr(entry) for entry in instance.all_logs(record.run_id)]
    shown += [repr(resource) for resource in defs.resources.values()]
    materialised = [
        e for r in results for e in r.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
    ]
    assert materialised and len(shown) > 50
    text = "\n".join(shown)
    assert "kraken:NOPE-USD" in text and "rows_written" in text  # the search covers real output
    for secret in SECRETS:
        assert secret not in text, f"a secret leaked: {secret[:4]}..."
