"""Every console screen on the real Taipy REST 4.1.1 server of the session (tests/taipy/conftest.py):
tasks, graph (data nodes, the failure, what it abandoned), runs, run detail (the grouping note), the log
(the backend's note), absent suspend/resume, and cancel of a BLOCKED job and of a RUNNING one."""

from __future__ import annotations

import time
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import settle
from tests.taipy.conftest import Live
from tui.action_plan import ActionKind
from tui.app import DagtopApp, make_app
from tui.backends.taipy import TaipyBackend
from tui.backends.taipy.mapping import GROUPING_NOTE, LOG_NOTE, NO_TRACE_NOTE
from tui.backends.taipy.wording import TaipyWording
from tui.domain import RunState
from tui.screens.confirm import ConfirmAction
from tui.screens.graph import GraphScreen, GraphTree
from tui.screens.help import HelpScreen
from tui.screens.run_detail import RunDetailScreen, TaskLogScreen
from tui.screens.runs import CompletedRunsScreen, CurrentRunsScreen
from tui.services.journal import ActionJournal
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ConnectionInfo
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def console(live: Live, journal: Path | None = None) -> DagtopApp:
    backend = TaipyBackend.connect(live.url)
    connection = ConnectionInfo(profile="taipy", backend="taipy", location=backend.location)
    return make_app(
        backend, connection, tz=UTC, auto_poll=False, journal=ActionJournal(journal) if journal else None
    )


async def select_task(pilot: Any, name: str) -> None:
    """The task table's cursor on the task called ``name`` (Taipy keys are entity ids, not names), or
    whose key is ``name``."""
    key = next(row.task.key for row in pilot.app.screen.rows if name in (row.task.name, row.task.key))
    table = pilot.app.screen.query_one(KeyedTable)
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await pilot.pause()


def footer_actions(app: DagtopApp) -> list[str]:
    return [binding.action for binding, _e, _t in app.screen.query_one(KeyFooter).fitting(400)]


def toasts(app: DagtopApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def label_of(screen: GraphScreen, name: str) -> str:
    for node in screen._tree_nodes.values():
        task = screen.snapshot.graph.tasks[node.data.key]
        if task.name == name:
            return str(node.label)
    raise LookupError(name)


async def put_cursor(pilot: Any, screen: GraphScreen, name: str) -> None:
    for node in screen._tree_nodes.values():
        if screen.snapshot.graph.tasks[node.data.key].name == name:
            screen.query_one(GraphTree).move_cursor(node)
            await pilot.pause()
            return
    raise LookupError(name)


async def open_run(pilot: Any, root_name: str, view: str) -> RunDetailScreen:
    await settle(pilot)
    await select_task(pilot, root_name)
    await pilot.press(view)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RunDetailScreen)
    return screen


async def test_tasks_and_graph_show_scenarios_data_nodes_and_no_suspend(live: Live) -> None:
    app = console(live)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        names = {row.task.name for row in app.screen.rows}
        assert {"pipeline", "pipeline/head", "failing"} <= names
        actions = footer_actions(app)
        assert (
            "act('execute')" in actions and "act('suspend')" not in actions and "act('resume')" not in actions
        )
        await select_task(pilot, "pipeline")
        await pilot.press("s")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmAction)
        assert any(TaipyWording.absent_actions[ActionKind.SUSPEND] in t for t in toasts(app))
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        said = str(app.screen.query_one("#help-absent").content)
        assert TaipyWording.absent_actions[ActionKind.RESUME] in said.replace("\n", " ")
        await pilot.press("escape", "t")
        await settle(pilot)
        graph = app.screen
        assert isinstance(graph, GraphScreen)
        assert "⇢ raw (edited " in label_of(graph, "generate")
        double = label_of(graph, "double")
        assert "⇠ raw" in double and "⇢ doubled (edited " in double


async def test_a_failed_job_its_abandoned_task_the_grouping_note_and_the_stack_trace(live: Live) -> None:
    app = console(live)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_run(pilot, "failing", "4")
        summary = str(detail.query_one("#graph-summary").content)
        assert "FAILED" in summary and GROUPING_NOTE in summary
        assert (
            detail.selected_task is not None and detail.selected_task.name == "boom"
        )  # opens on the failure
        assert "✘ FAILED" in label_of(detail, "boom")
        assert "did not run because boom failed" in label_of(detail, "after")
        assert "action.cancel" not in [b.id for b, _e, _t in detail.query_one(KeyFooter).fitting(400)]
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, TaskLogScreen)
        assert LOG_NOTE in str(log.query_one("#tasklog-note").content)
        assert "RuntimeError: intentional failure for dagtop tests" in list(log.query_one(LogView).buffer)
        await pilot.press("escape")
        await put_cursor(pilot, detail, "generate")
        await pilot.press("l")
        await settle(pilot)
        note = str(app.screen.query_one("#tasklog-note").content)
        assert NO_TRACE_NOTE in note and "No log lines" in note  # an empty log is never silent


def wait_for(what, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.05)
    raise TimeoutError("the server never got there")


async def test_cancel_a_blocked_job_from_the_run_detail(live: Live, tmp_path: Path) -> None:
    """Submitting ``slow`` alone leaves its job BLOCKED (its input was never written): cancel it."""
    scenario = live.server.create_scenario("actions")
    tasks = live.server.call("GET", "/tasks/")
    slow = next(t["id"] for t in tasks if t["owner_id"] == scenario and t["config_id"] == "slow")  # type: ignore[index]
    live.server.call("POST", f"/tasks/submit/{slow}")
    app = console(live, tmp_path / "journal.jsonl")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        detail = await open_run(pilot, scenario, "3")
        await put_cursor(pilot, detail, "slow")
        task_run = detail.selected_task_run
        assert task_run is not None and task_run.raw_state == "BLOCKED"
        # Shown (first among the app's actions) even at 80 columns.
        assert "action.cancel" in [b.id for b, _e, _t in detail.query_one(KeyFooter).fitting(80)]
        await pilot.press("ctrl+k")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmAction)
        line = str(confirm.query_one("#confirm-task-run").content)
        assert line == f"Run:     slow · BLOCKED · in run {task_run.graph_run}"
        buttons = [str(b.label) for b in confirm.query("Button")]
        assert buttons == ["Cancel run (y)", "Keep it (esc)"]
        assert "Cancels the job of slow" in str(confirm.query_one("#confirm-consequence").content)
        await pilot.press("y")
        await settle(pilot)
        assert any("cancelled (status CANCELED)" in t for t in toasts(app)), toasts(app)
        cancels = [r for r in ActionJournal(tmp_path / "journal.jsonl").read() if r["action"] == "cancel"]
        assert [r["result"] for r in cancels] == ["sent", "ok"]
        await settle(pilot)
        assert detail.selected_task_run is not None and detail.selected_task_run.state is RunState.CANCELLED
        assert "action.cancel" not in [b.id for b, _e, _t in detail.query_one(KeyFooter).fitting(400)]


async def test_cancel_of_a_job_that_started_meanwhile_says_it_was_not_cancelled(
    live: Live, tmp_path: Path
) -> None:
    """Planned while BLOCKED, confirmed once it RUNs: Taipy answers 'cancelled' and lets it run; the
    console says what the re-read job says. A RUNNING job's plan says why beforehand and sends nothing."""
    scenario = live.server.create_scenario("actions")
    tasks = live.server.call("GET", "/tasks/")
    ids = {t["config_id"]: t["id"] for t in tasks if t["owner_id"] == scenario}  # type: ignore[index]
    live.server.call("POST", f"/tasks/submit/{ids['slow']}")
    app = console(live, tmp_path / "journal.jsonl")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        detail = await open_run(pilot, scenario, "3")
        await put_cursor(pilot, detail, "slow")
        assert detail.selected_task_run is not None and detail.selected_task_run.raw_state == "BLOCKED"
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction)
        live.server.call("POST", f"/tasks/submit/{ids['prep']}")  # slow's input gets written: it starts
        wait_for(lambda: any(j["status"] == "Status.RUNNING" and str(j["id"]).startswith("JOB_slow_")
                             for j in live.server.jobs()))  # fmt: skip
        await pilot.press("y")
        await settle(pilot)
        said = [t for t in toasts(app) if "not cancelled:" in t]
        assert said and "RUNNING" in said[0], toasts(app)
        # Now RUNNING on screen too: the plan says why, and the dialog cannot send it.
        await pilot.press("ctrl+r")
        await settle(pilot)
        await put_cursor(pilot, detail, "slow")
        running = detail.selected_task_run
        if running is not None and running.raw_state == "RUNNING":
            age = str(detail.query_one("#graph-summary").content)
            assert "for" in label_of(detail, "slow")
            await pilot.press("ctrl+k")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmAction)
            assert "Taipy cancels only jobs that have not started" in str(
                app.screen.query_one("#confirm-blocked").content
            ), age
            assert not app.screen.query("#confirm-yes")
            await pilot.press("escape")
    live.server.wait_jobs()


async def test_current_runs_of_a_submission_and_how_long_they_have_been_running(live: Live) -> None:
    scenario = live.server.create_scenario("actions")
    app = console(live)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await select_task(pilot, scenario)
        await pilot.press("3")  # watched before the submit: a run that appears is new
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CurrentRunsScreen)
        wait_for(lambda: any(str(j["id"]).startswith("JOB_slow_") and j["status"] == "Status.RUNNING"
                             for j in live.server.jobs()))  # fmt: skip
        await pilot.press("ctrl+r")
        await settle(pilot)
        table = app.screen.query_one(KeyedTable)
        assert table.row_count >= 1
        run = app.screen.snapshot.runs[0]
        assert run.note and GROUPING_NOTE in run.note
        age = app.run_ages.run_age(run, app.now(), app.wall())
        assert age is not None and not age.at_least  # dagtop saw it appear: its age is not a guess
    live.server.wait_jobs()
    app2 = console(live)
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_task(pilot, scenario)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app2.screen, CompletedRunsScreen)
        assert any(r.graph == scenario for r in app2.screen.snapshot.runs)
