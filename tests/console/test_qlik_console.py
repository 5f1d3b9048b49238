"""The console on a Qlik profile, driven by keys against the Qlik dialect of the sandbox over HTTP (every
answer checked against Qlik's published types): tasks, chains as graphs with their trigger conditions,
runs, a failed reload's log, a start, and disabling a task with the ownership warning."""

from __future__ import annotations

import json

import pytest

from tests.support import harness_qlik
from tests.support.harness import select_task, settle
from tui.domain import RunState, TaskState
from tui.screens.confirm import ConfirmAction
from tui.screens.graph import GraphScreen
from tui.screens.run_detail import RunDetailScreen, TaskLogScreen
from tui.screens.runs import CompletedRunsScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


@pytest.fixture
async def console(tmp_path):
    app, rig = harness_qlik.build(journal_path=tmp_path / "journal.jsonl")
    yield app, rig
    await rig.backend.aclose()
    assert not rig.checker.errors


def failed_root_name(rig: harness_qlik.QlikRig) -> str:
    return rig.service.task_json(rig.failed_root)["name"]


def tree_text(screen: GraphScreen) -> str:
    return "\n".join(node.label.plain for node in screen._tree_nodes.values())


async def test_tasks_list_every_qlik_task_and_the_failed_chain(console):
    app, rig = console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = {r.task.key: r for r in app.screen.rows}
        assert set(rows) == set(rig.service.state.refs)
        root = rows[rig.failed_root]
        assert root.task.is_root and root.graph_failed


async def test_the_graph_shows_a_chain_with_each_edge_s_trigger_condition(console):
    app, rig = console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_task(pilot, failed_root_name(rig))
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, GraphScreen)
        text = tree_text(app.screen)
        assert "· on success" in text and "· on failure" in text  # the chain and its failure watcher
        outcomes = app.screen.snapshot.outcomes()
        assert RunState.FAILED in outcomes.values()


async def test_a_disabled_task_shows_why_in_its_detail(console):
    app, _ = console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        off = next(r.task for r in app.screen.rows if r.task.state is TaskState.SUSPENDED)
        await select_task(pilot, off.name)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        body = app.screen.body().plain
        assert f"{'Disabled because':<22}{off.state_reason}" in body


async def test_a_failed_chain_run_opens_on_its_failed_reload_and_its_log(console):
    app, rig = console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_task(pilot, failed_root_name(rig))
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, CompletedRunsScreen)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, RunDetailScreen)
        failed = [tr for tr in detail.snapshot.task_runs if tr.state is RunState.FAILED]
        assert failed and detail.selected_task.key == failed[0].task  # the cursor is on the failure
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, TaskLogScreen)
        lines = app.screen.query_one(LogView).buffer
        error = detail.snapshot.run.first_error_message
        assert any(line.endswith(f"Error: {error}") for line in lines)
        assert lines[-1].endswith("Execution finished.")
        # Qlik's script log says "Error:" after its timestamp: that line is coloured as an error, the
        # others are plain (a level word inside a message is not a level).
        log = app.screen.query_one(LogView).log_widget
        colours = {
            "".join(s.text for s in strip).strip(): {
                s.style.color for s in strip if s.text.strip() and s.style
            }
            for strip in (log.render_line(y) for y in range(log.scrollable_content_region.height))
        }
        red = log.get_component_rich_style("log-lines--level-error").color
        assert {text for text, found in colours.items() if red in found} == {
            text for text in colours if text.endswith(f"Error: {error}")
        }


async def test_start_sends_one_start_and_says_which_run_it_started(console, tmp_path):
    app, rig = console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_task(pilot, failed_root_name(rig))
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction)
        assert "Starts the task" in app.screen.plan.consequence
        await pilot.press("y")
        await settle(pilot)
    starts = [t for m, t, _ in rig.requests("/actions/start") if m == "POST"]
    assert starts == [f"/api/v1/tasks/{rig.failed_root}/actions/start?source=manual"]
    entries = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert [e["result"] for e in entries] == ["sent", "ok"]


async def test_disable_warns_that_qlik_moves_ownership_then_puts_the_task(console, tmp_path):
    app, rig = console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_task(pilot, failed_root_name(rig))
        await pilot.press("s")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        assert "Qlik transfers ownership of the task to you" in modal.plan.consequence
        await pilot.press("y")
        await settle(pilot)
        row = next(r for r in app.screen.rows if r.task.key == rig.failed_root)
        assert row.task.state is TaskState.SUSPENDED and row.task.state_reason == "MANUALLY"
    puts = [t for m, t, _ in rig.requests(f"/api/v1/tasks/{rig.failed_root}") if m == "PUT"]
    assert len(puts) == 1
    assert rig.service.task_json(rig.failed_root)["metadata"]["ownerId"] == rig.service.state.caller


async def test_a_chosen_task_that_leaves_the_list_is_named_by_its_name_not_its_id(console):
    app, _rig = console
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ok = next(r.task for r in app.screen.rows if r.task.is_root and not r.graph_failed)
        await select_task(pilot, ok.name)
        await pilot.press("f")  # failed only: the chosen (succeeding) chain leaves the list
        await settle(pilot)
        hint = app.screen.selection_hint
        assert f"⚠ {ok.name} left the list" in hint and ok.key not in hint
