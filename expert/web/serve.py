"""Run the app with uvicorn on 127.0.0.1 only; print the address with its access token.

Slow or idle sockets cannot pile up: a client must send a whole request (head
and body) within REQUEST_TIMEOUT seconds of starting it, an idle keep-alive
connection is closed after KEEP_ALIVE seconds, connections beyond
MAX_CONNECTIONS are closed as they arrive, and more than MAX_IN_FLIGHT requests
at once get 503. Every shutdown (Ctrl-C, SIGTERM, SIGHUP) checkpoints the
database's WAL into its file.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import tempfile
from pathlib import Path
from urllib.parse import quote

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from myotrace.expert.errors import InputError

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0  # seconds to send one request's head and body
KEEP_ALIVE = 5.0  # seconds an idle keep-alive connection stays open
MAX_CONNECTIONS = 256
MAX_IN_FLIGHT = 128


class PortError(InputError):
    """The port cannot be bound."""


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each request and a cap on connections."""

    request_timeout = REQUEST_TIMEOUT
    max_connections = MAX_CONNECTIONS
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.abort()
            return
        self._arm()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:  # the first bytes of a new request on a kept-alive connection
            self._arm()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE and self.conn.their_state is not h11.SEND_BODY:
            self._disarm()  # the whole request is in (or the connection is done)

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)


def config(app, request_timeout: float = REQUEST_TIMEOUT, max_connections: int = MAX_CONNECTIONS,
           keep_alive: float = KEEP_ALIVE, in_flight: int = MAX_IN_FLIGHT) -> uvicorn.Config:
    protocol = type("Protocol", (TimedH11Protocol,), {"request_timeout": request_timeout,
                                                     "max_connections": max_connections})
    return uvicorn.Config(app, http=protocol, log_level="warning", access_log=False, lifespan="off",
                          timeout_keep_alive=keep_alive, limit_concurrency=in_flight, backlog=128,
                          timeout_graceful_shutdown=5)


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:PORT (0: any free port); PortError says why not."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError as error:
        listener.close()
        raise PortError(f"cannot serve on {HOST}:{port}: {error.strerror or error}; try another --port "
                        "(0 picks a free one)") from None
    return listener


class Server(uvicorn.Server):
    """uvicorn's server that checkpoints the database as the last step of its shutdown."""

    def __init__(self, config, store):
        super().__init__(config)
        self.store = store

    async def shutdown(self, sockets=None) -> None:
        try:
            await super().shutdown(sockets)
        finally:
            self.store.close()


def opener_file(address: str) -> Path:
    """An owner-only page that forwards to ``address``: the browser is given its path, so the token
    never appears on a command line (which ``ps`` shows to everyone)."""
    from html import escape
    address = escape(address)
    fd, name = tempfile.mkstemp(prefix="myotrace-open-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as page:
        page.write(f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={address}">'
                   f'<title>myotrace</title><p><a href="{address}">Open myotrace</a></p>\n')
    return Path(name)


def run(port: int = 8765, db: Path | None = None, open_browser: bool = False, say=print) -> None:
    from myotrace.expert.web.app import access_token, create_app
    from myotrace.expert.web.store import Store, default_db_path

    path = Path(db) if db else default_db_path()
    store = Store(path)  # StoreError (one line) before anything is bound
    opener = None
    try:
        listener = bind(port)
        port = listener.getsockname()[1]
        token = access_token()
        app = create_app(store, port, token)
        address = f"http://{HOST}:{port}/?token={quote(token, safe='')}"
        say(f"myotrace serve: consultations in {path}; Ctrl-C stops. Open this address "
            f"(it holds the access token):\n    {address}")
        server = Server(config(app), store)
        signal.signal(signal.SIGHUP, server.handle_exit)  # a closed terminal shuts down cleanly too
        if open_browser:
            import webbrowser
            opener = opener_file(address)
            webbrowser.open(opener.as_uri())
        server.run(sockets=[listener])
    finally:
        store.close()
        if opener is not None:
            opener.unlink(missing_ok=True)
