"""The task table at scale: cells are built for the rows on screen and the rows a poll changed, never
for every row (a 50,000-task schema would take seconds per poll and per keystroke otherwise)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support import harness
from tui.services.task_query import Selection, select_rows
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def count_cells(screen) -> dict[str, int]:
    built = {"cells": 0}
    original = screen.cells

    def counting(row):
        built["cells"] += 1
        return original(row)

    screen.cells = counting
    return built


async def test_a_big_schema_builds_cells_only_for_the_rows_on_screen_and_the_rows_a_poll_changed():
    h = harness.build(tasks=3000, scopes=1, warmup=600, until_failure=False)
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        table = screen.query_one(KeyedTable)
        rows = list(screen.rows)
        assert len(rows) == 3000 and table.row_count == 3000
        visible = table.size.height  # at most one row per line
        built = count_cells(screen)
        screen.show([])
        screen.show(rows)  # the first fill
        await pilot.pause()
        assert 0 < built["cells"] <= visible, "only the rows drawn are built"

        built["cells"] = 0
        screen.show(list(rows))  # a poll that changed nothing
        await pilot.pause()
        assert built["cells"] == 0

        shown = {table.coordinate_to_cell_key((r, 0))[0].value for r in range(3)}
        far = [i for i, r in enumerate(rows) if r.task.key not in shown][-1]  # a row off screen
        near = next(i for i, r in enumerate(rows) if r.task.key == table.selected_key)
        changed = list(rows)
        for i in (near, far):
            changed[i] = dataclasses.replace(rows[i], graph_size=rows[i].graph_size + 1)
        built["cells"] = 0
        screen.show(changed)
        await pilot.pause()
        assert built["cells"] == 1, "the changed row on screen is redrawn, the one off screen is not"

        await pilot.press("G")  # the bottom: its rows are built as they come on screen
        await pilot.pause()
        assert table.cursor_row == 2999
        assert table.selected_key == table.coordinate_to_cell_key((2999, 0))[0].value


async def test_filtering_as_you_type_shows_what_select_rows_shows():
    h = harness.build(tasks=600, scopes=1, warmup=600, until_failure=False)
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        rows = list(h.app.screen.rows)
    selection = Selection()
    for sort, reverse in (("graph", False), ("name", True)):
        for failed_only in (False, True):
            for text in ("", "o", "or", "ord", "ord state:st", "ord state:s", "LOAD_", "x", "", "root:yes"):
                want = select_rows(
                    rows, filter_text=text, failed_only=failed_only, sort=sort, reverse=reverse
                )
                got = selection.select(
                    rows, filter_text=text, failed_only=failed_only, sort=sort, reverse=reverse
                )
                assert [r.task.key for r in got] == [r.task.key for r in want], (sort, failed_only, text)
    # Polls: most rows kept, some changed without moving, then one that moves in the order.
    for poll in (
        [
            dataclasses.replace(r, graph_size=r.graph_size + 1) if i % 7 == 0 else r
            for i, r in enumerate(rows)
        ],
        list(reversed(rows)),
        [dataclasses.replace(r) if i % 3 == 0 else r for i, r in enumerate(rows)],  # new objects, same place
    ):
        want = select_rows(poll, filter_text="o", failed_only=False, sort="kind", reverse=False)
        selection.select(rows, filter_text="o", failed_only=False, sort="kind", reverse=False)
        got = selection.select(poll, filter_text="o", failed_only=False, sort="kind", reverse=False)
        assert [id(r) for r in got] == [id(r) for r in want]  # the poll's own rows, in its order
