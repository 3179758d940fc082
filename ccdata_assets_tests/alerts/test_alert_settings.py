"""Alert settings: defaults that never lose an alert, one-sentence errors, secrets never echoed."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ccdata_assets.alerts.resource import AlertSinkResource
from ccdata_assets.alerts.settings import alert_settings
from ccdata_assets.repair.settings import RepairSettings, repair_settings
from ccdata_assets.settings import ConfigError

SECRET_URL = "https://hooks.slack.com/services/T1/B2/very-secret-token"


def test_nothing_set_means_a_json_lines_file_under_ccdata_home(tmp_path: Path) -> None:
    settings = alert_settings({"CCDATA_HOME": str(tmp_path)})
    assert settings.log_file == tmp_path / "alerts.jsonl"
    assert settings.webhook_url is None and settings.smtp_host is None
    assert settings.dagster_url == "http://127.0.0.1:3000"


def test_a_webhook_replaces_the_default_file_and_stays_out_of_repr() -> None:
    settings = alert_settings({"CCDATA_ALERT_WEBHOOK_URL": SECRET_URL})
    assert settings.log_file is None and settings.webhook_url == SECRET_URL
    assert "very-secret-token" not in repr(settings)


def test_smtp_security_follows_the_port_unless_set() -> None:
    base = {"CCDATA_ALERT_SMTP_HOST": "mail.example", "CCDATA_ALERT_SMTP_TO": "a@example.com"}
    assert alert_settings({**base, "CCDATA_ALERT_SMTP_PORT": "465"}).smtp_security == "ssl"
    assert alert_settings({**base, "CCDATA_ALERT_SMTP_PORT": "587"}).smtp_security == "starttls"
    assert alert_settings(base).smtp_security == "none"
    assert alert_settings({**base, "CCDATA_ALERT_SMTP_TO": "a@x.io, b@y.io"}).smtp_to == (
        "a@x.io",
        "b@y.io",
    )


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"CCDATA_ALERT_WEBHOOK_URL": "hooks.slack.com/x"}, "CCDATA_ALERT_WEBHOOK_URL"),
        ({"CCDATA_DAGSTER_URL": "localhost:3000"}, "CCDATA_DAGSTER_URL"),
        ({"CCDATA_ALERT_SMTP_TO": "a@example.com"}, "CCDATA_ALERT_SMTP_TO is set"),
        ({"CCDATA_ALERT_SMTP_HOST": "mail"}, "CCDATA_ALERT_SMTP_TO must list"),
        (
            {"CCDATA_ALERT_SMTP_HOST": "mail", "CCDATA_ALERT_SMTP_TO": "ops"},
            "CCDATA_ALERT_SMTP_FROM and CCDATA_ALERT_SMTP_TO",
        ),
        (
            {
                "CCDATA_ALERT_SMTP_HOST": "m",
                "CCDATA_ALERT_SMTP_TO": "a@b.c",
                "CCDATA_ALERT_SMTP_PORT": "x",
            },
            "CCDATA_ALERT_SMTP_PORT",
        ),
        (
            {
                "CCDATA_ALERT_SMTP_HOST": "m",
                "CCDATA_ALERT_SMTP_TO": "a@b.c",
                "CCDATA_ALERT_SMTP_SECURITY": "tls",
            },
            "CCDATA_ALERT_SMTP_SECURITY",
        ),
        (
            {
                "CCDATA_ALERT_SMTP_HOST": "m",
                "CCDATA_ALERT_SMTP_TO": "a@b.c",
                "CCDATA_ALERT_SMTP_PASSWORD": "pw",
            },
            "CCDATA_ALERT_SMTP_USER",
        ),
    ],
)
def test_bad_alert_settings_name_themselves_in_one_sentence(env, setting) -> None:
    with pytest.raises(ConfigError, match=setting) as error:
        alert_settings(env)
    message = str(error.value)
    assert message.count(". ") == 0 and message.endswith(".")


def test_a_malformed_secret_url_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as error:
        alert_settings({"CCDATA_ALERT_WEBHOOK_URL": "slack://T1/B2/very-secret-token"})
    assert "very-secret-token" not in str(error.value)


def test_resource_from_env_holds_env_var_names_not_values(monkeypatch) -> None:
    monkeypatch.setenv("CCDATA_ALERT_WEBHOOK_URL", SECRET_URL)
    monkeypatch.setenv("CCDATA_ALERT_SMTP_HOST", "mail.example")
    monkeypatch.setenv("CCDATA_ALERT_SMTP_TO", "ops@example.com")
    monkeypatch.setenv("CCDATA_ALERT_SMTP_USER", "bot")
    monkeypatch.setenv("CCDATA_ALERT_SMTP_PASSWORD", "pw-SECRET")
    resource = AlertSinkResource.from_env()
    shown = repr(resource) + str(resource.model_dump())
    assert "very-secret-token" not in shown and "pw-SECRET" not in shown
    assert "CCDATA_ALERT_WEBHOOK_URL" in shown
    assert resource.settings().webhook_url == SECRET_URL  # resolved when used
    assert sorted(resource.sinks()) == ["email", "webhook"]


def test_resource_refuses_bad_environment_with_the_settings_sentence(monkeypatch) -> None:
    monkeypatch.setenv("CCDATA_ALERT_SMTP_PASSWORD", "pw")
    monkeypatch.delenv("CCDATA_ALERT_SMTP_HOST", raising=False)
    with pytest.raises(
        ConfigError, match="CCDATA_ALERT_SMTP_PASSWORD is set but CCDATA_ALERT_SMTP_HOST"
    ):
        AlertSinkResource.from_env()


def test_repair_defaults_to_a_capped_dry_run() -> None:
    assert repair_settings({}) == RepairSettings(
        dry_run=True, max_partitions=500, max_runs=5, lookback_days=31
    )
    acting = repair_settings({"CCDATA_REPAIR_DRY_RUN": "false", "CCDATA_REPAIR_MAX_RUNS": "2"})
    assert not acting.dry_run and acting.max_runs == 2


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"CCDATA_REPAIR_DRY_RUN": "maybe"}, "CCDATA_REPAIR_DRY_RUN"),
        ({"CCDATA_REPAIR_MAX_PARTITIONS": "0"}, "CCDATA_REPAIR_MAX_PARTITIONS"),
        ({"CCDATA_REPAIR_MAX_RUNS": "lots"}, "CCDATA_REPAIR_MAX_RUNS"),
        ({"CCDATA_REPAIR_LOOKBACK_DAYS": "-3"}, "CCDATA_REPAIR_LOOKBACK_DAYS"),
    ],
)
def test_bad_repair_settings_name_themselves_in_one_sentence(env, setting) -> None:
    with pytest.raises(ConfigError, match=setting) as error:
        repair_settings(env)
    message = str(error.value)
    assert message.count(". ") == 0 and message.endswith(".")


def test_the_code_location_runs_both_sensors_and_refuses_bad_alert_settings(
    monkeypatch, tmp_path
) -> None:
    from ccdata_assets.definitions import build_definitions

    monkeypatch.setenv("CCDATA_HOME", str(tmp_path))
    for name in ("CCDATA_REPAIR_DRY_RUN", "CCDATA_ALERT_WEBHOOK_URL", "CCDATA_ALERT_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    defs = build_definitions()
    alert = defs.resolve_sensor_def("alert_sensor")
    repair = defs.resolve_sensor_def("repair_sensor")
    assert alert.default_status == repair.default_status == dg.DefaultSensorStatus.RUNNING
    assert "dry run: reports only" in (repair.description or "")
    assert "spot_ohlcv_1m_job" in {job.name for job in repair.jobs}
    assert isinstance(defs.resources["alert_sink"], AlertSinkResource)

    monkeypatch.setenv("CCDATA_ALERT_SMTP_PASSWORD", "pw")
    with pytest.raises(ConfigError, match="CCDATA_ALERT_SMTP_PASSWORD is set but"):
        build_definitions()
