"""Logs as the real Airflow 3.3.2 and 2.11.2 write them, read through the adapter and the console: a
task's own ``::group::`` section folds, WARNING and ERROR records are coloured, and a multi-line
exception message stays with its traceback (indented on Airflow 3, inside the traceback on both)."""

from __future__ import annotations

import time

import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tests.airflow.test_console import console, open_log
from tests.airflow.test_live import backend
from tests.support.harness import select_task, settle
from tui.screens.graph import GraphTree
from tui.screens.run_detail import RunDetailScreen
from tui.services.log_layout import LogLayout
from tui.services.log_levels import Level, LevelCache
from tui.widgets.log_view import LogView

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]

DAG = "log_shapes"
MESSAGE = ["rows did not add up", "expected 2 rows, counted 3", "see the loader's report"]


def failed_run(live: Live) -> str:
    """The DAG's run, triggered once per server (waiting for the DAG to be listed first)."""
    if DAG not in live.runs:
        deadline = time.monotonic() + 120
        while DAG not in live.server._dag_ids():
            assert time.monotonic() < deadline, f"{DAG} never listed: {live.server.logs_tail()}"
            time.sleep(0.5)
        live.runs[DAG] = srv.trigger(live.server, DAG)
        srv.wait_run(live.server, DAG, live.runs[DAG])
    return live.runs[DAG]


async def test_the_real_log_s_group_levels_and_multi_line_exception(live: Live):
    run_id = failed_run(live)
    api = backend(live)
    try:
        chunk = await api.run_log(DAG, run_id, "load_rows", 1)
    finally:
        await api.aclose()
    lines = list(chunk.lines)
    shape = LogLayout()
    shape.scan(0, "\n".join(lines), len(lines))
    rows = next(g for g in shape.groups if g.name == "Loading rows")
    # The task's own lines are inside its group. Airflow 3 forwards a task's stdout on its own: under load
    # the printed rows (and the group's end) come after the error record, so the group holds that too.
    inside = lines[rows.header + 1 : rows.end]
    rows_seen = [line for line in inside if line.endswith(("row 1 loaded", "row 2 loaded"))]
    assert rows.folded and len(rows_seen) == 2
    level = LevelCache(lambda i: lines[i])
    warned = next(i for i, line in enumerate(lines) if line.endswith("disk almost full on the shared volume"))
    assert level(warned) is Level.WARNING
    # The whole message, each line inside the (last) traceback and in the error's colour.
    start, end = shape.tracebacks[-1]
    where = [next(i for i in range(start, end) if lines[i].rstrip().endswith(part)) for part in MESSAGE]
    assert where == sorted(where) and all(level(i) is Level.ERROR for i in where)
    if live.api == "v2":  # Airflow 3's error_detail: the message keeps the traceback's indent
        assert all(lines[i].startswith("  ") for i in where), [lines[i] for i in where]


def on_screen(log) -> list[str]:
    height = log.scrollable_content_region.height
    return ["".join(seg.text for seg in log.render_line(y)).rstrip() for y in range(height)]


async def test_the_console_folds_the_group_and_a_search_opens_it(live: Live):
    failed_run(live)
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, DAG)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, RunDetailScreen)
        node = next(n for n in detail._tree_nodes.values() if n.data.key.endswith("load_rows"))
        detail.query_one(GraphTree).move_cursor(node)
        await open_log(pilot)
        view = app.screen.query_one(LogView)
        log = view.log_widget
        await pilot.press("g")
        # Airflow 3 forwards the task's printed lines on their own: the group's header may come before or
        # after the error record's traceback (not always on the first screen), its rows always inside it.
        rows = next(g for g in log.shape.groups if g.name == "Loading rows")
        assert rows.folded and not any("row 2 loaded" in row for row in on_screen(log))
        await pilot.press("slash", *"row 2 loaded", "enter")
        await settle(pilot)
        shown = on_screen(log)
        assert not rows.folded and any(row.endswith("row 2 loaded") for row in shown), shown
