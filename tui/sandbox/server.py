"""Serve the sandbox over real HTTP with uvicorn in a background thread (tests, the console)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from tui.sandbox.app import create_app
from tui.sandbox.clock import Clock
from tui.sandbox.config import SandboxConfig
from tui.sandbox.faults import RAW_SEND

KEEP_ALIVE = 5.0


class SandboxServer:
    """``with SandboxServer(config) as server:`` serves on ``server.url`` until the block ends."""

    def __init__(
        self,
        config: SandboxConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        keep_alive: float = KEEP_ALIVE,
    ) -> None:
        """``keep_alive``: seconds an idle connection stays open (uvicorn's default, like Airflow 3's)."""
        self.config = config
        self.token = config.token
        self.app = create_app(config, clock=clock)
        self.host = host
        # IPPROTO_TCP named, not 0: accepted sockets inherit it, and asyncio turns Nagle off
        # (TCP_NODELAY) only on sockets that say TCP. With Nagle on, a response's body waits for the
        # client's delayed ACK of its headers: 40 ms added to every request on a kept-alive connection.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = self._sock.getsockname()[1]
        bracketed = f"[{host}]" if ":" in host else host
        self.url = f"http://{bracketed}:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                self._asgi, interface="asgi3", log_level="warning", access_log=False, lifespan="off",
                timeout_graceful_shutdown=1, timeout_keep_alive=keep_alive,  # type: ignore[arg-type]
                date_header=False,  # the app sends its own clock's Date
            )
        )  # fmt: skip
        self._thread: threading.Thread | None = None

    async def _asgi(self, scope: dict, receive: Any, send: Any) -> None:
        # Keep uvicorn's own send reachable so the drop fault can abort the socket under it.
        scope[RAW_SEND] = send
        await self.app(scope, receive, send)

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout=5)
        self._sock.close()

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C interrupts the wait; then call ``stop``)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
