"""A real `myotrace serve` process on loopback, for the browser tests and the benchmark.

The server binds port 0 itself (no free-port probe that another process could take before the
server binds it) and prints its address with the access token; ``start`` reads both from its
standard output.
"""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import quote, unquote

ADDRESS = re.compile(r"http://127\.0\.0\.1:(\d+)/(?:\?token=(\S+))?")


class Server:
    def __init__(self, db, port: int = 0, python: str = sys.executable, env: dict | None = None):
        self.db, self.port, self.python = db, port, python
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.token = ""
        self.process = None
        self.started_in = None
        self.log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def entry(self, path: str = "/") -> str:
        """``path`` with the access token: a browser's first visit (it sets the cookie and redirects)."""
        joiner = "&" if "?" in path else "?"
        return f"{self.url}{path}{joiner}token={quote(self.token, safe='')}"

    def request(self, path: str, method: str = "GET", data: bytes | None = None, headers=None):
        """A urllib Request for ``path`` that carries the access token as a script does."""
        return urllib.request.Request(self.url + path, data=data, method=method,
                                      headers={"Authorization": f"Bearer {self.token}", **(headers or {})})

    def start(self) -> "Server":
        began = time.perf_counter()
        self.log = tempfile.TemporaryFile()  # stderr: a pipe nobody reads could fill and block the server
        self.process = subprocess.Popen(
            [self.python, "-c", "from myotrace.cli import main; main()", "serve", "--port", str(self.port),
             "--db", str(self.db)], stdout=subprocess.PIPE, stderr=self.log, env=self.env)
        deadline = time.monotonic() + 30
        printed = b""
        while time.monotonic() < deadline and not ADDRESS.search(printed.decode(errors="replace")):
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                printed += chunk
                if not chunk:
                    break
            elif self.process.poll() is not None:
                break
        found = ADDRESS.search(printed.decode(errors="replace"))
        if found is None:
            self.stop()
            raise RuntimeError(f"serve printed no address: {printed!r} {self.stderr()}")
        self.port, self.token = int(found[1]), unquote(found[2] or "")
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.request("/"), timeout=2) as answer:
                    if answer.status == 200:
                        self.started_in = time.perf_counter() - began
                        return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("serve exited: " + self.stderr()) from None
                time.sleep(0.05)
        raise RuntimeError("serve did not answer within 30 s")

    def stderr(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """Like a crash: SIGKILL, no shutdown code runs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
