"""Where alerts go: webhook, email, or a JSON-lines file under CCDATA_HOME."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ccdata_assets.settings import (
    ConfigError,
    ccdata_home,
    env_int,
    env_str,
)


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go. Nothing configured means a JSON-lines file under CCDATA_HOME, so an alert
    is never lost; the webhook URL (it embeds a token) and the SMTP password never show in repr."""

    dagster_url: str
    log_file: Path | None = None
    webhook_url: str | None = field(default=None, repr=False)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "ccdata-alerts@localhost"
    smtp_to: tuple[str, ...] = ()


SMTP_SECURITY = ("none", "starttls", "ssl")

_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+$")


def _http_url(env: Mapping[str, str], name: str, example: str, secret: bool) -> str | None:
    raw = env_str(env, name)
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        shown = "" if secret else f", got {raw!r}"
        raise ConfigError(f"{name} must be an http(s) URL such as {example}{shown}.")
    return raw.rstrip("/")


def alert_settings(env: Mapping[str, str] | None = None) -> AlertSettings:
    env = os.environ if env is None else env
    dagster_url = _http_url(env, "CCDATA_DAGSTER_URL", "http://127.0.0.1:3000", secret=False)
    webhook = _http_url(
        env, "CCDATA_ALERT_WEBHOOK_URL", "https://hooks.slack.com/services/...", secret=True
    )
    host = env_str(env, "CCDATA_ALERT_SMTP_HOST")
    smtp_names = ("PORT", "SECURITY", "USER", "PASSWORD", "FROM", "TO")
    stray = [f"CCDATA_ALERT_SMTP_{n}" for n in smtp_names if env_str(env, f"CCDATA_ALERT_SMTP_{n}")]
    if host is None and stray:
        raise ConfigError(
            f"{stray[0]} is set but CCDATA_ALERT_SMTP_HOST is not: set the host to send alert "
            "emails, or unset CCDATA_ALERT_SMTP_* to send none."
        )
    recipients = tuple(
        a.strip() for a in (env_str(env, "CCDATA_ALERT_SMTP_TO") or "").split(",") if a.strip()
    )
    sender = env_str(env, "CCDATA_ALERT_SMTP_FROM") or "ccdata-alerts@localhost"
    if host is not None:
        if not recipients:
            raise ConfigError(
                "CCDATA_ALERT_SMTP_TO must list the alert recipients (comma-separated) when "
                "CCDATA_ALERT_SMTP_HOST is set."
            )
        for address in (*recipients, sender):
            if not _EMAIL.match(address):
                raise ConfigError(
                    f"CCDATA_ALERT_SMTP_FROM and CCDATA_ALERT_SMTP_TO take addresses like "
                    f"ops@example.com; {address!r} is not one."
                )
    port = env_int(env, "CCDATA_ALERT_SMTP_PORT", 25, 1, 65535)
    security = (env_str(env, "CCDATA_ALERT_SMTP_SECURITY") or "").lower() or (
        "ssl" if port == 465 else "starttls" if port == 587 else "none"
    )
    if security not in SMTP_SECURITY:
        raise ConfigError(
            f"CCDATA_ALERT_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
            f"got {security!r}."
        )
    user = env_str(env, "CCDATA_ALERT_SMTP_USER")
    password = env.get("CCDATA_ALERT_SMTP_PASSWORD") or None
    if password and not user:
        raise ConfigError(
            "CCDATA_ALERT_SMTP_PASSWORD is set but CCDATA_ALERT_SMTP_USER is not: set both to "
            "log in, or neither."
        )
    log_raw = env_str(env, "CCDATA_ALERT_LOG_FILE")
    if log_raw is None and webhook is None and host is None:
        log_raw = str(ccdata_home(env) / "alerts.jsonl")
    return AlertSettings(
        dagster_url=dagster_url or "http://127.0.0.1:3000",
        log_file=Path(log_raw).expanduser() if log_raw else None,
        webhook_url=webhook,
        smtp_host=host,
        smtp_port=port,
        smtp_security=security,
        smtp_user=user,
        smtp_password=password,
        smtp_from=sender,
        smtp_to=recipients,
    )
