"""Hostile Qlik server text on the console's screens: a task renamed (PUT) with a hostile name and
description, and a failed reload whose error (and so its log) is hostile; shown literally, inert, not one
foreign control byte written to the terminal."""

from __future__ import annotations

import pytest

from tests.reliability.support import HOSTILE, LONG, SIZE, screen_lines, settle
from tests.reliability.test_hostile_console import check_terminal, select
from tests.support import harness_qlik
from tui.screens.graph import GraphScreen
from tui.screens.run_detail import RunDetailScreen, TaskLogScreen
from tui.screens.runs import CompletedRunsScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio
ALL = "".join(HOSTILE.values())
CHILD = "EVIL_CHILD_" + HOSTILE["markup_link"] + HOSTILE["csi"] + HOSTILE["bel_bs_cr"]


def serve_corpus(rig: harness_qlik.QlikRig) -> str:
    """A child of the failed chain renamed with hostile text, and a failed run of the chain whose error in
    that child is hostile; returns the child's task id."""
    service = rig.service
    root = service.state.refs[rig.failed_root]
    scope = root.scope
    child_name = next(n for n, rec in scope.tasks.items() if rec.predecessors == (root.name,))
    child = service.state.task_id(scope, child_name)
    body = {**service.task_json(child), "name": CHILD, "description": ALL + "\n" + LONG}
    service.put(child, body)
    engine = rig.sandbox.state.sandbox
    engine.record_failed_run(
        scope.database, scope.schema, root.name, task=child_name, message=ALL + "\n" + LONG
    )
    rig.clock.advance(10)  # the on-failure task that failure fired has finished too: the chain run is over
    return child


async def test_hostile_qlik_text_is_literal_and_inert_on_every_screen() -> None:
    app, rig = harness_qlik.build()
    child = serve_corpus(rig)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        check_terminal(app, "tasks")
        await select(pilot, child)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        assert "EVIL_CHILD_[link=file:///etc/passwd]x[/link]" in "\n".join(screen_lines(app))
        check_terminal(app, "task detail")
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, GraphScreen)
        check_terminal(app, "graph")
        await pilot.press("escape", "escape")
        await settle(pilot)
        await select(pilot, rig.failed_root)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, CompletedRunsScreen)
        newest = app.screen.snapshot.runs[0]
        assert newest.first_error_task == CHILD and newest.first_error_message == ALL + "\n" + LONG
        check_terminal(app, "completed runs")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen)
        check_terminal(app, "run detail")
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, TaskLogScreen)
        assert any(
            line.startswith("Error: ") or " Error: " in line for line in app.screen.query_one(LogView).buffer
        )
        check_terminal(app, "reload log")
    await rig.backend.aclose()
    assert not rig.checker.errors
