"""A deterministic console on Taipy: responses recorded from the real Taipy REST 4.1.1 server
(tests/taipy/recorded/, made by tests/taipy/record.py), replayed, the clock frozen a minute after the
recording. Used by the Taipy snapshot tests and by ``make screenshots``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from tests.support.harness import settle
from tests.support.harness_airflow import ReplayTransport, load
from tui.app import DagtopApp, make_app
from tui.backends.http import HttpSettings
from tui.backends.taipy import TaipyBackend
from tui.sandbox import ManualClock
from tui.widgets.header import ConnectionInfo

REPLAY_URL = "http://taipy.recorded:5000"


@dataclass
class TaipyHarness:
    app: DagtopApp
    backend: TaipyBackend
    transport: ReplayTransport
    scenarios: dict[str, str]


def build_taipy() -> TaipyHarness:
    from tests.taipy.record import NAME, RECORDED

    recording = load(NAME, RECORDED)
    transport = ReplayTransport(recording)
    clock = ManualClock(recording.recorded_at.replace(microsecond=0))
    clock.advance(60)
    backend = TaipyBackend.connect(REPLAY_URL, settings=HttpSettings(rate=None), transport=transport)
    connection = ConnectionInfo(
        profile="taipy", backend="taipy", location=backend.location, poll_interval=5.0
    )
    app = make_app(backend, connection, clock=clock.now, tz=UTC, auto_poll=False)
    return TaipyHarness(app, backend, transport, dict(recording.meta["scenarios"]))


async def select_name(pilot: Any, name: str) -> None:
    """The task list's cursor on the root called ``name`` (one scenario of each config was recorded)."""
    from tui.widgets.keyed_table import KeyedTable

    key = next(row.task.key for row in pilot.app.screen.rows if row.task.name == name)
    table = pilot.app.screen.query_one(KeyedTable)
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await pilot.pause()


def _tour(scenario: str, *keys: str):
    async def tour(pilot: Any) -> None:
        await settle(pilot)
        if scenario:
            await select_name(pilot, scenario)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return tour


async def _tour_failed_log(pilot: Any) -> None:
    await _tour("failing", "4", "f", "g", "enter")(pilot)
    await pilot.press("l")  # the run opens on the failed job
    await settle(pilot)


TOUR_TAIPY = {
    "tasks": _tour(""),
    "graph": _tour("pipeline", "t"),
    "current-runs": _tour("pipeline", "3"),
    "running-run": _tour("pipeline", "3", "enter"),
    "failed-job": _tour("failing", "4", "f", "g", "enter"),
    "failed-job-log": _tour_failed_log,
    "completed-runs": _tour("failing", "4"),
    "help": _tour("pipeline", "question_mark"),
}
