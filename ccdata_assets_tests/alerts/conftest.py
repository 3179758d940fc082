"""Fixtures for the alert and repair sensors: real receivers, a real instance, sensor ticks."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from ccdata_assets.alerts.resource import ENV_FIELDS
from ccdata_assets_tests.alerts.receivers import (
    DAGSTER_URL,
    SMTP_PASSWORD,
    SMTP_USER,
    WEBHOOK_TOKEN,
    Mailbox,
    Webhook,
    smtp_receiver,
    webhook_receiver,
)


@pytest.fixture(autouse=True)
def quiet_receivers() -> None:
    """The receivers' own logs (the access log shows the webhook path) are not ours to judge."""
    for name in ("aiohttp.access", "mail.log"):
        logging.getLogger(name).setLevel(logging.WARNING)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with webhook_receiver(f"/services/{WEBHOOK_TOKEN}") as hook:
        yield hook


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # aiosmtpd warns about AUTH without TLS (loopback only)
        with smtp_receiver(SMTP_USER, SMTP_PASSWORD) as box:
            yield box


@pytest.fixture
def alert_env(monkeypatch, tmp_path: Path) -> dict[str, str]:
    """A clean alert environment: only CCDATA_HOME, under tmp_path."""
    for name in ENV_FIELDS.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCDATA_HOME", str(tmp_path / "ccdata"))
    return {"CCDATA_HOME": str(tmp_path / "ccdata")}


@pytest.fixture
def all_sinks(monkeypatch, alert_env, webhook: Webhook, mailbox: Mailbox, tmp_path: Path):
    """Webhook, email (with login) and an explicit log file, all configured by environment."""
    env = {
        "CCDATA_ALERT_WEBHOOK_URL": webhook.url,
        "CCDATA_ALERT_SMTP_HOST": mailbox.host,
        "CCDATA_ALERT_SMTP_PORT": str(mailbox.port),
        "CCDATA_ALERT_SMTP_USER": SMTP_USER,
        "CCDATA_ALERT_SMTP_PASSWORD": SMTP_PASSWORD,
        "CCDATA_ALERT_SMTP_FROM": "ccdata@example.com",
        "CCDATA_ALERT_SMTP_TO": "oncall@example.com,quant@example.com",
        "CCDATA_ALERT_LOG_FILE": str(tmp_path / "alerts.jsonl"),
        "CCDATA_DAGSTER_URL": DAGSTER_URL,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """An in-memory instance: the same SQL storage code, four times faster than on disk."""
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def disk_instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """The SQLite instance on disk that `dagster dev` uses (event logs sharded per run, run
    status changes in a separate index)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        yield instance
