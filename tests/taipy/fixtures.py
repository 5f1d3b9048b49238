"""One real Taipy REST 4.1.1 server for the whole session (xdist group "taipy": one worker owns it).

Registered in tests/conftest.py, so tests/taipy and tests/reliability share the one server.

Installing it is ``make taipy-server`` (``make test`` depends on it). The server starts in about 1 s; both
scenarios are created and submitted once, up front, and every test reads that one shared state: the
pipeline's three COMPLETED jobs (one submission), the failing scenario's FAILED boom and ABANDONED after.
Tests that change things (submit, cancel) make their own scenario so the shared state stays as described.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.taipy import servers as srv


@dataclass
class Live:
    """The running server, the scenarios made on it (config id -> scenario id) and the jobs they ran."""

    server: srv.TaipyServer
    scenarios: dict[str, str] = field(default_factory=dict)
    jobs: list[dict[str, object]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def taipy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not srv.is_installed():
        pytest.fail(f"Taipy {srv.VERSION} not installed: run `make taipy-server`", pytrace=False)
    root = Path(tmp_path_factory.mktemp("taipy"))
    started = time.monotonic()
    server = srv.start(root / "storage")
    try:
        live = Live(server)
        for config_id in ("pipeline", "failing"):
            live.scenarios[config_id] = server.create_scenario(config_id)
        for scenario in live.scenarios.values():
            server.call("POST", f"/scenarios/submit/{scenario}")
        live.jobs = server.wait_jobs()
        print(f"\nTaipy server ready and its jobs run in {time.monotonic() - started:.1f} s")
        yield live
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
