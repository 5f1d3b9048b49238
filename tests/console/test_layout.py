"""Layout at 80x24 and 120x40: what a newcomer needs is on screen, nothing is cut."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets._data_table import ColumnKey
from textual.widgets._footer import FooterKey

from tests.support import harness
from tui.widgets.error_pane import first_line
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio

# Each screen's main key, beside ? and q (tasks-filtered is typing into the filter box).
MAIN_KEY = {
    "tasks": "Detail",
    "task-detail": "Graph",
    "graph": "Back",
    "current-runs": "Run detail",
    "completed-runs": "Run detail",
    "completed-all-graphs": "Run detail",
    "run-detail": "Log",
    "run-log": "Search",
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("screen", sorted(MAIN_KEY))
async def test_help_quit_and_the_main_key_are_always_in_the_footer_and_never_cut(screen, size):
    h = harness.build()
    async with h.app.run_test(size=size) as pilot:
        await harness.TOUR[screen](pilot)
        await harness.settle(pilot)
        keys = list(h.app.screen.query(FooterKey))
        palette = next(k for k in keys if k.has_class("-command-palette"))
        shown = {k.description: k for k in keys if k is not palette}
        for needed in ("Help", "Quit", MAIN_KEY[screen]):
            assert needed in shown, f"{needed} missing from the footer of {screen}"
        for key in shown.values():  # whole: never under the palette key nor past the edge
            assert key.region.right <= palette.region.x, f"{key.description} is cut"


def column_widths(table) -> dict[str, int]:
    return {key.value: column.get_render_width(table) for key, column in table.columns.items()}


async def test_tasks_columns_keep_their_widths_across_polls():
    h = harness.build()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        table = h.app.screen.query_one(KeyedTable)
        first = column_widths(table)
        for _ in range(12):
            h.advance(47)
            await pilot.press("ctrl+r")
            await harness.settle(pilot)
            assert column_widths(table) == first


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_o_sorts_only_by_columns_on_screen_and_the_status_line_names_it(size):
    h = harness.build()
    async with h.app.run_test(size=size) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        table = screen.query_one(KeyedTable)
        status = screen.query_one("#tasks-status")
        assert "grouped by graph" in str(status.content)
        assert not any("▲" in str(c.label) or "▼" in str(c.label) for c in table.columns.values())
        seen = []
        for _ in range(12):
            await pilot.press("o")
            await pilot.pause()
            if screen.sort == "graph":
                break
            seen.append(screen.sort)
            if screen.sort == "result":
                continue  # the glyph column, first on the left
            column = table.columns[ColumnKey(screen.sort)]
            x = sum(
                c.get_render_width(table)
                for c in table.ordered_columns[: table.get_column_index(screen.sort)]
            )
            assert x + column.get_render_width(table) <= table.size.width, f"{screen.sort} is off screen"
            assert f"sorted by {str(column.label).rstrip(' ▲▼')}" in str(status.content)
        assert "last" in seen and "next" in seen


async def test_scrolling_sideways_keeps_the_result_glyph_and_name():
    h = harness.build()
    async with h.app.run_test(size=(60, 24)) as pilot:
        await harness.settle(pilot)
        table = h.app.screen.query_one(KeyedTable)
        await pilot.press("right", "right", "right", "right", "right", "right")
        await pilot.pause()
        assert table.scroll_x > 0, "at 60 columns the table scrolls sideways"
        line = "".join(seg.text for seg in table.render_line(1))
        first = h.app.screen.rows and table.coordinate_to_cell_key((0, 0))[0].value.rsplit(".", 1)[-1]
        assert first in line


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    console = Console(width=app.size.width, record=True, file=io.StringIO(), color_system=None)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def test_completed_runs_show_the_selected_failures_first_error_line_at_80_columns():
    h = harness.build()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await harness.TOUR["completed-runs"](pilot)
        await harness.settle(pilot)
        screen = h.app.screen
        run = screen.selected_run
        assert run is not None and run.state.is_failure  # the newest run of the failed graph
        text = screen_text(h.app)
        assert first_line(run.first_error_message)[:60] in text
        assert run.first_error_task in text
        await pilot.press("j")  # the pane follows the cursor
        await pilot.pause()
        assert first_line(run.first_error_message)[:60] not in screen_text(h.app)


async def test_tasks_row_of_a_failed_graph_shows_its_first_error_line_at_80_columns():
    h = harness.build()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        row = next(r for r in screen.rows if r.task.is_root and r.graph_failed)
        await harness.select_task(pilot, row.task.name)
        text = screen_text(h.app)
        assert first_line(row.last_run.first_error_message)[:60] in text
