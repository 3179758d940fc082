"""One alert, three renderings: a Slack-compatible webhook payload, an email, a JSON line.

Slack's incoming webhooks take `{"text": ..., "blocks": [...]}`: `text` is the notification and
fallback, `blocks` the formatted message. Other chat tools (Mattermost, Rocket.Chat, generic
receivers) read `text` and ignore the rest.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

from ccdata_assets.alerts.model import Alert

ICONS = {"ERROR": ":red_circle:", "WARN": ":large_orange_circle:", "OK": ":large_green_circle:"}


def _fields(alert: Alert) -> list[tuple[str, str]]:
    rows = [
        ("Asset", alert.asset),
        ("Check", alert.check),
        ("Job", alert.job),
        ("Partitions", alert.partition_text() if alert.partition_count else None),
        ("Severity", alert.severity),
        ("Run", alert.run_id),
    ]
    return [(name, value) for name, value in rows if value]


def slack_payload(alert: Alert) -> dict[str, Any]:
    icon = ICONS.get(alert.severity, ":white_circle:")
    link = f" <{alert.link}|open run>" if alert.link else ""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{alert.title}*{link}"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{name}*\n{value}"}
                for name, value in _fields(alert)[:10]  # Slack allows 10 fields
            ],
        },
    ]
    if alert.summary:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": alert.summary[:2900]}})
    if alert.details:
        lines = [f"{name}: {value}" for name, value in alert.details.items()]
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(lines)[:2900]}]}
        )
    text = f"[{alert.severity}] {alert.title}" + (f" {alert.link}" if alert.link else "")
    return {"text": text, "blocks": blocks}


def email_message(alert: Alert, sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[ccdata {alert.severity}] {alert.title}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    lines = [alert.title, ""]
    lines += [f"{name}: {value}" for name, value in _fields(alert)]
    if alert.link:
        lines.append(f"Link: {alert.link}")
    if alert.summary:
        lines += ["", alert.summary]
    if alert.details:
        lines += ["", *(f"  {name}: {value}" for name, value in alert.details.items())]
    message.set_content("\n".join(lines) + "\n")
    return message


def json_line(alert: Alert) -> str:
    return json.dumps(alert.to_dict(), sort_keys=True, default=str) + "\n"
