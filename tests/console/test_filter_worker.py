"""Filtering a big task list: the scan runs in a worker thread, the table keeps the previous result
(and the status line says "filtering…") until it is in, and the newest query always wins."""

from __future__ import annotations

import pytest

from tests.support import harness
from tui.screens import tasks
from tui.services.task_query import select_rows
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def shown_keys(table: KeyedTable) -> list[str]:
    return [table.coordinate_to_cell_key((r, 0))[0].value for r in range(table.row_count)]


def wanted(screen, text: str) -> list[str]:
    rows = select_rows(screen.rows, filter_text=text, sort=screen.sort, reverse=screen.reverse)
    return [r.task.key for r in rows]


async def test_typing_in_a_big_list_filters_in_a_worker_and_shows_the_last_query(monkeypatch):
    monkeypatch.setattr(tasks, "FILTER_IN_WORKER", 0)  # every list counts as big
    h = harness.build(tasks=600, scopes=1, warmup=600, until_failure=False)
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        table = screen.query_one(KeyedTable)
        everything = shown_keys(table)
        await pilot.press("slash")
        scans = []
        original = screen.scan_filter

        def counting():
            scans.append(screen.filter_text)
            return original()

        screen.scan_filter = counting
        await pilot.press("c", "l", "e")
        assert scans == ["c", "cl", "cle"], "each keystroke is scanned in the worker"
        await h.app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.filtering and "filtering…" not in str(screen.query_one("#tasks-status").render())
        assert shown_keys(table) == wanted(screen, "cle") != everything


async def test_a_stale_filter_result_never_overwrites_a_newer_querys(monkeypatch):
    monkeypatch.setattr(tasks, "FILTER_IN_WORKER", 0)
    h = harness.build(tasks=600, scopes=1, warmup=600, until_failure=False)
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        table = screen.query_one(KeyedTable)
        screen.scan_filter = lambda: None  # the scans are run by hand below, in any order

        def scan_now():
            scan = screen.selection.scanner(
                screen.rows, filter_text=screen.filter_text, failed_only=False, sort="graph", reverse=False
            )
            return tasks.found_rows(screen.filter_query(), scan)

        await pilot.press("slash", "c")
        older = scan_now()  # "c" scanned, but slow to come back
        await pilot.press("l")
        newer = scan_now()  # "cl"
        assert screen.filtering
        status = str(screen.query_one("#tasks-status").render())
        assert "filtering…" in status, "the user sees that the list is not the query's yet"
        before = shown_keys(table)
        assert not screen.filter_found(older), "an older query's result is dropped"
        assert shown_keys(table) == before and screen.filtering
        assert screen.filter_found(newer)
        await pilot.pause()
        assert shown_keys(table) == wanted(screen, "cl") and not screen.filtering
        assert not screen.filter_found(older), "and is dropped once the newer one is shown too"
        assert shown_keys(table) == wanted(screen, "cl")


async def test_a_filter_keystroke_lays_out_neither_the_box_nor_the_table(monkeypatch):
    # A layout pass redraws the whole screen (~20 ms at 120x40): a keystroke changes one line of the
    # box and the table's rows, never the size of either (while the rows overflow the table: a
    # scrollbar that comes or goes is a layout).
    h = harness.build(tasks=600, scopes=1, warmup=600, until_failure=False)
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        table, box = screen.query_one(KeyedTable), screen.query_one("#filter")
        await pilot.press("slash")
        await pilot.pause()
        layouts = []
        for widget in (table, box):
            original = widget.refresh

            def recording(*args, _widget=widget, _original=original, **kwargs):
                if kwargs.get("layout"):
                    layouts.append(type(_widget).__name__)
                return _original(*args, **kwargs)

            monkeypatch.setattr(widget, "refresh", recording)
        await pilot.press("e")
        await pilot.pause()
        assert shown_keys(table) == wanted(screen, "e") and len(wanted(screen, "e")) > SIZE[1]
        assert layouts == []
