"""Real Airflow 3.3.2 and 2.11.2 for the adapter tests: started once per session, stopped by process group.

Installing them is ``make airflow-servers`` (``make test`` depends on it). The servers start side by side
(about 20 s together on 2 cores); a few runs every test reads are triggered once, up front.
"""

from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def airflow_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Live]]:
    missing = [v for v in srv.VERSIONS if not srv.is_installed(v)]
    if missing:
        pytest.fail(f"Airflow {', '.join(missing)} not installed: run `make airflow-servers`", pytrace=False)
    root = Path(tmp_path_factory.mktemp("airflow"))
    started = time.monotonic()
    running = srv.start_all(srv.VERSIONS, root)
    print(f"\nAirflow servers ready in {time.monotonic() - started:.1f} s")
    try:
        live = {v: Live(s) for v, s in running.items()}
        # Trigger on every server first, then wait: the servers (and v3's two workers) run them in parallel.
        for item in live.values():
            for dag_id in ("tui_fail", "tui_fanout", "tui_wide", "tui_mapped"):
                item.runs[dag_id] = srv.trigger(item.server, dag_id)
        for item in live.values():
            for dag_id, run_id in item.runs.items():
                srv.wait_run(item.server, dag_id, run_id)
        yield live
    finally:
        for server in running.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=srv.VERSIONS, ids=lambda v: f"airflow-{v}")
def live(request: pytest.FixtureRequest, airflow_servers: dict[str, Live]) -> Live:
    return airflow_servers[request.param]


@pytest.fixture(params=[v for v in srv.VERSIONS if int(v.split(".")[0]) >= 3], ids=lambda v: f"airflow-{v}")
def live_v3(request: pytest.FixtureRequest, airflow_servers: dict[str, Live]) -> Live:
    """Airflow 3 servers only: for what Airflow 2 does not have (JWT login, bearer tokens)."""
    return airflow_servers[request.param]
