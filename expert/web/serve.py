"""Run the app with uvicorn on 127.0.0.1 only; print the address (and open it with --open)."""
from __future__ import annotations

import socket
from pathlib import Path

HOST = "127.0.0.1"


def run(port: int = 8765, db: Path | None = None, open_browser: bool = False, say=print) -> None:
    import uvicorn

    from myotrace.expert.web.app import create_app
    from myotrace.expert.web.store import default_db_path

    path = Path(db) if db else default_db_path()
    app = create_app(path, port)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port))  # fails here, before anything is printed, when the port is taken
    address = f"http://{HOST}:{port}/"
    say(f"myotrace serve: {address}  (consultations: {path}; Ctrl-C stops)")
    if open_browser:
        import webbrowser
        webbrowser.open(address)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[listener])
