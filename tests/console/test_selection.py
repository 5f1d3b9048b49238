"""The target of an action key is the row the user chose: never a row a poll, filter or sort put there."""

from __future__ import annotations

import pytest

from tests.support.harness import settle
from tui.screens.confirm import ConfirmAction
from tui.screens.tasks import TasksScreen
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def shown(app) -> list[str]:
    table = app.screen.query_one(KeyedTable)
    return [table.coordinate_to_cell_key((row, 0))[0].value for row in range(table.row_count)]


def status(app) -> str:
    return str(app.screen.query_one("#tasks-status").content)


async def poll(console, pilot, seconds: float = 60) -> None:
    console.advance(seconds)
    await pilot.press("ctrl+r")
    await settle(pilot)


async def test_a_poll_that_reorders_rows_keeps_the_chosen_task_as_the_target(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        while console.app.screen.sort != "last":  # sort by LAST RUN: each poll's new results reorder it
            await pilot.press("o")
        await pilot.press("g", "j", "j")
        table = console.app.screen.query_one(KeyedTable)
        chosen, index = table.selected_key, table.cursor_row
        for _ in range(30):
            await poll(console, pilot)
            if shown(console.app).index(chosen) != index:
                break
        else:
            pytest.fail("no poll moved the chosen row")
        assert table.selected_key == chosen
        await pilot.press("X")
        await settle(pilot)
        modal = console.app.screen
        assert isinstance(modal, ConfirmAction)
        assert modal.plan.task.key == chosen  # the confirmation names the chosen task
        await pilot.press("n")


async def test_a_chosen_task_that_leaves_the_list_selects_nothing_until_the_user_moves(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", "g")  # failed only; the top row
        table = console.app.screen.query_one(KeyedTable)
        chosen = table.selected_key
        for _ in range(60):  # until a poll drops it while other graphs' rows are listed
            await poll(console, pilot)
            rows = shown(console.app)
            if rows and chosen not in rows:
                break
        else:
            pytest.fail("the chosen graph never left the failed-only list while others stayed")
        name = chosen.rsplit(".", 1)[-1]
        assert table.selected_key is None and not table.show_cursor
        assert f"{name} left the list" in status(console.app)
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(console.app.screen, TasksScreen)  # no confirmation for a neighbour
        assert any(f"{name} left the list" in str(n.message) for n in console.app._notifications)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, TasksScreen)  # enter does not open a neighbour either
        await pilot.press("j")  # a fresh choice
        assert table.selected_key == rows[0] and table.show_cursor
        assert "left the list" not in status(console.app)
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(console.app.screen, ConfirmAction)
        assert console.app.screen.plan.task.key == rows[0]
        await pilot.press("n")


async def test_a_filter_that_hides_the_chosen_task_and_is_cleared_gives_it_back(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")
        table = console.app.screen.query_one(KeyedTable)
        chosen = table.selected_key
        await pilot.press("slash", *"zzz_no_such_task")
        await settle(pilot)
        assert table.selected_key is None
        assert "left the list" in status(console.app)
        await pilot.press("escape")
        await settle(pilot)
        assert table.selected_key == chosen
        assert "left the list" not in status(console.app)


async def test_a_run_that_leaves_a_runs_list_selects_nothing_until_the_user_moves(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", "4", "minus")  # completed runs of the top graph, the 10 newest
        await settle(pilot)
        screen = console.app.screen
        table = screen.query_one(KeyedTable)
        await pilot.press("G")  # the oldest: the next completed run pushes it out
        chosen = table.selected_key
        for _ in range(60):
            await poll(console, pilot)
            if chosen not in shown(console.app):
                break
        else:
            pytest.fail("no new run pushed the oldest out")
        summary = str(screen.query_one("#runs-summary").content)
        assert f"run {chosen.partition('|')[2]}" in summary and "left the list" in summary
        assert screen.selected_run is None and screen.selected_task is None
        await pilot.press("X")
        await settle(pilot)
        assert console.app.screen is screen  # refused, with the reason
        assert any("left the list" in str(n.message) for n in console.app._notifications)
        console.app.clear_notifications()
        await pilot.press("l")  # nor the log of a neighbour
        await settle(pilot)
        assert console.app.screen is screen
        assert any("left the list" in str(n.message) for n in console.app._notifications)
        await pilot.press("k")
        assert table.selected_key == shown(console.app)[-1]


async def test_a_chosen_row_that_comes_back_when_the_filter_is_cleared_is_scrolled_into_view(console):
    """The pane names the chosen task: when it returns below the fold, the table shows it too."""
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = console.app.screen.query_one(KeyedTable)
        first = shown(console.app)[0]
        await pilot.press("G")  # the last row: the table scrolls down to it
        await settle(pilot)
        chosen = table.selected_key
        assert table.scroll_offset.y > 0
        await pilot.press("slash", *first)  # a filter that keeps only the top of the list
        await settle(pilot)
        assert table.selected_key is None and table.scroll_offset.y == 0
        await pilot.press("escape")
        await settle(pilot)
        assert table.selected_key == chosen
        top, height = table.scroll_offset.y, table.scrollable_content_region.height
        assert top <= table.cursor_row < top + height, (top, table.cursor_row, height)
