"""Real local receivers for the alert sinks: an aiohttp webhook server and an aiosmtpd server.

Both run on 127.0.0.1 in a background thread for the duration of a test and record what they
received; the webhook can be told to answer 500 to test retries.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# What the alert tests configure (secrets on purpose: they must never show up in an alert).
WEBHOOK_TOKEN = "T0CCDATA/B0ALERTS/hookSECRETtoken42"
SMTP_USER = "alerts-bot"
SMTP_PASSWORD = "smtp-SECRET-pa55"
DAGSTER_URL = "http://dagster.example:3000"


@dataclass
class Webhook:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fail_with: int | None = None  # answer this status instead of 200

    def texts(self) -> list[str]:
        return [payload["text"] for payload in self.received]


@contextmanager
def webhook_receiver(path: str) -> Iterator[Webhook]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    hook = Webhook(url="")

    async def handle(request: web.Request) -> web.Response:
        if hook.fail_with is not None:
            return web.Response(status=hook.fail_with, text="receiver told to fail")
        hook.received.append(json.loads(await request.text()))
        hook.paths.append(request.path)
        return web.Response(text="ok")

    async def start() -> web.AppRunner:
        app = web.Application()
        app.router.add_post(path, handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        hook.url = f"http://127.0.0.1:{port}{path}"
        return runner

    runner_box: list[web.AppRunner] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        runner_box.append(loop.run_until_complete(start()))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(60), "webhook receiver did not start"  # generous: a loaded machine
    try:
        yield hook
    finally:
        asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope) -> str:  # the aiosmtpd hook name
        self.box.raw.append(envelope.content)
        self.box.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    """aiosmtpd's controller probes its own port on start, so it needs a concrete one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_receiver(user: str, password: str) -> Iterator[Mailbox]:
    """SMTP with AUTH (plain text is allowed on loopback) that accepts only user/password."""
    box = Mailbox(host="127.0.0.1", port=_free_port())

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (user, password)
        if ok:
            box.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    controller = Controller(
        _Handler(box),
        hostname="127.0.0.1",
        port=box.port,
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
        ready_timeout=60,  # aiosmtpd's default 5 s is tight on a loaded 2-core machine
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
