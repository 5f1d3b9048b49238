"""Every screen and binding of the console, driven by keys against the seeded sandbox over HTTP."""

from __future__ import annotations

import json

import pytest

from tests.support import harness
from tests.support.harness import settle
from tui.domain import TaskState
from tui.screens.confirm import ConfirmAction
from tui.screens.graph import GraphScreen, GraphTree
from tui.screens.help import HelpScreen
from tui.screens.run_detail import RunDetailScreen, RunLogScreen
from tui.screens.runs import CompletedRunsScreen, CurrentRunsScreen
from tui.screens.scope import ScopePicker
from tui.screens.task_detail import TaskDetailScreen
from tui.screens.tasks import TasksScreen
from tui.widgets.header import HeaderBar
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def header(app) -> str:
    return str(app.screen.query_one(HeaderBar).content)


def table_keys(app) -> list[str]:
    table = app.screen.query_one(KeyedTable)
    return [table.coordinate_to_cell_key((row, 0))[0].value for row in range(table.row_count)]


def posts(h, verb: str) -> list[str]:
    return [
        path for method, path, _status in h.sandbox.state.request_log if method == "POST" and verb in path
    ]


async def test_j_moves_the_cursor_one_row_down_and_g_back_to_the_top(console):
    """The keys themselves; the other tests put the cursor on a task directly (harness.select_task)."""
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = table_keys(console.app)
        table = console.app.screen.query_one(KeyedTable)
        await pilot.press("G", "g")
        assert table.selected_key == keys[0]
        for row in range(1, 9):
            await pilot.press("j")
            assert table.selected_key == keys[row]
        await pilot.press("k")
        assert table.selected_key == keys[7]


async def test_tasks_screen_lists_every_task_with_freshness_and_sandbox_badge(console):
    expected = await console.backend.list_tasks()
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(console.app.screen, TasksScreen)
        assert sorted(table_keys(console.app)) == sorted(t.key for t in expected)
        text = header(console.app)
        assert "SANDBOX" in text and "updated 0s ago" in text and "every 5s" in text


async def test_filter_as_you_type_and_clear(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"state:suspended")
        await settle(pilot)
        tasks = {t.key: t for t in await console.backend.list_tasks()}
        shown = table_keys(console.app)
        assert shown and all(tasks[k].state is TaskState.SUSPENDED for k in shown)
        await pilot.press("enter")  # back to the table, filter kept
        assert table_keys(console.app) == shown
        await pilot.press("escape")
        assert len(table_keys(console.app)) == len(tasks)


async def test_filter_survives_a_refresh_and_keeps_the_cursor(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"orders", "enter")
        await pilot.press("j", "j")
        table = console.app.screen.query_one(KeyedTable)
        before = table.selected_key
        console.advance(120)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.selected_key == before
        assert all("ORDERS" in k.rsplit(".", 1)[-1] for k in table_keys(console.app))


async def test_sort_cycles_columns_and_reverses(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")  # graph -> name
        names = [k.rsplit(".", 1)[-1] for k in table_keys(console.app)]
        assert names == sorted(names, key=str.lower)
        await pilot.press("O")
        names = [k.rsplit(".", 1)[-1] for k in table_keys(console.app)]
        assert names == sorted(names, key=str.lower, reverse=True)


async def test_failed_only_shows_the_graphs_whose_last_run_failed(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        screen = console.app.screen
        roots = {row.task.root for row in screen.rows if row.task.key in set(table_keys(console.app))}
        for root in roots:
            runs = await console.backend.completed_runs(root, limit=1)
            assert runs[0].state.is_failure
        assert roots, "the seeded sandbox has failed graphs at this time"


async def test_enter_opens_task_detail_and_t_its_graph_and_escape_goes_back(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "CUSTOMER_360")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, TaskDetailScreen)
        body = str(console.app.screen.query_one("#detail-body").content)
        assert "CUSTOMER_360" in body and "Definition" in body
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(console.app.screen, GraphScreen)
        graph = await console.backend.get_graph(console.app.screen.focus_task.root)
        tree = console.app.screen.query_one(GraphTree)
        shown = {node.data.key for node in console.app.screen._tree_nodes.values()}
        assert shown == set(graph.tasks)
        assert tree.cursor_node is not None
        await pilot.press("escape", "escape")
        assert isinstance(console.app.screen, TasksScreen)


async def test_graph_marks_the_failing_task_and_what_did_not_run(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "CUSTOMER_360")
        await pilot.press("t")
        await settle(pilot)
        screen = console.app.screen
        labels = {n.data.key.rsplit(".", 1)[-1]: str(n.label) for n in screen._tree_nodes.values()}
        failed = screen.snapshot.run.first_error_task
        assert "FAILED" in labels[failed]
        downstream = screen.snapshot.graph.downstream_of(
            [k for k in screen.snapshot.graph.tasks if k.endswith(failed)]
        )
        for key in downstream:
            assert "did not run" in labels[key.rsplit(".", 1)[-1]]


async def test_runs_screens_errors_only_run_detail_and_log(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "CUSTOMER_360")
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(console.app.screen, CurrentRunsScreen)
        assert table_keys(console.app), "a started root has at least its next scheduled run"
        await pilot.press("escape", "4")
        await settle(pilot)
        screen = console.app.screen
        assert isinstance(screen, CompletedRunsScreen)
        await pilot.press("f")
        await settle(pilot)
        assert screen.snapshot.runs and all(r.state.is_failure for r in screen.snapshot.runs)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, RunDetailScreen)
        run = console.app.screen.run
        summary = str(console.app.screen.query_one("#graph-summary").content)
        assert run.first_error_task in summary and str(run.first_error_code) in summary
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(console.app.screen, RunLogScreen)
        view = console.app.screen.query_one(LogView)
        assert any((run.first_error_message or "").splitlines()[0] in line for line in view.buffer)


async def test_execute_root_confirm_sends_exactly_one_request_and_journals(console, journal_path):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("x")
        await settle(pilot)
        modal = console.app.screen
        assert isinstance(modal, ConfirmAction)
        assert "ORDERS_ROLLUP" in modal.plan.task.qualified_name
        await pilot.press("y", "y")  # a double press confirms once
        await settle(pilot)
        assert len(posts(console, ":execute")) == 1
        entries = [json.loads(line) for line in journal_path.read_text().splitlines()]
        assert [e["result"] for e in entries] == ["sent", "ok"]
        assert entries[0]["target"].endswith("ORDERS_ROLLUP") and entries[0]["action"] == "execute"


async def test_cancel_sends_nothing(console, journal_path):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(console.app.screen, ConfirmAction)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(console.app.screen, TasksScreen)
        assert posts(console, ":suspend") == []
        assert not journal_path.exists()


async def test_a_child_cannot_be_executed_and_the_dialog_says_why(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "MERGE_COHORTS")
        await pilot.press("x")
        await settle(pilot)
        modal = console.app.screen
        assert "only a graph's root" in modal.plan.blocked_reason
        await pilot.press("y")
        await settle(pilot)
        assert posts(console, ":execute") == []


async def test_server_refusal_is_shown_with_its_message(console, journal_path):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "MERGE_COHORTS")  # a child of a started root
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert len(posts(console, ":suspend")) == 1
        messages = [str(n.message) for n in console.app._notifications]
        assert any("not suspended" in m for m in messages)
        entries = [json.loads(line) for line in journal_path.read_text().splitlines()]
        assert entries[-1]["result"] == "failed" and "not suspended" in entries[-1]["detail"]


async def test_read_only_hides_actions(journal_path):
    h = harness.build(journal_path=journal_path, read_only=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "READ-ONLY" in header(h.app)
        await pilot.press("x", "s", "r", "X")
        await settle(pilot)
        assert isinstance(h.app.screen, TasksScreen)
        footer_keys = {b.binding.action for b in h.app.screen.active_bindings.values() if b.enabled}
        assert not any(action.startswith("act(") for action in footer_keys)
        assert posts(h, ":") == []


async def test_production_asks_to_type_the_task_name(journal_path):
    h = harness.build(journal_path=journal_path, production=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "PRODUCTION" in header(h.app)
        await harness.select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")  # nothing typed: refused
        await settle(pilot)
        assert posts(h, ":suspend") == []
        await pilot.press(*"ORDERS_ROLLUP", "enter")
        await settle(pilot)
        assert len(posts(h, ":suspend")) == 1


async def test_failing_backend_marks_data_stale_then_recovers(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = table_keys(console.app)
        console.sandbox.state.faults.unavailable_probability = 1.0
        console.advance(10)
        failed_at = console.clock.now().strftime("%H:%M:%S")
        await pilot.press("ctrl+r")
        await settle(pilot)
        text = header(console.app)
        assert f"stale since {failed_at}" in text and "retrying in" in text
        assert table_keys(console.app) == shown  # kept, but marked stale
        await pilot.press("e")
        assert any("503" in str(n.message) for n in console.app._notifications)
        console.sandbox.state.faults.unavailable_probability = 0.0
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "updated 0s ago" in header(console.app)


async def test_pause_stops_polling_and_says_so(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert "PAUSED" in header(console.app)
        await pilot.press("p")
        await settle(pilot)
        assert "updated" in header(console.app)


async def test_help_lists_the_screen_bindings(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(console.app.screen, HelpScreen)
        descriptions = {row[1] for row in console.app.screen.rows}
        assert {"Filter", "Execute", "Suspend", "Resume", "Quit", "Refresh"} <= descriptions
        await pilot.press("escape")
        assert isinstance(console.app.screen, TasksScreen)


async def test_scope_picker_switches_database_and_schema(console):
    scopes = console.sandbox.state.sandbox.scopes()
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(console.app.screen, ScopePicker)
        await pilot.press("down", "enter")
        await settle(pilot)
        database, schema = scopes[1]
        assert f"{database}.{schema}" in header(console.app)
        tasks = await console.app.backend.list_tasks()
        assert sorted(table_keys(console.app)) == sorted(t.key for t in tasks)


async def test_rebinding_a_key_from_config(journal_path):
    h = harness.build(journal_path=journal_path, keymap={"tasks.failed_only": "F"})
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("F")
        assert h.app.screen.failed_only


async def test_command_palette_offers_actions_and_screens(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [command.title for command in console.app.get_system_commands(console.app.screen)]
        for wanted in ("Execute", "Suspend", "Filter", "Completed", "Graph", "Help"):
            assert any(title.startswith(wanted) for title in titles), wanted
        await pilot.press("ctrl+p", *"complet")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, CompletedRunsScreen)


async def test_clicking_a_column_header_sorts_by_it(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = console.app.screen.query_one(KeyedTable)
        x = sum(col.get_render_width(table) for col in list(table.columns.values())[:2]) + 2
        await pilot.click(KeyedTable, offset=(x, 0))  # the STATE header
        await settle(pilot)
        assert console.app.screen.sort == "state"


async def test_switching_profile_reopens_on_the_other_backend(console, journal_path):
    from tui.config import sandbox_profile
    from tui.services.profiles import OpenedProfile, ProfileSource

    other = harness.build()
    database, schema = other.sandbox.state.sandbox.scopes()[2]
    profile = sandbox_profile("http://sandbox", "t", database, schema).model_copy(
        update={"name": "staging", "production": True}
    )
    backend = other.backend.with_scope(f"{database}.{schema}")
    console.app.profiles = ProfileSource(
        names=lambda: ["sandbox", "staging"], open=lambda name: OpenedProfile(backend, profile, [])
    )
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P", "down", "enter")
        await settle(pilot)
        text = header(console.app)
        assert "staging" in text and "PRODUCTION" in text and f"{database}.{schema}" in text
        assert sorted(table_keys(console.app)) == sorted(t.key for t in await backend.list_tasks())


async def test_remaining_bindings_absolute_time_expand_collapse_limits_and_quit(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("A")  # absolute times
        row = console.app.screen.rows[0]
        assert console.app.show_absolute
        last = str(console.app.screen.cells(row)[3])
        assert "2026-01-05" in last or not row.last_run
        await pilot.press("A")
        await harness.select_task(pilot, "CUSTOMER_360")
        await pilot.press("t")
        await settle(pilot)
        tree = console.app.screen.query_one(GraphTree)
        await pilot.press("C")
        assert all(not node.is_expanded for node in tree.root.children)
        await pilot.press("E")
        assert all(node.is_expanded for node in tree.root.children)
        await pilot.press("escape", "4")
        await settle(pilot)
        screen = console.app.screen
        assert screen.limit == 50
        await pilot.press("plus")
        await settle(pilot)
        assert screen.limit == 100
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert screen.limit == 10 and len(screen.snapshot.runs) == 10
        await pilot.press("a")
        await settle(pilot)
        assert screen.all_graphs and len({r.graph for r in screen.snapshot.runs}) > 1
        await pilot.press("l")  # the log of the selected run, from the runs list
        await settle(pilot)
        assert isinstance(console.app.screen, RunLogScreen)
        await pilot.press("escape", "1")
        assert isinstance(console.app.screen, TasksScreen)
        await pilot.press("q")
        await pilot.pause()
    assert console.app.return_code == 0


async def test_data_times_use_the_data_clock_and_freshness_the_wall_clock(console, journal_path):
    """The embedded sandbox's clock runs fast: runs are dated by it; freshness and the journal by the
    wall clock."""
    wall = harness.FROZEN_AT  # an hour and more behind the simulated clock
    console.app.wall_clock = lambda: wall
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "updated 0s ago" in header(console.app)
        row = next(r for r in console.app.screen.rows if r.last_run is not None)
        shown = str(console.app.screen.cells(row)[3])
        assert shown.endswith(" ago") and "in " not in shown  # a past run never reads as the future
        await harness.select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("x", "y")
        await settle(pilot)
    stamps = {json.loads(line)["time"] for line in journal_path.read_text().splitlines()}
    assert stamps == {wall.isoformat()}


async def test_an_action_that_cannot_be_journaled_is_not_sent(tmp_path):
    blocked = tmp_path / "actions.jsonl"
    blocked.mkdir()  # a directory where the journal file should be: it cannot be written, even by root
    h = harness.build(journal_path=blocked)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("x", "y")
        await settle(pilot)
        assert posts(h, ":execute") == []
        assert any("journal cannot be written" in str(n.message) for n in h.app._notifications)
