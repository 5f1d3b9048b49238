"""Running ``dagtop serve`` for the web tests: the real command, in its own process, on a free port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT = 30.0  # a safety net for a loaded machine, not a speed check


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str  # http://127.0.0.1:PORT
    output: Path  # its stdout and stderr

    def consoles(self) -> list[list[str]]:
        """argv of each console process it runs now (one per browser session)."""
        return [argv for pid in _descendants(self.process.pid) if (argv := _argv(pid))[1:3] == ["-m", "tui"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def dagtop_serve(tmp_path: Path, *flags: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """``dagtop serve --port P FLAGS`` until the page answers; stopped (and its consoles with it) after."""
    port = free_port()
    output = tmp_path / "serve.out"
    argv = [sys.executable, "-m", "tui", "serve", "--port", str(port), *flags]
    with output.open("wb") as sink:
        process = subprocess.Popen(
            argv, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    served = Served(process, f"http://127.0.0.1:{port}", output)
    try:
        _wait_for_page(served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_page(served: Served) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        assert served.process.poll() is None, f"dagtop serve exited: {served.output.read_text()}"
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(served.url + "/", timeout=5).status_code == 200:
                return
        assert time.monotonic() < deadline, f"dagtop serve never answered: {served.output.read_text()}"
        time.sleep(0.1)


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                # The parent is the 2nd field after the command name, which may hold spaces: after ")".
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _argv(pid: int) -> list[str]:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode().split("\0")[:-1]
    except OSError:
        return []
