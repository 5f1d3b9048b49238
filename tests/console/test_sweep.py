"""Every graph's run status, at any account size: no cap, a request budget, a rolling sweep.

The console runs on an in-process sandbox with more than 200 graphs in its scope; requests are
counted where they arrive (the sandbox's request log), never invented.
"""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import select_task, settle
from tui.backends.http import HttpSettings
from tui.sandbox.clock import ManualClock
from tui.widgets.error_pane import ErrorPane
from tui.widgets.keyed_table import KeyedTable

# 2,100 tasks in 1,050 graphs over five scopes: 210 graphs in the console's scope.
TASKS, GRAPHS = 2100, 1050
# Hundreds of requests through the in-process sandbox: a generous safety net on a loaded machine.
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(600)]
MESSAGE = "division by zero in the graph that sorts last"


def _status(app) -> str:
    return str(app.screen.query_one("#tasks-status").content)


def _rig(**options):
    rig = harness.build(tasks=TASKS, graphs=GRAPHS, until_failure=False, **options)
    engine = rig.sandbox.state.sandbox
    database, schema = engine.scopes()[0]
    roots = sorted(t["name"] for t in engine.list_tasks(database, schema, root_only=True))
    assert len(roots) > 200
    # The clock is manual: nothing runs unless the test moves it, so this failure stays the latest.
    engine.record_failed_run(database, schema, roots[-1], message=MESSAGE)
    return rig, roots


def _complete_graph_requests(log, start: int) -> list[str]:
    """The roots whose completed runs were asked for in ``log[start:]``."""
    return [
        target.split("/tasks/")[1].split("/")[0]
        for _, target, _ in log[start:]
        if "/complete-graphs" in target
    ]


async def test_a_failure_in_the_graph_that_sorts_last_is_shown_beyond_200_graphs():
    rig, roots = _rig()
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")  # failed graphs only: the last graph's failure must be there
        await settle(pilot)
        await select_task(pilot, roots[-1])
        assert MESSAGE in str(pilot.app.screen.query_one(ErrorPane).content)
        assert f"all {len(roots)} graphs checked" in _status(pilot.app)


async def test_the_sweep_keeps_the_budget_and_reaches_every_graph():
    # 40 requests/s at a 5 s poll: 200 requests per interval, of which graph statuses may use 80%
    # (two per graph). The large burst lets the test poll back to back without real waiting.
    rig, roots = _rig(http_settings=HttpSettings(rate=40.0, burst=100_000))
    log = rig.sandbox.state.request_log
    per_poll = int(40.0 * 5.0 * 0.8)
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        table = screen.query_one(KeyedTable)
        top = table.coordinate_to_cell_key((0, 0))[0].value.rsplit(".", 1)[-1]  # in view: every poll
        seen: set[str] = set()
        polls = 0
        start = 0  # the first poll ran at start-up
        while True:
            if polls:
                start = len(log)
                rig.advance(5)
                screen.poll_now()
                await settle(pilot)
            polls += 1
            asked = _complete_graph_requests(log, start)
            status_requests = sum(1 for _, t, _ in log[start:] if "-graphs" in t)
            assert status_requests <= per_poll, f"poll {polls} sent {status_requests} status requests"
            assert top in asked
            if roots[-1] in seen:  # once known failing, the last graph is refreshed every poll
                assert roots[-1] in asked
            seen.update(asked)
            if seen >= set(roots):
                break
            assert f"of {len(roots)} graphs checked so far (sweeping)" in _status(pilot.app)
            assert polls < 20, "the sweep never reached every graph"
        # One sweep over 210 graphs at 80 per poll, hot ones first, takes several polls.
        assert polls >= 3
        status = _status(pilot.app)
        assert f"all {len(roots)} graphs checked within" in status, status
        row = next(r for r in screen.rows if r.task.name == roots[-1])
        assert row.graph_failed
        assert "not checked" not in status
        # No poll for ten minutes (paused, or every poll failing): the statuses are older than a
        # sweep, and the status line says so rather than showing them as current.
        rig.advance(600)
        screen.render_rows()
        await pilot.pause()
        assert f"⚠ {len(roots)} graphs not checked for longer than a sweep" in _status(pilot.app)
        await select_task(pilot, roots[-1])
        pane = str(screen.query_one(ErrorPane).content)
        assert "status as of 10m ago, older than a sweep" in pane and MESSAGE in pane


async def test_a_status_ages_on_the_wall_clock_not_on_the_sandboxs_faster_data_clock():
    """The sandbox's data clock runs 60x real time: a status checked a real second ago is current."""
    rig = harness.build(until_failure=False)
    wall = ManualClock(rig.clock.now())
    rig.app.wall_clock = wall.now  # the poll interval and freshness are on the wall clock
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        rig.advance(60)  # a simulated minute ...
        wall.advance(1)  # ... in one real second
        screen.render_rows()
        assert "checked within" in _status(pilot.app)
        assert "older than a sweep" not in _status(pilot.app)
        assert "older than a sweep" not in str(screen.query_one(ErrorPane).content)
        wall.advance(60)  # a real minute without a poll: now the statuses are older than a sweep
        screen.render_rows()
        assert "not checked for longer than a sweep" in _status(pilot.app)
        assert "older than a sweep" in str(screen.query_one(ErrorPane).content)


async def test_a_row_whose_status_is_older_than_a_sweep_is_marked_and_fresh_rows_are_not():
    rig = harness.build(until_failure=False)
    wall = ManualClock(rig.clock.now())
    rig.app.wall_clock = wall.now
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        table = screen.query_one(KeyedTable)

        def marked() -> list[str]:
            lasts = [table.get_row_at(r)[3].plain for r in range(table.row_count)]
            return [last for last in lasts if last.startswith("⚠")]

        with_result = [r for r in range(table.row_count) if table.get_row_at(r)[3].plain]
        assert with_result and not marked(), "just checked: no row is marked"
        wall.advance(60)  # a real minute without a poll: every status is older than a sweep
        screen.render_rows()
        await pilot.pause()
        assert len(marked()) == len(with_result), "each row with a result says it is stale"
        await screen.fetch()  # a poll checks the graphs again (over HTTP to the sandbox)
        screen.poll_now()
        await settle(pilot)
        assert not marked(), "checked again: the marks go"
