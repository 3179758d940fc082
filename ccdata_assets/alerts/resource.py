"""`AlertSinkResource`: where alerts go, as Dagster config whose secrets are `EnvVar`s.

Fields mirror the CCDATA_ALERT_* settings and are validated by `alert_settings`, so the error
sentences are the settings' own. Built with `from_env()`, the UI shows variable names, never the
webhook URL (it embeds a token) or the SMTP password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from ccdata_assets.alerts.delivery import Sink, sinks_from_settings
from ccdata_assets.alerts.settings import AlertSettings, alert_settings

ENV_FIELDS = {
    "webhook_url": "CCDATA_ALERT_WEBHOOK_URL",
    "smtp_host": "CCDATA_ALERT_SMTP_HOST",
    "smtp_port": "CCDATA_ALERT_SMTP_PORT",
    "smtp_security": "CCDATA_ALERT_SMTP_SECURITY",
    "smtp_user": "CCDATA_ALERT_SMTP_USER",
    "smtp_password": "CCDATA_ALERT_SMTP_PASSWORD",
    "smtp_from": "CCDATA_ALERT_SMTP_FROM",
    "smtp_to": "CCDATA_ALERT_SMTP_TO",
    "log_file": "CCDATA_ALERT_LOG_FILE",
    "dagster_url": "CCDATA_DAGSTER_URL",
    "home": "CCDATA_HOME",
}


class AlertSinkResource(ConfigurableResource):
    """Alert destinations. Nothing set: a JSON-lines file under CCDATA_HOME."""

    webhook_url: str | None = Field(
        default=None, description="CCDATA_ALERT_WEBHOOK_URL, Slack-compatible (secret: EnvVar)."
    )
    smtp_host: str | None = Field(default=None, description="CCDATA_ALERT_SMTP_HOST.")
    smtp_port: str | None = Field(default=None, description="CCDATA_ALERT_SMTP_PORT (25).")
    smtp_security: str | None = Field(
        default=None, description="CCDATA_ALERT_SMTP_SECURITY: none, starttls or ssl."
    )
    smtp_user: str | None = Field(default=None, description="CCDATA_ALERT_SMTP_USER.")
    smtp_password: str | None = Field(
        default=None, description="CCDATA_ALERT_SMTP_PASSWORD (secret: EnvVar)."
    )
    smtp_from: str | None = Field(default=None, description="CCDATA_ALERT_SMTP_FROM.")
    smtp_to: str | None = Field(default=None, description="CCDATA_ALERT_SMTP_TO, comma-separated.")
    log_file: str | None = Field(default=None, description="CCDATA_ALERT_LOG_FILE (JSON lines).")
    dagster_url: str | None = Field(
        default=None, description="CCDATA_DAGSTER_URL for run links (http://127.0.0.1:3000)."
    )
    home: str | None = Field(default=None, description="CCDATA_HOME, for the default alert log.")
    timeout_seconds: float = Field(default=10.0, description="Per delivery attempt.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertSinkResource:
        env = os.environ if env is None else env
        alert_settings(env)  # fail fast, with the settings' own sentences
        return cls(**{f: EnvVar(v) for f, v in ENV_FIELDS.items() if env.get(v, "").strip()})

    def settings(self) -> AlertSettings:
        values = {v: _resolve(getattr(self, f)) for f, v in ENV_FIELDS.items()}
        return alert_settings({k: v for k, v in values.items() if v is not None})

    def sinks(self) -> dict[str, Sink]:
        return sinks_from_settings(self.settings(), self.timeout_seconds)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line or a sensor skip reason."""
        settings = self.settings()
        return tuple(s for s in (settings.webhook_url, settings.smtp_password) if s)


def _resolve(value: str | None) -> str | None:
    """Dagster resolves EnvVars when it starts a resource; this covers direct use in scripts."""
    return value.get_value() if isinstance(value, EnvVar) else value
