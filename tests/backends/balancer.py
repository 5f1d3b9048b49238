"""A TCP relay that forgets idle connections the way cloud load balancers do.

Snowflake and Airflow sit behind balancers with their own idle timeouts. When one forgets an idle
connection it tells nobody: the client's pooled socket still looks open (no FIN to read), and the next
request on it is answered with a reset. The server behind never sees that request. This relay does
exactly that, so a test can put a client on the wrong side of an idle boundary every time instead of
hoping to hit a race.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from types import TracebackType


class IdleDroppingBalancer:
    """``with IdleDroppingBalancer(upstream_port, idle=0.3) as lb:`` relays ``lb.url`` to the upstream."""

    def __init__(self, upstream_port: int, idle: float, host: str = "127.0.0.1") -> None:
        self.upstream = (host, upstream_port)
        self.idle = idle
        self.resets = 0  # requests that arrived on a forgotten connection
        self._listener = socket.create_server((host, 0))
        self.url = f"http://{host}:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> IdleDroppingBalancer:
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._relay, client)

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream)
        peers = {client: upstream, upstream: client}
        last = time.monotonic()
        with selectors.DefaultSelector() as sel, client, upstream:
            sel.register(client, selectors.EVENT_READ)
            sel.register(upstream, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.1):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if source is client and data and time.monotonic() - last > self.idle:
                        # Forgotten while idle: reset, and the upstream never hears of the request.
                        self.resets += 1
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        return
                    if not data:
                        return
                    last = time.monotonic()
                    with contextlib.suppress(OSError):
                        peers[source].sendall(data)
