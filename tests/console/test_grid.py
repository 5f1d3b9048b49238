"""The grid (5) on the sandbox, whose REST API has no per-task runs: a row per task in graph order, a
column per recent run (newest right), outcomes inferred from each run and said to be; the cursor moves
across runs and tasks and stays on its task and run across polls; the bottom line names the cell."""

from __future__ import annotations

import pytest

from tests.support.harness import select_task, settle
from tui.screens.grid import GridScreen
from tui.services.grid import NO_TASK_RUNS, RUN_ROW, task_order
from tui.widgets.grid import GridView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def open_grid(pilot) -> GridScreen:
    await settle(pilot)
    rows = pilot.app.screen.rows
    failed = next(r.task.name for r in rows if r.task.is_root and r.graph_failed)
    await select_task(pilot, failed)
    await pilot.press("5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, GridScreen) and screen.model is not None
    return screen


async def test_rows_are_tasks_in_graph_order_columns_runs_newest_right(console):
    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        model = screen.model
        # The run's own outcome first, then every task (a Snowflake root is a task of its own).
        assert model.rows == (RUN_ROW, *task_order(model.graph)) and model.rows[1] == model.graph.root
        assert [model.cell(0, n).state for n in range(len(model.runs))] == [r.state for r in model.runs]
        assert len(model.runs) > 1
        times = [r.scheduled_time for r in model.runs]
        assert times == sorted(times), "oldest left, newest right"
        view = screen.query_one(GridView)
        assert view.cursor[1] == len(model.runs) - 1, "the cursor starts on the newest run"
        assert model.note == NO_TASK_RUNS  # no per-task runs here: the screen says so
        summary = str(screen.query_one("#grid-summary").render())
        assert "no per-task runs" in summary


async def test_the_cursor_moves_with_hjkl_and_the_bottom_line_names_the_cell(console):
    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        view = screen.query_one(GridView)
        start = view.cursor
        await pilot.press("j", "h")
        await settle(pilot)
        assert view.cursor == (start[0] + 1, start[1] - 1)
        key, run = screen.selected
        line = str(screen.query_one("#grid-cell").render())
        assert screen.model.graph.tasks[key].name in line and run.run_id in line
        await pilot.press("k", "l", "l")  # past the newest run the cursor stays on it
        assert view.cursor == start


async def test_a_poll_keeps_the_cursor_on_its_task_and_run(console):
    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        view = screen.query_one(GridView)
        await pilot.press("j", "j", "h")
        key, run = screen.selected
        console.advance(3600)  # an hour of the simulation: new runs come in on the right
        screen.poll_now()
        await settle(pilot)
        assert (
            screen.selected == (key, screen.model.runs[view.cursor[1]])
            and screen.selected[1].run_id == run.run_id
        )


async def test_enter_opens_the_runs_detail_where_the_backend_has_no_task_logs(console):
    from tui.screens.run_detail import RunDetailScreen

    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        _, run = screen.selected
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RunDetailScreen) and pilot.app.screen.run.run_id == run.run_id


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "small"])
def test_grid_snapshot(snap_compare, size):
    from tests.support import harness

    h = harness.build()

    async def to_grid(pilot) -> None:
        await open_grid(pilot)
        await pilot.press("j", "j", "h")
        await settle(pilot)

    assert snap_compare(h.app, terminal_size=size, run_before=to_grid)


async def test_the_footer_names_enter_as_the_grid_screen_says(console):
    from tui.widgets.footer import KeyFooter

    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        shown = [(b.key, b.description) for b, _, _ in screen.query_one(KeyFooter).fitting(120)]
        assert ("enter", "Open") in shown  # a task run's log; on the run row, the run


async def test_a_poll_reads_task_runs_only_of_runs_new_or_still_going():
    """Qlik (its in-process sandbox): task runs run by run, 600 requests a minute. The first read asks for
    every run's task runs, the next only for what can still change: a finished run's are kept."""
    from tests.support import harness_qlik
    from tui.services.grid import GridReader

    app, _rig = harness_qlik.build()
    backend = app.backend
    root = next(t for t in await backend.list_tasks() if t.is_root and t.name == "ACCOUNTS_PIPELINE")
    reader = GridReader()
    first = await reader.read(backend, root.root)
    assert len(first.runs) == 25 and len(reader.asked) == 25
    again = await reader.read(backend, root.root)
    going = [r.run_id for r in again.runs if not r.state.is_finished]
    assert reader.asked == going
    assert again.cells == first.cells


async def test_on_the_run_row_the_keys_act_on_the_graphs_root(console):
    from tui.screens.graph import GraphScreen

    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        await pilot.press("g")  # the run row
        assert screen.query_one(GridView).cursor[0] == 0
        assert screen.selected_task is not None and screen.selected_task.key == screen.model.graph.root
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(pilot.app.screen, GraphScreen)
