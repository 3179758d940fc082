"""One small WSGI app: Prometheus text at /metrics, the health report as JSON at /health.

Requests are served in threads, so a slow health probe never delays a scrape; each scrape
computes its metrics then (prometheus_client's own WSGI app over our registry).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

Health = Callable[[], dict[str, Any]]
StartResponse = Callable[..., Any]


def build_app(registry: CollectorRegistry, health: Health) -> Callable[..., Iterable[bytes]]:
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return metrics(environ, start_response)
        if path == "/health":
            report = health()
            status = "200 OK" if report["ok"] else "503 Service Unavailable"
            body = json.dumps(report, indent=2).encode()
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not found: try /metrics or /health.\n"]

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes come every few seconds; one access-log line each is noise."""


def serve(app: Callable[..., Iterable[bytes]], host: str, port: int) -> None:
    server = make_server(host, port, app, _ThreadingServer, handler_class=_QuietHandler)
    try:
        server.serve_forever()
    finally:
        server.server_close()
