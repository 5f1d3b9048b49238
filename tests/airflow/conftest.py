"""Real Airflow 3.3.2 and 2.11.2 for the adapter tests: each started once per session, on first use, and
stopped by process group.

Installing them is ``make airflow-servers`` (``make test`` depends on it). Under xdist the tests of each
version run on one worker (tests/conftest.py groups them by version), so each worker starts only the server
its tests need and the two versions' ~90 live tests run side by side; a few runs every test reads are
triggered once, when the server starts.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.airflow import servers as srv


@dataclass
class Live:
    """One running server and the runs prepared on it (dag_id -> run id, finished)."""

    server: srv.AirflowServer
    runs: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return "v2" if self.server.major >= 3 else "v1"


PREPARED = ("tui_fail", "tui_fanout", "tui_wide", "tui_mapped")  # triggered once, read by many tests


class AirflowPool:
    """The servers of this session, each started when a test first asks for its version. A start that
    failed fails every test of that version with the same error, without starting it again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._live: dict[str, Live] = {}
        self._failed: dict[str, BaseException] = {}
        self._running: list[srv.AirflowServer] = []

    def __getitem__(self, version: str) -> Live:
        if version in self._failed:
            raise RuntimeError(f"Airflow {version} did not start: {self._failed[version]}")
        if version not in self._live:
            try:
                self._live[version] = self._start(version)
            except BaseException as exc:
                self._failed[version] = exc
                raise
        return self._live[version]

    def _start(self, version: str) -> Live:
        started = time.monotonic()
        [server] = srv.start_all((version,), self.root).values()
        self._running.append(server)
        print(f"\nAirflow {version} ready in {time.monotonic() - started:.1f} s")
        live = Live(server)
        for dag_id in PREPARED:
            live.runs[dag_id] = srv.trigger(server, dag_id)
        for dag_id, run_id in live.runs.items():
            srv.wait_run(server, dag_id, run_id)
        return live

    def stop(self) -> None:
        for server in self._running:
            server.stop()


@pytest.fixture(scope="session")
def airflow_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowPool]:
    missing = [v for v in srv.VERSIONS if not srv.is_installed(v)]
    if missing:
        pytest.fail(f"Airflow {', '.join(missing)} not installed: run `make airflow-servers`", pytrace=False)
    root = Path(tmp_path_factory.mktemp("airflow"))
    pool = AirflowPool(root)
    try:
        yield pool
    finally:
        pool.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=srv.VERSIONS, ids=lambda v: f"airflow-{v}")
def live(request: pytest.FixtureRequest, airflow_servers: AirflowPool) -> Live:
    return airflow_servers[request.param]


@pytest.fixture(params=[v for v in srv.VERSIONS if int(v.split(".")[0]) >= 3], ids=lambda v: f"airflow-{v}")
def live_v3(request: pytest.FixtureRequest, airflow_servers: AirflowPool) -> Live:
    """Airflow 3 servers only: for what Airflow 2 does not have (JWT login, bearer tokens)."""
    return airflow_servers[request.param]


def dagtop_cli(live: Live, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """``dagtop --config … -c af`` on this server, run as a subprocess: the argv's start and its environment
    (the password, a temporary HOME, none of the developer's DAGTOP_/XDG_ variables, no colour)."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.af]\nbackend = "airflow"\nurl = "{live.server.url}"\nusername = "{srv.ADMIN[0]}"\n'
        'password_env = "AIRFLOW_PASSWORD"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGTOP_", "XDG_"))}
    env.update(HOME=str(tmp_path), AIRFLOW_PASSWORD=srv.ADMIN[1], NO_COLOR="1")
    return [sys.executable, "-m", "tui", "--config", str(config), "-c", "af"], env
