"""A console over several profiles at once, for the inbox: two seeded sandboxes and one that is down.

Deterministic (frozen clock, seeded worlds, polls by hand) for the snapshot and pilot tests: the sandboxes
are in-process (ASGI), the down profile a real TCP port nobody listens on. The live test with real
servers on ports and a real Airflow is tests/airflow/test_inbox_live.py.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import harness
from tui.app import DagtopApp
from tui.backends.http import HttpSettings
from tui.backends.snowflake.adapter import SnowflakeBackend
from tui.backends.snowflake.auth import token_auth
from tui.config import sandbox_profile
from tui.services.inbox.acks import AckStore
from tui.services.profiles import OpenedProfile, ProfileSource


@dataclass
class Multi:
    app: DagtopApp
    prod: harness.Harness  # the console's own profile ("prod", production)
    staging: harness.Harness  # a second sandbox, another seed
    down_url: str


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(tmp_path: Path, *, home: str = "inbox") -> Multi:
    """The console on "prod" (a production sandbox, every schema), "staging" (another sandbox) and
    "down" (nobody listening); acknowledgements kept under ``tmp_path``."""
    staging = harness.build(seed=11, scopes=2, until_failure=False)
    prod = harness.build(
        seed=7,
        until_failure=False,
        scopes=3,
        production=True,
        journal_path=tmp_path / "actions.jsonl",
        clock=staging.clock,
        profile="prod",
        schemas=("all",),
        home=home,
        acks=AckStore(tmp_path / "inbox-acks.json"),
    )
    _advance_until_both_failed(prod, staging)
    down_url = f"http://127.0.0.1:{closed_port()}"
    profiles = {"staging": _opened(staging.backend, "staging", schemas=["all"]), "down": _down(down_url)}
    prod.app.profiles = ProfileSource(
        names=lambda: ["prod", "staging", "down"], open=lambda name: profiles[name]
    )
    return Multi(prod.app, prod, staging, down_url)


def _advance_until_both_failed(*worlds: harness.Harness) -> None:
    """On (a minute at a time) until each sandbox's first scope has a graph whose last run failed."""

    def failing(h: harness.Harness) -> bool:
        engine = h.sandbox.state.sandbox
        database, schema = engine.scopes()[0]
        roots = [task["name"] for task in engine.list_tasks(database, schema, root_only=True)]
        return any(
            (runs := engine.complete_graphs(database, schema, root, limit=1)) and runs[0]["state"] == "FAILED"
            for root in roots
        )

    clock = worlds[0].clock
    for _ in range(24 * 60):
        if all(failing(h) for h in worlds):
            return
        clock.advance(60)
    raise RuntimeError("the seeded sandboxes never both had a failed graph within a simulated day")


def _opened(backend: Any, name: str, *, schemas: list[str], production: bool = False) -> OpenedProfile:
    database, schema = backend.scope.split(".")
    profile = sandbox_profile("http://sandbox", harness.TOKEN, database, schema).model_copy(
        update={"name": name, "production": production, "schemas": schemas}
    )
    return OpenedProfile(backend, profile, [])


def _down(url: str) -> OpenedProfile:
    settings = HttpSettings(rate=None, max_attempts=1, connect_timeout=2.0)
    backend = SnowflakeBackend.connect(
        url,
        token_auth("not-a-real-token", "PROGRAMMATIC_ACCESS_TOKEN"),
        "ANALYTICS",
        "PUBLIC",
        settings=settings,
    )
    profile = sandbox_profile(url, "not-a-real-token", "ANALYTICS", "PUBLIC").model_copy(
        update={"name": "down", "sandbox": False, "schemas": []}
    )
    return OpenedProfile(backend, profile, [])
