"""A TCP proxy in front of the real MariaDB that can freeze or cut connections on cue.

A frozen server (SIGSTOP, a half-open network path) and a connection lost mid-statement are
faults of the wire, not of SQL, so they are made on the wire: the proxy forwards bytes both ways
until a client sends a statement containing `trigger`; then, in "freeze" mode, it forwards
nothing more on any connection while keeping the sockets open, and in "cut" mode it closes that
connection at once. `heal()` ends the fault: later connections are forwarded normally.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class FaultyProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.trigger: bytes | None = None
        self.mode = "freeze"
        self.triggered = threading.Event()
        self._frozen = threading.Event()
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, trigger: bytes, mode: str) -> None:
        assert mode in ("freeze", "cut")
        self.trigger, self.mode = trigger, mode

    def heal(self) -> None:
        """Drop every connection (frozen ones included) and forward new ones normally."""
        self.trigger = None
        self._frozen.clear()
        for sock in list(self._sockets):
            _close(sock)
        self._sockets.clear()

    def close(self) -> None:
        self._stop.set()
        self.heal()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream, timeout=10)
            server.settimeout(None)
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        with suppress(OSError):
            while chunk := source.recv(65536):
                if from_client and self.trigger is not None and self.trigger in chunk:
                    self.triggered.set()
                    if self.mode == "cut":
                        _close(source)
                        _close(sink)
                        return
                    self._frozen.set()
                while self._frozen.is_set() and not self._stop.is_set():
                    self._stop.wait(0.1)  # hold the bytes: the server seems to hang
                if self._stop.is_set():
                    return
                sink.sendall(chunk)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()


@contextmanager
def faulty_proxy(host: str, port: int) -> Iterator[FaultyProxy]:
    proxy = FaultyProxy((host, port))
    try:
        yield proxy
    finally:
        proxy.close()
