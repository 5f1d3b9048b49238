"""A real Taipy REST 4.1.1 server for the test suite: install (cached), start, stop, and set up its data.

Taipy lives in its own virtual environment OUTSIDE the project's (``~/.cache/dagtop/taipy-4.1.1``, next to
the Airflow servers; ``DAGTOP_AIRFLOW_CACHE`` moves both), installed with uv from the pinned freeze file in
``tests/taipy/constraints/``; a stamp named after the freeze file's hash makes the install a no-op once done.
``python -m tests.taipy.servers install`` is what ``make taipy-server`` runs; ``... start`` runs one by hand.

The server script and its task functions are ``tests/taipy/app/`` (see the script's docstring for the
scenarios). It is started with setsid (its own process group) and stopped by killing the group: standalone
workers and the multiprocessing resource tracker outlive a SIGTERM to the main process (REAL_SERVERS.md
gotcha 7). Storage goes to a temporary directory, never the working directory (gotcha 5).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.airflow.servers import _uv, cache_dir, free_port

HERE = Path(__file__).resolve().parent
APP = HERE / "app"
VERSION = "4.1.1"
FREEZE = HERE / "constraints" / f"taipy-{VERSION}-py3.11-freeze.txt"
# Seconds the slow task (double) sleeps: long enough to be seen RUNNING, short for `make test`.
SLOW_SECONDS = 3.0
UNFINISHED = frozenset({"Status.SUBMITTED", "Status.BLOCKED", "Status.PENDING", "Status.RUNNING"})


def venv_dir() -> Path:
    return cache_dir() / f"taipy-{VERSION}"


def _stamp() -> Path:
    digest = hashlib.sha256(FREEZE.read_bytes()).hexdigest()[:16]
    return venv_dir() / f".dagtop-installed-{digest}"


def is_installed() -> bool:
    return _stamp().exists() and (venv_dir() / "bin" / "python").exists()


def install() -> float:
    """Install taipy-rest if needed; the seconds spent (0.0 when cached). taipy-rest alone is enough:
    the server uses taipy.common.config, taipy.core and taipy.rest (no GUI)."""
    if is_installed():
        return 0.0
    started = time.monotonic()
    uv, target = _uv(), venv_dir()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run([str(uv), "venv", "-q", "--clear", "-p", python, str(target)], check=True)
    subprocess.run(
        [str(uv), "pip", "install", "-q", "--compile-bytecode", "--python", str(target / "bin" / "python"),
         "-c", str(FREEZE), f"taipy-rest=={VERSION}"],
        check=True,
    )  # fmt: skip
    _stamp().touch()
    return time.monotonic() - started


@dataclass
class TaipyServer:
    """One running Taipy REST server (with its orchestrator and standalone workers) on 127.0.0.1."""

    storage: Path
    bare_errors: bool = False  # as Taipy ships: every error a bare 500 (PROPAGATE_EXCEPTIONS off)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    start_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def start(self, timeout: float = 60.0) -> None:
        if not is_installed():
            raise RuntimeError(f"Taipy {VERSION} is not installed: run `make taipy-server`")
        self.storage.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TAIPY", "PYTHON"))}
        env.update(PYTHONPATH=str(APP), DAGTOP_TAIPY_SLOW=str(SLOW_SECONDS), HOME=str(self.storage))
        args = [str(venv_dir() / "bin" / "python"), str(APP / "dagtop_taipy_server.py"), str(self.port)]
        args += [str(self.storage), *(["--bare-errors"] if self.bare_errors else [])]
        log = open(self.storage / "server.log", "wb")  # noqa: SIM115 - the child owns it
        started = time.monotonic()
        # cwd = storage: whatever Taipy still writes to the working directory stays in the temp dir.
        self.proc = subprocess.Popen(
            args, env=env, cwd=self.storage, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Taipy server exited: {self.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                urllib.request.urlopen(f"{self.api}/scenarios/", timeout=5).read()  # noqa: S310 - loopback
                self.start_seconds = time.monotonic() - started
                return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"Taipy server not ready in {timeout} s: {self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        path = self.storage / "server.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left of it (workers, resource tracker)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        # SIGKILL is delivered asynchronously: wait (bounded) until the rest of the group is gone too.
        deadline = time.monotonic() + 10
        while live_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    # ------------------------------------------------------------------------- test set-up (not under test)

    def call(self, method: str, path: str, body: object = None) -> object:
        """One request to ``/api/v1`` + ``path``; the JSON answer (set-up only: the adapter is under test)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.api}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            raw = resp.read()
        return json.loads(raw) if raw else None

    def create_scenario(self, config_id: str) -> str:
        body = self.call("POST", f"/scenarios/?config_id={config_id}")
        assert isinstance(body, dict)
        return str(body["scenario"]["id"])

    def jobs(self) -> list[dict[str, object]]:
        body = self.call("GET", "/jobs/")
        assert isinstance(body, list)
        return body

    def wait_jobs(self, ids: set[str] | None = None, timeout: float = 60.0) -> list[dict[str, object]]:
        """Poll until no job (of ``ids``, or at all) is unfinished; every job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.jobs()
            if not any(j["status"] in UNFINISHED for j in jobs if ids is None or j["id"] in ids):
                return jobs
            time.sleep(0.1)
        raise TimeoutError(f"Taipy jobs still unfinished after {timeout} s: {self.log_tail()}")


def live_members(group: int) -> list[int]:
    """The processes of process group ``group`` still alive (zombies, dead but not yet reaped by init,
    are not counted), from /proc."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # Fields after the ")" closing the command name: state, ppid, pgrp, ...
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
            if int(pgrp) == group and state != "Z":
                alive.append(int(stat.parent.name))
    return alive


def start(storage: Path | None = None, bare_errors: bool = False) -> TaipyServer:
    server = TaipyServer(storage or Path(tempfile.mkdtemp(prefix="dagtop-taipy-")), bare_errors=bare_errors)
    server.start()
    return server


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "install"
    if cmd == "install":
        seconds = install()
        print(f"Taipy {VERSION}: {f'installed in {seconds:.1f} s' if seconds else 'cached'} ({venv_dir()})")
        return 0
    if cmd == "start":
        server = start()
        for config_id in ("pipeline", "failing"):
            server.create_scenario(config_id)
        print(f"Taipy REST {VERSION} at {server.url} (no auth) up in {server.start_seconds:.1f} s")
        print(f"  dagtop --backend taipy --url {server.url}")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
        return 0
    print("usage: python -m tests.taipy.servers install|start", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
