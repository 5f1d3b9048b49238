"""Real Airflow 3.3.2 and 2.11.2 servers for the test suite: install (cached), start, stop.

Each Airflow lives in its own virtual environment OUTSIDE the project's (default
``~/.cache/dagtop/airflow-<version>``, override with ``DAGTOP_AIRFLOW_CACHE``), installed with uv from the
pinned freeze files in ``tests/airflow/constraints/``. A stamp file holding the hash of the freeze file
makes the install idempotent. ``python -m tests.airflow.servers install`` is what ``make airflow-servers``
runs; ``python -m tests.airflow.servers start 3.3.2`` starts one by hand and prints how to reach it.

The start recipes follow ../shared/specs/REAL_SERVERS.md: separate components (never ``standalone``), the
venv's ``bin`` first on PATH, the execution API URL set to the real port, ``--skip-serve-logs``, sqlite,
DAGs paused at creation, and every component in its own process group so stopping leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAGS = HERE / "dags"
CONSTRAINTS = HERE / "constraints"
V3 = "3.3.2"
V2 = "2.11.2"
VERSIONS = (V3, V2)

# Known credentials of the test servers.
ADMIN = ("admin", "admin-pass")
VIEWER = ("viewer", "viewer-pass")
# The tui_fanout DAG of dags/ as dagtop sees it: each task's predecessors, sorted (start fans out to
# three branches that join).
FANOUT_PREDECESSORS = {
    "tui_fanout": (),
    "tui_fanout/start": ("tui_fanout",),
    "tui_fanout/branch_a": ("tui_fanout/start",),
    "tui_fanout/branch_b": ("tui_fanout/start",),
    "tui_fanout/branch_c": ("tui_fanout/start",),
    "tui_fanout/join": ("tui_fanout/branch_a", "tui_fanout/branch_b", "tui_fanout/branch_c"),
}
JWT_SECRET = "dagtop-test-jwt-secret-" + "0123456789abcdef" * 4  # >= 64 bytes for HS512


def cache_dir() -> Path:
    env = os.environ.get("DAGTOP_AIRFLOW_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "dagtop"


def venv_dir(version: str) -> Path:
    return cache_dir() / f"airflow-{version}"


def _freeze(version: str) -> Path:
    return CONSTRAINTS / f"airflow-{version}-py3.11-freeze.txt"


def _stamp(version: str) -> Path:
    digest = hashlib.sha256(_freeze(version).read_bytes()).hexdigest()[:16]
    return venv_dir(version) / f".dagtop-installed-{digest}"


def is_installed(version: str) -> bool:
    return _stamp(version).exists() and (venv_dir(version) / "bin" / "airflow").exists()


def _uv() -> Path:
    """uv in a venv of its own under the cache (never the system Python, never the project venv)."""
    tool = cache_dir() / "uv-tool"
    uv = tool / "bin" / "uv"
    if not uv.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(tool)], check=True)
        subprocess.run([str(tool / "bin" / "python"), "-m", "pip", "install", "-q", "uv"], check=True)
    return uv


def install(version: str) -> float:
    """Install Airflow ``version`` if needed; return the seconds spent (0.0 when cached)."""
    if is_installed(version):
        return 0.0
    started = time.monotonic()
    uv = _uv()
    target = venv_dir(version)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run([str(uv), "venv", "-q", "--clear", "-p", python, str(target)], check=True)
    # --compile-bytecode: PYTHONDONTWRITEBYTECODE=1 here would otherwise make every start compile everything.
    subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "-q",
            "--compile-bytecode",
            "--python",
            str(target / "bin" / "python"),
            "-c",
            str(_freeze(version)),
            f"apache-airflow=={version}",
        ],
        check=True,
    )
    _stamp(version).touch()
    return time.monotonic() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AirflowServer:
    """One running Airflow (api server or webserver + scheduler [+ dag processor]) on 127.0.0.1."""

    version: str
    home: Path
    port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    start_seconds: float = 0.0
    dags: Path = DAGS  # the DAGs folder (the benchmark uses one of its own)
    expected_dags: frozenset[str] | None = None  # ready once these are listed (default: tui_* of DAGS)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def health_url(self) -> str:
        return f"{self.url}/api/v2/monitor/health" if self.major >= 3 else f"{self.url}/health"

    def _env(self) -> dict[str, str]:
        venv = venv_dir(self.version)
        # A HOME of its own (gunicorn, airflow and pip write dot-files there), never the developer's.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "XDG_"))}
        env.update(
            HOME=str(self.home),
            PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",  # components spawn `airflow` by name
            VIRTUAL_ENV=str(venv),
            AIRFLOW_HOME=str(self.home),
            AIRFLOW__CORE__DAGS_FOLDER=str(self.dags),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
            AIRFLOW__CORE__UNIT_TEST_MODE="False",
        )
        if self.major >= 3:
            env.update(
                AIRFLOW__CORE__EXECUTOR="LocalExecutor",
                AIRFLOW__CORE__PARALLELISM="2",
                AIRFLOW__API__HOST="127.0.0.1",
                AIRFLOW__API__PORT=str(self.port),
                AIRFLOW__API__WORKERS="1",
                AIRFLOW__API__BASE_URL=self.url,
                AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{self.url}/execution/",
                AIRFLOW__API__SECRET_KEY="dagtop-test",
                AIRFLOW__API_AUTH__JWT_SECRET=JWT_SECRET,
                AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
                AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK="False",
                AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=f"{ADMIN[0]}:admin,{VIEWER[0]}:viewer",
                AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(self.home / "passwords.json"),
            )
        else:
            env.update(
                AIRFLOW__CORE__EXECUTOR="SequentialExecutor",  # sqlite => Sequential only
                AIRFLOW__API__AUTH_BACKENDS=(
                    "airflow.providers.fab.auth_manager.api.auth.backend.basic_auth,"
                    "airflow.api.auth.backend.session"
                ),
                AIRFLOW__WEBSERVER__WEB_SERVER_HOST="127.0.0.1",
                AIRFLOW__WEBSERVER__WEB_SERVER_PORT=str(self.port),
                AIRFLOW__WEBSERVER__WORKERS="1",
                AIRFLOW__WEBSERVER__SECRET_KEY="dagtop-test",
                AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL="5",
            )
        return env

    def _run(self, *args: str) -> None:
        subprocess.run(
            ["airflow", *args],
            env=self._env(),
            cwd=self.home,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.home / f"{name}.log", "wb")  # noqa: SIM115 - the child owns it
        proc = subprocess.Popen(
            ["airflow", *args],
            env=self._env(),
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() kills the whole tree
        )
        log.close()
        self.procs.append(proc)

    def launch(self) -> None:
        """Prepare the database and users and spawn the components (does not wait)."""
        if not is_installed(self.version):
            raise RuntimeError(f"Airflow {self.version} is not installed: run `make airflow-servers`")
        self.home.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        if self.major >= 3:
            (self.home / "passwords.json").write_text(json.dumps({ADMIN[0]: ADMIN[1], VIEWER[0]: VIEWER[1]}))
            self._run("db", "migrate")
            self._spawn("api", "api-server")
            self._spawn("scheduler", "scheduler", "--skip-serve-logs")
            self._spawn("dag-processor", "dag-processor")
        else:
            self._run("db", "migrate")
            self._run("users", "create", "-u", ADMIN[0], "-p", ADMIN[1], "-r", "Admin", "-f", "A", "-l", "D",
                      "-e", "admin@example.com")  # fmt: skip
            self._run("sync-perm")  # required before non-Admin roles exist
            self._run("users", "create", "-u", VIEWER[0], "-p", VIEWER[1], "-r", "Viewer", "-f", "V", "-l",
                      "W", "-e", "viewer@example.com")  # fmt: skip
            self._spawn("webserver", "webserver")
            self._spawn("scheduler", "scheduler", "--skip-serve-logs")
        self._launched_at = started

    def wait_healthy(self, timeout: float = 120.0) -> None:
        """Wait for health 200 and every test DAG parsed (DAG listing needs auth: use the admin)."""
        deadline = time.monotonic() + timeout
        expected = self.expected_dags or {p.stem for p in DAGS.glob("tui_*.py") if p.stem != "tui_broken"}
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"Airflow {self.version} component exited: {self.logs_tail()}")
            try:
                if expected <= self._dag_ids():
                    self.start_seconds = time.monotonic() - self._launched_at
                    return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"Airflow {self.version} not ready in {timeout} s: {self.logs_tail()}")

    def _dag_ids(self) -> set[str]:
        urllib.request.urlopen(self.health_url, timeout=10).read()  # noqa: S310 - loopback
        headers = {"Authorization": self.admin_authorization()}
        base = "/api/v2" if self.major >= 3 else "/api/v1"
        req = urllib.request.Request(f"{self.url}{base}/dags?limit=100", headers=headers)  # noqa: S310
        body = json.loads(urllib.request.urlopen(req, timeout=10).read())  # noqa: S310
        return {d["dag_id"] for d in body["dags"]}

    def admin_authorization(self) -> str:
        """``Authorization`` header value for the admin (a JWT fetched once, or basic auth)."""
        import base64

        cached = getattr(self, "_admin_auth", None)
        if cached:
            return cached
        if self.major >= 3:
            req = urllib.request.Request(  # noqa: S310 - loopback
                f"{self.url}/auth/token",
                data=json.dumps({"username": ADMIN[0], "password": ADMIN[1]}).encode(),
                headers={"Content-Type": "application/json"},
            )
            token = json.loads(urllib.request.urlopen(req, timeout=30).read())["access_token"]  # noqa: S310
            self._admin_auth = f"Bearer {token}"
            return self._admin_auth
        return "Basic " + base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()

    def logs_tail(self, chars: int = 3000) -> str:
        out = []
        for log in sorted(self.home.glob("*.log")):
            out.append(f"--- {log.name}\n{log.read_text(errors='replace')[-chars:]}")
        return "\n".join(out)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):  # what is left of the group (workers, ...)
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs.clear()


def start_all(versions: tuple[str, ...] = VERSIONS, root: Path | None = None) -> dict[str, AirflowServer]:
    """Start the servers side by side (their start-up overlaps) and wait for all of them."""
    root = root or Path(tempfile.mkdtemp(prefix="dagtop-airflow-"))
    servers = {v: AirflowServer(v, root / f"home-{v}") for v in versions}
    try:
        for server in servers.values():
            server.launch()
        for server in servers.values():
            server.wait_healthy()
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def main(argv: list[str]) -> int:
    cmd, *rest = argv or ["install"]
    versions = tuple(rest) or VERSIONS
    if cmd == "install":
        for version in versions:
            seconds = install(version)
            state = f"installed in {seconds:.1f} s" if seconds else "cached"
            print(f"Airflow {version}: {state} ({venv_dir(version)})")
        return 0
    if cmd == "start":
        servers = start_all(versions)
        for s in servers.values():
            print(f"Airflow {s.version} at {s.url} ({ADMIN[0]} / {ADMIN[1]}) up in {s.start_seconds:.1f} s")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            for s in servers.values():
                s.stop()
                shutil.rmtree(s.home, ignore_errors=True)
        return 0
    print("usage: python -m tests.airflow.servers install|start [VERSION...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# --------------------------------------------------------------------------------------------- test data


def api(server: AirflowServer, method: str, path: str, body: object = None) -> object:
    """One admin request to ``/api/v2|v1`` + ``path`` (test set-up only; the adapter is under test)."""
    base = "/api/v2" if server.major >= 3 else "/api/v1"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(  # noqa: S310 - loopback
        f"{server.url}{base}{path}",
        data=data,
        method=method,
        headers={"Authorization": server.admin_authorization(), "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310
        raw = resp.read()
    return json.loads(raw) if raw else None


def trigger(server: AirflowServer, dag_id: str) -> str:
    """Unpause ``dag_id`` and trigger a run now; its (server-made, ``+`` and ``:`` bearing) run id."""
    api(server, "PATCH", f"/dags/{dag_id}?update_mask=is_paused", {"is_paused": False})
    body: dict[str, object] = {"conf": {}}
    if server.major >= 3:
        body["logical_date"] = None
    run = api(server, "POST", f"/dags/{dag_id}/dagRuns", body)
    assert isinstance(run, dict)
    return str(run["dag_run_id"])


# The test DAG files that do not import (each one import error on the server), and the DAGs that are
# not named tui_* (the servers are ready before these are listed: wait for them where they matter).
BROKEN_FILES = frozenset({"tui_broken.py", "broken_syntax.py"})
DOCS_DAG = "docs_dag"


def wait_import_errors(server: AirflowServer, timeout: float = 120.0) -> list[dict[str, object]]:
    """Until every broken test DAG file is listed as an import error and docs_dag is parsed; the
    import errors as the server lists them."""
    deadline = time.monotonic() + timeout
    files: set[str] = set()
    while time.monotonic() < deadline:
        body = api(server, "GET", "/importErrors")
        assert isinstance(body, dict)
        errors = body["import_errors"]
        files = {Path(str(e["filename"])).name for e in errors}
        if files >= BROKEN_FILES and DOCS_DAG in server._dag_ids():
            return errors
        time.sleep(0.5)
    raise TimeoutError(f"import errors {sorted(files)} (want {sorted(BROKEN_FILES)}): {server.logs_tail()}")


def wait_run(server: AirflowServer, dag_id: str, run_id: str, timeout: float = 120.0) -> str:
    """Poll a run until it finishes; its final state."""
    from urllib.parse import quote

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = api(server, "GET", f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")
        assert isinstance(run, dict)
        if run["state"] in ("success", "failed"):
            return str(run["state"])
        time.sleep(0.5)
    raise TimeoutError(f"{dag_id} {run_id} did not finish in {timeout} s: {server.logs_tail()}")
