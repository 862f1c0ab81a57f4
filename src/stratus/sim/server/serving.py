"""Serving an ASGI app on loopback from a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading

import uvicorn
from starlette.types import ASGIApp

__all__ = ["ServedApp"]


class ServedApp:
    """An app listening on ``host:port`` (port 0 picks a free one) until ``stop()``."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when the
        # listening socket names its protocol; without it every response waits ~40 ms (Nagle).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError as exc:
            self._socket.close()
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            ws="websockets-sansio",
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServedApp:
        def run() -> None:
            asyncio.run(self._server.serve(sockets=[self._socket]))

        self._thread = threading.Thread(target=run, name=f"serve-{self.port}", daemon=True)
        self._thread.start()
        started = threading.Event()

        def wait() -> None:
            while not self._server.started and self._thread is not None and self._thread.is_alive():
                started.wait(0.01)

        wait()
        if not self._server.started:
            raise RuntimeError(f"the server on {self.url} did not start")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._socket.close()
