"""A real `myotrace serve` process on a free loopback port, for the browser tests and the benchmark."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, db, port: int | None = None):
        self.db, self.port = db, port or free_port()
        self.process = None
        self.started_in = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        began = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from myotrace.cli import main; main()", "serve", "--port", str(self.port),
             "--db", str(self.db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as answer:
                    if answer.status == 200:
                        self.started_in = time.perf_counter() - began
                        return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("serve exited: " + self.process.stderr.read())
                time.sleep(0.05)
        raise RuntimeError("serve did not answer within 30 s")

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
