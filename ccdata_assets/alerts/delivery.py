"""Delivering one rendered alert to one destination, with the standard library only.

The sensor is synchronous and sends a handful of messages per tick, so `urllib` and `smtplib` are
enough. Every failure is raised as `DeliveryError` with a message that names the destination by
host only: a webhook URL embeds its token, and it must not reach logs or the UI.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from ccdata_assets.alerts.model import Alert
from ccdata_assets.alerts.render import email_message, json_line, slack_payload
from ccdata_assets.alerts.settings import AlertSettings


class DeliveryError(RuntimeError):
    """An alert did not reach a destination; the message is safe to log."""


class Sink(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


def redact(text: str, secrets: tuple[str | None, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET without the alert: count it as a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


@dataclass(frozen=True)
class WebhookSink:
    url: str = field(repr=False)
    timeout: float = 10.0
    name: str = "webhook"

    @property
    def where(self) -> str:
        parts = urlsplit(self.url)
        return f"webhook at {parts.scheme}://{parts.hostname}"

    def send(self, alert: Alert) -> None:
        body = json.dumps(slack_payload(alert)).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise DeliveryError(
                f"{self.where} unreachable: {redact(str(reason), (self.url,))}"
            ) from None
        if not 200 <= status < 300:
            raise DeliveryError(f"{self.where} answered HTTP {status}")


@dataclass(frozen=True)
class EmailSink:
    host: str
    port: int
    security: str
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    name: str = "email"

    def send(self, alert: Alert) -> None:
        message = email_message(alert, self.sender, self.recipients)
        try:
            if self.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            detail = redact(f"{error.__class__.__name__}: {error}", (self.password,))
            raise DeliveryError(f"SMTP server {self.host}:{self.port} refused: {detail}") from None


@dataclass(frozen=True)
class LogFileSink:
    path: Path
    name: str = "log_file"

    def send(self, alert: Alert) -> None:
        """One JSON line per alert, appended with a single write so concurrent writers don't
        interleave lines."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json_line(alert))
        except OSError as error:
            raise DeliveryError(f"alert log {self.path} not writable: {error.strerror}") from None


def sinks_from_settings(settings: AlertSettings, timeout: float = 10.0) -> dict[str, Sink]:
    sinks: dict[str, Sink] = {}
    if settings.webhook_url:
        sinks["webhook"] = WebhookSink(settings.webhook_url, timeout)
    if settings.smtp_host:
        sinks["email"] = EmailSink(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            recipients=settings.smtp_to,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=timeout,
        )
    if settings.log_file:
        sinks["log_file"] = LogFileSink(settings.log_file)
    return sinks
