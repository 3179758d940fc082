"""Alert settings: defaults that never lose an alert, one-sentence errors, secrets never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccdata_assets.alerts.resource import AlertSinkResource
from ccdata_assets.settings import ConfigError, alert_settings

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
