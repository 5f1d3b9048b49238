"""A deterministic console on Taipy: responses recorded from a real Taipy REST 4.1.1 (tests/taipy/record.py,
tests/taipy/recorded/), replayed by the Airflow harness's ReplayTransport, with a frozen clock.

``TOUR_TAIPY`` is every screen the console has on Taipy and how to reach it: the Airflow/sandbox tour
without the scope picker (Taipy has no scopes), the confirmation of a submit (Taipy has no retry), and
the failed job's stack trace as the task log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from tests.support.harness import TOUR, select_task, settle
from tests.support.harness_airflow import ReplayTransport, load
from tui.app import DagtopApp, make_app
from tui.backends.http import HttpSettings
from tui.backends.taipy import TaipyBackend
from tui.sandbox import ManualClock
from tui.widgets.header import ConnectionInfo

RECORDED = Path(__file__).resolve().parent.parent / "taipy" / "recorded"
RECORDING = "4.1.1"
REPLAY_URL = "http://taipy.recorded:5000"


async def _tour_task_log(pilot: Any) -> None:
    """The failed job's log (its stack trace) in the failed run."""
    from tui.screens.graph import GraphTree

    await TOUR["run-detail"](pilot)
    detail = pilot.app.screen
    failed = next(tr.task for tr in detail.snapshot.task_runs if tr.state.value == "FAILED")
    node = next(n for n in detail._tree_nodes.values() if n.data.key == failed)
    detail.query_one(GraphTree).move_cursor(node)
    await pilot.pause()
    await pilot.press("l")
    await settle(pilot)


async def _tour_submit(pilot: Any) -> None:
    """Submitting the sequence pipeline/head: the confirmation names what runs."""
    await settle(pilot)
    await select_task(pilot, "pipeline/head")
    await pilot.press("x")
    await settle(pilot)


TOUR_TAIPY = {name: step for name, step in TOUR.items() if name not in ("scope-picker", "confirm")}
TOUR_TAIPY["task-log"] = _tour_task_log
TOUR_TAIPY["confirm-submit"] = _tour_submit


@dataclass
class TaipyHarness:
    app: DagtopApp
    backend: TaipyBackend
    transport: ReplayTransport
    clock: ManualClock


def build_taipy(name: str = RECORDING, *, root: Path = RECORDED) -> TaipyHarness:
    """The console on a replayed Taipy, its clock frozen a minute after the recording was made."""
    recording = load(name, root)
    transport = ReplayTransport(recording)
    clock = ManualClock(recording.recorded_at.replace(microsecond=0))
    clock.advance(60)
    backend = TaipyBackend.connect(REPLAY_URL, settings=HttpSettings(rate=None), transport=transport)
    connection = ConnectionInfo(
        profile="taipy", backend="taipy", location=backend.location, poll_interval=5.0
    )
    app = make_app(backend, connection, clock=clock.now, tz=UTC, auto_poll=False)
    return TaipyHarness(app, backend, transport, clock)


def build_taipy_live(url: str) -> DagtopApp:
    """The console on a real Taipy server (polling by hand, the real clock)."""
    from datetime import datetime

    backend = TaipyBackend.connect(url, settings=HttpSettings(rate=None))
    connection = ConnectionInfo(
        profile="taipy", backend="taipy", location=backend.location, poll_interval=5.0
    )
    return make_app(backend, connection, clock=lambda: datetime.now(UTC), tz=UTC, auto_poll=False)


async def _tour_running_run(pilot: Any) -> None:
    """The pipeline's second run while its slow job RUNs: how long it has been running, seen by dagtop."""
    await settle(pilot)
    await select_task(pilot, "pipeline")
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


TOUR_TAIPY["running-run"] = _tour_running_run


def _tour_cancel(task_name: str):
    async def tour(pilot: Any) -> None:
        """ctrl+k on one job of the running run: BLOCKED (can be cancelled) or RUNNING (says why not)."""
        from tui.screens.graph import GraphTree

        await _tour_running_run(pilot)
        detail = pilot.app.screen
        node = next(
            n
            for n in detail._tree_nodes.values()
            if detail.snapshot.graph.tasks[n.data.key].name == task_name
        )
        detail.query_one(GraphTree).move_cursor(node)
        await pilot.pause()
        await pilot.press("ctrl+k")
        await settle(pilot)

    return tour


TOUR_TAIPY["confirm-cancel-blocked"] = _tour_cancel("total")
TOUR_TAIPY["confirm-cancel-running"] = _tour_cancel("double")
