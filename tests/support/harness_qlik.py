"""A deterministic console on the Qlik dialect of the sandbox: seeded tasks and chains, a frozen clock,
polling by hand, every response checked against Qlik's published types on its way to the client.

Used by the Qlik backend tests, the Qlik pilot and snapshot tests and ``make screenshots``. Test
support, not product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.sandbox.qlik_contract import QlikChecker
from tests.support.harness import FROZEN_AT, TOUR
from tui.app import DagtopApp, make_app
from tui.backends.auth import BearerAuth
from tui.backends.http import HttpSettings
from tui.backends.qlik import QlikBackend
from tui.sandbox import ManualClock, SandboxConfig, create_app
from tui.services.journal import ActionJournal
from tui.widgets.header import ConnectionInfo

KEY = "qlik-harness-api-key-not-a-secret"
URL = "http://tenant.qlik.test"


class CheckedTransport(httpx.AsyncBaseTransport):
    """The in-process sandbox, each of its answers validated against Qlik's types before the client
    sees it (a violation fails the test that caused it, where it happened)."""

    def __init__(self, app: Any, checker: QlikChecker) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.checker = checker

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        checked = httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )
        self.checker.check(checked)
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)


@dataclass
class QlikRig:
    sandbox: Any  # the Starlette app: .state.qlik (QlikService), .state.sandbox, .state.request_log
    clock: ManualClock
    backend: QlikBackend
    checker: QlikChecker
    failed_root: str | None = None  # the Qlik id of a chain whose latest run failed (with until_failure)

    @property
    def service(self) -> Any:
        return self.sandbox.state.qlik

    def requests(self, fragment: str = "") -> list[tuple[str, str, int]]:
        return [r for r in self.sandbox.state.request_log if fragment in r[1]]


@dataclass
class Seeded:
    """The seeded Qlik sandbox and its clock, before any client: several consoles may read one (the
    snapshot tests, whose tours change nothing), so the simulation is laid out once for all of them."""

    sandbox: Any
    clock: ManualClock
    failed: tuple[str, str, str] | None  # (database, schema, root) of a chain whose last run failed


def seeded(
    *, seed: int = 7, tasks: int = 120, warmup: float = 3600.0, until_failure: bool = True, **options: Any
) -> Seeded:
    """The Qlik sandbox (``options``: SandboxConfig's qlik_* fields), the clock ``warmup`` simulated
    seconds in and, with ``until_failure``, on until some chain's last run failed."""
    clock = ManualClock(FROZEN_AT)
    config = SandboxConfig(seed=seed, tasks=tasks, token=KEY, dialect="qlik", **options)
    sandbox = create_app(config, clock=clock)
    clock.advance(warmup)
    failed = _advance_until_a_graph_failed(sandbox.state.sandbox, clock) if until_failure else None
    return Seeded(sandbox, clock, failed)


def build_backend(
    *,
    key: str = KEY,
    settings: HttpSettings | None = None,
    apps: tuple[str, ...] = (),
    page_limit: int = 100,
    check: bool = True,
    world: Seeded | None = None,
    **options: Any,
) -> QlikRig:
    """A backend on the Qlik sandbox ``world`` (default: a new one, ``options`` going to :func:`seeded`).
    ``check=False`` lets through what Qlik's types refuse (string error codes, which the CLI docs quote)."""
    assert world is None or not options, "a shared world is already seeded: options go to seeded()"
    world = world or seeded(**options)
    sandbox, clock, failed = world.sandbox, world.clock, world.failed
    checker = QlikChecker(list_sample=3)  # every response checked, a page by its first items
    transport: httpx.AsyncBaseTransport = (
        CheckedTransport(sandbox, checker) if check else httpx.ASGITransport(app=sandbox)
    )
    backend = QlikBackend.connect(
        URL,
        BearerAuth(key),
        settings=settings or HttpSettings(rate=None),
        transport=transport,
        apps=apps,
        page_limit=page_limit,
    )
    failed_root = None
    if failed is not None:
        database, schema, name = failed
        failed_root = sandbox.state.qlik.state.ids[(database, schema, name)]
    return QlikRig(sandbox, clock, backend, checker, failed_root)


def _advance_until_a_graph_failed(engine: Any, clock: ManualClock) -> tuple[str, str, str]:
    """(database, schema, root name) of the first graph whose latest run failed."""
    for _ in range(24 * 60):
        for database, schema in engine.scopes():
            for task in engine.list_tasks(database, schema, root_only=True):
                runs = engine.complete_graphs(database, schema, task["name"], limit=1)
                if runs and runs[0]["state"] == "FAILED":
                    return database, schema, task["name"]
        clock.advance(60)
    raise RuntimeError("no graph of the seeded sandbox failed within a simulated day")


def build(*, read_only: bool = False, journal_path: Any = None, **options: Any) -> tuple[DagtopApp, QlikRig]:
    """The console on a Qlik profile pointing at the seeded Qlik sandbox."""
    rig = build_backend(**options)
    connection = ConnectionInfo(
        profile="qlik-sandbox",
        backend="qlik",
        location=rig.backend.location,
        scope="",
        sandbox=True,
        production=False,
        read_only=read_only,
        verify_tls=True,
        poll_interval=5.0,
    )
    from datetime import UTC

    app = make_app(
        rig.backend,
        connection,
        clock=rig.clock.now,
        tz=UTC,
        auto_poll=False,
        journal=ActionJournal(journal_path) if journal_path else None,
    )
    return app, rig


async def _tour_disable(pilot: Any) -> None:
    """The confirmation of disabling a chain's first task: it says Qlik makes the caller the owner."""
    from tests.support.harness import _failed_graph_root, select_task, settle

    await settle(pilot)
    await select_task(pilot, await _failed_graph_root(pilot))
    await pilot.press("s")
    await settle(pilot)


# Screens the console has on Qlik: no scope picker (a tenant has no scopes); the run log is the failed
# reload's own log (``run-log`` in TOUR opens the failed run's first task's log: see qlik tests).
TOUR_QLIK = {name: step for name, step in TOUR.items() if name not in ("scope-picker", "confirm")}
TOUR_QLIK["confirm-disable"] = _tour_disable
