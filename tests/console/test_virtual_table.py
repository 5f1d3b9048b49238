"""The task table at scale: cells are built for the rows on screen and the rows a poll changed, never
for every row (a 50,000-task schema would take seconds per poll and per keystroke otherwise)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support import harness
from tui.services.row_diff import RowsDiff, diff_rows
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
        screen.show(rows)  # the same rows again: the cells drawn before are kept (no version changed)
        await pilot.pause()
        assert built["cells"] == 0
        rows = [dataclasses.replace(r, graph_size=r.graph_size + 1) for r in rows]
        screen.show(rows)  # every row new: a first fill
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


async def test_a_poll_hands_the_screen_a_diff_and_one_that_changed_nothing_touches_no_widget():
    h = harness.build(tasks=2500, scopes=1, warmup=600, until_failure=False)
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        table = screen.query_one(KeyedTable)
        before = list(screen.rows)
        diff = await screen.fetch()  # the real poll, over HTTP to the sandbox
        assert isinstance(diff, RowsDiff) and diff.empty, "nothing changed on the server"
        assert all(a is b for a, b in zip(before, diff.rows, strict=True)), "unchanged rows are kept"
        calls = {"set_rows": 0, "render_rows": 0, "updates": 0}
        for name, owner in (("set_rows", table), ("render_rows", screen)):
            original = getattr(owner, name)

            def counting(*args, _name=name, _original=original, **kwargs):
                calls[_name] += 1
                return _original(*args, **kwargs)

            setattr(owner, name, counting)
        for widget in (screen.query_one("#tasks-status"), screen.query_one("#tasks-error")):
            original_update = widget.update

            def counting_update(*args, _original=original_update, **kwargs):
                calls["updates"] += 1
                return _original(*args, **kwargs)

            widget.update = counting_update
        screen.show(diff)
        await pilot.pause()
        assert calls == {"set_rows": 0, "render_rows": 0, "updates": 0}


async def test_a_poll_that_changed_a_row_patches_it_in_place_and_one_that_moves_it_reorders():
    h = harness.build(tasks=2500, scopes=1, warmup=600, until_failure=False)
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        table = screen.query_one(KeyedTable)
        rows = screen.rows
        key = table.selected_key
        n = next(i for i, r in enumerate(rows) if r.task.key == key)
        bigger = dataclasses.replace(rows[n], graph_size=rows[n].graph_size + 7)
        new = [bigger if i == n else r for i, r in enumerate(rows)]
        diff = diff_rows(rows, new)
        assert list(diff.changed) == [key] and diff.same_keys
        sets = {"n": 0}
        original = table.set_rows

        def counting(*args, **kwargs):
            sets["n"] += 1
            return original(*args, **kwargs)

        table.set_rows = counting
        screen.show(diff)  # grouped by graph: a root's size does not move it
        await pilot.pause()
        assert sets["n"] == 0, "patched in place, no pass over every row"
        assert screen.rows is rows and screen.by_key[key] is bigger
        assert table.get_cell(key, "kind").plain == h.app.backend.wording.root_kind(bigger.graph_size)

        screen.sort = "kind"  # by graph size: a change of size moves the row
        screen.render_rows()
        sets["n"] = 0
        biggest = dataclasses.replace(bigger, graph_size=10_000)
        screen.show(diff_rows(screen.rows, [biggest if r.task.key == key else r for r in screen.rows]))
        await pilot.pause()
        assert sets["n"] == 1, "a row that moves in the order: the list is selected again"
        assert table.coordinate_to_cell_key((0, 0))[0].value == key
