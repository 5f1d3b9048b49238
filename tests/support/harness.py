"""A deterministic console on an in-process sandbox: seeded data, a frozen clock, polling by hand.

Used by the snapshot and pilot tests, the reliability rig (tests/reliability/support.py) and by
``make screenshots``, so what the README shows is what the tests check. Test support, not product:
it lives outside the ``tui`` package and its wheel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tui.app import DagtopApp, make_app
from tui.backends.http import HttpSettings
from tui.backends.snowflake.adapter import SnowflakeBackend
from tui.backends.snowflake.auth import token_auth
from tui.sandbox import FaultConfig, ManualClock, SandboxConfig, create_app
from tui.services.journal import ActionJournal
from tui.widgets.header import ConnectionInfo

FROZEN_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
TOKEN = "harness-token-not-a-secret"


@dataclass
class Harness:
    app: DagtopApp
    sandbox: Any  # the Starlette app; .state.sandbox, .state.faults, .state.request_log
    clock: ManualClock
    backend: SnowflakeBackend

    def advance(self, seconds: float) -> None:
        """Move the simulated world and the console's clock on together."""
        self.clock.advance(seconds)


def build(
    *,
    journal_path: Path | None = None,
    read_only: bool = False,
    production: bool = False,
    seed: int = 7,
    tasks: int = 200,
    graphs: int | None = None,
    scopes: int = 5,
    warmup: float = 3600.0,
    until_failure: bool = True,
    faults: FaultConfig | None = None,
    http_settings: HttpSettings | None = None,
    keymap: dict[str, str] | None = None,
    clock: ManualClock | None = None,
    token: str = TOKEN,
    url: str = "http://sandbox",
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
    over_tcp: bool = False,
    client_options: dict[str, Any] | None = None,
    **console: Any,
) -> Harness:
    """The console on a seeded in-process sandbox, its clock ``warmup`` simulated seconds in.

    With ``until_failure`` the clock then moves on, a minute at a time, until some graph's last run
    failed: there is always a failure to triage, whatever the generator's data looks like. ``wrap`` may
    put a misbehaving transport in between; with ``over_tcp`` there is no in-process transport and the
    client talks to ``url`` over real sockets. ``client_options`` go to the Snowflake client (its clock,
    sleep, request hook); ``console`` to :func:`console_app`.
    """
    clock = clock or ManualClock(FROZEN_AT)
    sandbox = create_app(
        SandboxConfig(
            seed=seed, tasks=tasks, graphs=graphs, scopes=scopes, token=token, faults=faults or FaultConfig()
        ),
        clock=clock,
    )
    database, schema = sandbox.state.sandbox.scopes()[0]
    clock.advance(warmup)
    if until_failure:
        _advance_until_a_graph_failed(sandbox.state.sandbox, clock, database, schema)
    transport: httpx.AsyncBaseTransport | None = None if over_tcp else httpx.ASGITransport(app=sandbox)
    if wrap is not None and transport is not None:
        transport = wrap(transport)
    backend = SnowflakeBackend.connect(
        url,
        token_auth(token, "PROGRAMMATIC_ACCESS_TOKEN"),
        database,
        schema,
        settings=http_settings or HttpSettings(rate=None),
        transport=transport,
        **(client_options or {}),
    )
    app = console_app(
        backend,
        clock,
        read_only=read_only,
        production=production,
        journal_path=journal_path,
        keymap=keymap,
        **console,
    )
    return Harness(app, sandbox, clock, backend)


def console_app(
    backend: Any,
    clock: ManualClock,
    *,
    profile: str = "sandbox",
    read_only: bool = False,
    production: bool = False,
    journal_path: Path | None = None,
    verify_tls: bool = True,
    interval: float = 5.0,
    auto_poll: bool = False,
    keymap: dict[str, str] | None = None,
    notify_settings: Any = None,
) -> DagtopApp:
    """The console on ``backend`` with the header a sandbox profile gives it; polling by hand unless
    ``auto_poll``, time from ``clock``."""
    connection = ConnectionInfo(
        profile=profile,
        backend="snowflake",
        location=backend.location,
        scope=getattr(backend, "scope", ""),
        sandbox=True,
        production=production,
        read_only=read_only,
        verify_tls=verify_tls,
        poll_interval=interval,
    )
    return make_app(
        backend,
        connection,
        clock=clock.now,
        tz=UTC,
        auto_poll=auto_poll,
        journal=ActionJournal(journal_path) if journal_path else None,
        keymap=keymap,
        notify_settings=notify_settings,
    )


def _advance_until_a_graph_failed(engine: Any, clock: ManualClock, database: str, schema: str) -> None:
    roots = [task["name"] for task in engine.list_tasks(database, schema, root_only=True)]
    for _ in range(24 * 60):
        for root in roots:
            runs = engine.complete_graphs(database, schema, root, limit=1)
            if runs and runs[0]["state"] == "FAILED":
                return
        clock.advance(60)
    raise RuntimeError("no graph of the seeded sandbox failed within a simulated day")


async def settle(pilot: Any) -> None:
    """Let every poll and action in flight finish and the screen redraw."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def select_task(pilot: Any, name: str) -> None:
    """Put the task table's cursor on the task called ``name``."""
    from tui.widgets.keyed_table import KeyedTable

    table = pilot.app.screen.query_one(KeyedTable)
    # By the key's last part (Snowflake DB.SCHEMA.NAME, an Airflow dag_id) or by the task's name (a Taipy
    # key is an id like SCENARIO_failing_<uuid>, a Qlik key a task id).
    names = {r.task.key: r.task.name for r in getattr(pilot.app.screen, "rows", ())}
    for row in range(table.row_count):
        key = table.coordinate_to_cell_key((row, 0))[0].value
        if key.rsplit(".", 1)[-1] == name or names.get(key) == name:
            table.move_cursor(row=row, animate=False)
            await pilot.pause()
            return
    raise LookupError(name)


async def _failed_graph_root(pilot: Any) -> str:
    """The name of a root whose last run failed (the harness guarantees one)."""
    rows = pilot.app.screen.rows
    return next(r.task.name for r in rows if r.task.is_root and r.graph_failed)


async def _tour_tasks(pilot: Any) -> None:
    await settle(pilot)


async def _tour_detail(pilot: Any) -> None:
    await settle(pilot)
    await select_task(pilot, await _failed_graph_root(pilot))
    await pilot.press("enter")
    await settle(pilot)


async def _tour_graph(pilot: Any) -> None:
    await settle(pilot)
    await select_task(pilot, await _failed_graph_root(pilot))
    await pilot.press("t")
    await settle(pilot)


async def _tour_current(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("3", "a")
    await settle(pilot)


async def _tour_completed(pilot: Any) -> None:
    await settle(pilot)
    await select_task(pilot, await _failed_graph_root(pilot))
    await pilot.press("4")
    await settle(pilot)


async def _tour_completed_all(pilot: Any) -> None:
    await _tour_completed(pilot)
    await pilot.press("a")
    await settle(pilot)


async def _tour_run(pilot: Any) -> None:
    await _tour_completed(pilot)
    await pilot.press("f")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _tour_log(pilot: Any) -> None:
    await _tour_run(pilot)
    await pilot.press("l")
    await settle(pilot)


async def _tour_confirm(pilot: Any) -> None:
    await settle(pilot)
    await select_task(pilot, await _failed_graph_root(pilot))
    await pilot.press("X")
    await settle(pilot)


async def _tour_help(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def _tour_scope(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


async def _tour_filter(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("slash", *"status:failed")
    await settle(pilot)


# Every screen of the console and how to reach it from a fresh start: snapshots and screenshots.
TOUR = {
    "tasks": _tour_tasks,
    "tasks-filtered": _tour_filter,
    "task-detail": _tour_detail,
    "graph": _tour_graph,
    "current-runs": _tour_current,
    "completed-runs": _tour_completed,
    "completed-all-graphs": _tour_completed_all,
    "run-detail": _tour_run,
    "run-log": _tour_log,
    "confirm": _tour_confirm,
    "help": _tour_help,
    "scope-picker": _tour_scope,
}
