"""What a tired on-call engineer would hit first: each test is a defect found in review, now fixed."""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import select_task, settle
from tui.domain import RunState
from tui.errors import AuthError, BackendError, TransportError
from tui.screens.run_detail import RunDetailScreen, RunLogScreen
from tui.screens.runs import CurrentRunsScreen
from tui.screens.tasks import TasksScreen
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
HOSTILE = "boom \x1b]8;;file:///etc/passwd\x07link\x1b]8;;\x07 \x1b[2J[bold]x[/bold]"


def header(app) -> str:
    from tui.widgets.header import HeaderBar

    return str(app.screen.query_one(HeaderBar).content)


async def test_server_words_in_notifications_are_inert(console, monkeypatch):
    async def hostile(*_args, **_kwargs):
        raise BackendError(HOSTILE, status=500)

    async with console.app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        monkeypatch.setattr(console.app.backend, "list_tasks", hostile)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        shown = [str(n.message) for n in console.app._notifications]
        assert any("\\x1b]8;;file:///etc/passwd" in m and "[bold]x[/bold]" in m for m in shown)
        assert not any("\x1b" in m or "\x07" in m for m in shown)


async def test_the_detail_of_a_running_run_follows_it_to_its_end(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "a")
        await settle(pilot)
        screen = console.app.screen
        assert isinstance(screen, CurrentRunsScreen)
        executing = next(r for r in screen.snapshot.runs if r.state is RunState.EXECUTING)
        table = screen.query_one(KeyedTable)
        table.move_cursor(row=table.get_row_index(f"{executing.graph}|{executing.run_id}"))
        await pilot.press("enter")
        await settle(pilot)
        detail = console.app.screen
        assert isinstance(detail, RunDetailScreen) and detail.run.state is RunState.EXECUTING
        console.advance(15 * 60)  # the run has ended; polls every 5 s would have seen it end
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert detail.run.state.is_finished
        assert "EXECUTING" not in str(detail.query_one("#graph-summary").content)


async def test_one_unreadable_graph_does_not_make_the_whole_list_stale(console, monkeypatch):
    real = console.app.backend.completed_runs

    async def forbidden_for_one(root, *args, **kwargs):
        if root.endswith("ORDERS_ROLLUP"):
            raise AuthError("Insufficient privileges on this task graph", status=403)
        return await real(root, *args, **kwargs)

    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(console.app.backend, "completed_runs", forbidden_for_one)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "updated 0s ago" in header(console.app)


async def test_a_failing_graph_endpoint_is_reported_with_the_server_words(console, monkeypatch):
    async def down(*_args, **_kwargs):
        raise TransportError("Service Unavailable", status=503)

    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(console.app.backend, "current_runs", down)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = console.app.screen
        assert screen.freshness.stale
        assert screen.freshness.last_error == "HTTP 503: Service Unavailable"  # not "ExceptionGroup: ..."


async def test_the_cursor_stays_on_a_run_whose_state_changes(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "a")
        await settle(pilot)
        screen = console.app.screen
        scheduled = min(
            (r for r in screen.snapshot.runs if r.state is RunState.SCHEDULED), key=lambda r: r.scheduled_time
        )
        key = f"{scheduled.graph}|{scheduled.run_id}"
        table = screen.query_one(KeyedTable)
        table.move_cursor(row=table.get_row_index(key))
        console.advance((scheduled.scheduled_time - console.clock.now()).total_seconds() + 1)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.selected_key == key
        assert screen.selected_run.state is not RunState.SCHEDULED


async def test_pause_holds_when_coming_back_to_a_screen(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        before = len(console.sandbox.state.request_log)
        await pilot.press("question_mark")
        await pilot.press("escape")
        await settle(pilot)
        assert len(console.sandbox.state.request_log) == before
        assert "PAUSED" in header(console.app)


async def test_views_replace_each_other_instead_of_piling_up(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "4", "3", "4", "t", "t")
        await settle(pilot)
        assert len(console.app.screen_stack) <= 3
        await pilot.press("escape")
        assert isinstance(console.app.screen, TasksScreen)


async def test_escape_closes_the_log_search_not_the_log(console, tmp_path, monkeypatch):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_task(pilot, next(r.task.name for r in console.app.screen.rows if r.graph_failed))
        await pilot.press("4", "f")
        await settle(pilot)
        await pilot.press("enter", "l")
        await settle(pilot)
        assert isinstance(console.app.screen, RunLogScreen)
        await pilot.press("slash", "escape")
        assert isinstance(console.app.screen, RunLogScreen)
        assert not console.app.screen.query_one("#log-search").display
        # Saving where nothing can be written says so and keeps the console running.
        monkeypatch.setenv("XDG_STATE_HOME", "/proc")  # the saved-logs directory cannot be made there
        await pilot.press("S")
        await pilot.pause()
        assert any("Could not save" in str(n.message) for n in console.app._notifications)
        assert console.app.screen.query_one(LogView).buffer


async def test_an_unexpected_error_in_an_action_is_told_and_frees_the_next_action(console, monkeypatch):
    from tui.errors import ConfigError

    async def broken(*_args, **_kwargs):
        raise ConfigError("token command failed: exit status 1")

    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(console.app.backend, "suspend", broken)
        await select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("s", "y")
        await settle(pilot)
        assert any("token command failed" in str(n.message) for n in console.app._notifications)
        await pilot.press("x")
        await settle(pilot)
        assert type(console.app.screen).__name__ == "ConfirmAction"  # not "still in progress"


def test_harness_guarantees_a_failure_to_triage():
    h = harness.build()
    engine = h.sandbox.state.sandbox
    database, schema = engine.scopes()[0]
    roots = [t["name"] for t in engine.list_tasks(database, schema, root_only=True)]
    assert any(
        (runs := engine.complete_graphs(database, schema, root, limit=1)) and runs[0]["state"] == "FAILED"
        for root in roots
    )
