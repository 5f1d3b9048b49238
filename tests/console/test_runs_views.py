"""Runs views: history strips that tell the truth and say which end is newest, counted nouns."""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import settle
from tui.plural import plural
from tui.screens.runs import CompletedRunsScreen, CurrentRunsScreen
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio


def summary(app) -> str:
    return str(app.screen.query_one("#runs-summary").content)


async def test_errors_only_keeps_the_real_history_in_the_strip(console):
    async with console.app.run_test(size=(120, 40)) as pilot:
        await harness.TOUR["completed-runs"](pilot)
        await settle(pilot)
        screen = console.app.screen
        assert isinstance(screen, CompletedRunsScreen)
        before = summary(console.app).split("old → new", 1)[1]
        assert "✔" in before and "✘" in before
        await pilot.press("f")
        await settle(pilot)
        assert screen.snapshot.runs and all(r.state.is_failure for r in screen.snapshot.runs)
        after = summary(console.app).split("old → new", 1)[1]
        assert after == before  # the graph's real recent results, not only its failures


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_all_graphs_strips_keep_each_name_with_its_strip(size):
    h = harness.build()
    async with h.app.run_test(size=size) as pilot:
        await harness.TOUR["completed-all-graphs"](pilot)
        await settle(pilot)
        screen = h.app.screen
        lines = summary(h.app).splitlines()
        assert "old → new" in lines[1]
        names = {root.name for root in screen.snapshot.roots.values()}
        shown = 0
        for line in lines[1:]:
            words = line.split()
            for index, word in enumerate(words):
                if word in names:  # a name is followed by its strip, on the same line
                    assert index + 1 < len(words) and len(words[index + 1]) == 10, line
                    shown += 1
        assert shown >= 4
        assert all(len(line) <= size[0] - 2 for line in lines)


async def test_one_run_is_one_run_not_one_runs():
    h = harness.build()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "CUSTOMERS_PIPELINE")
        await pilot.press("3")  # its current runs: the one scheduled next
        await settle(pilot)
        assert isinstance(h.app.screen, CurrentRunsScreen)
        assert len(h.app.screen.snapshot.runs) == 1
        assert "1 run" in summary(h.app) and "1 runs" not in summary(h.app)


def test_plural():
    assert [plural(n, "run") for n in (0, 1, 2)] == ["0 runs", "1 run", "2 runs"]
    assert plural(1, "match") == "1 match" and plural(3, "match") == "3 matches"
    assert plural(2, "task instance") == "2 task instances"


def cell_texts(app, column: str) -> list:
    table = app.screen.query_one(KeyedTable)
    return [table.get_cell(row, column) for row in table.rows]


@pytest.mark.parametrize("view", ["tasks", "current"])
async def test_a_next_run_in_the_past_is_flagged_overdue(view):
    h = harness.build()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        if view == "current":
            await pilot.press("3", "a")
            await settle(pilot)
        column = "next"
        before = [t.plain for t in cell_texts(h.app, column) if t.plain]
        assert before and all("overdue" not in t for t in before)
        h.advance(4 * 86400)  # no poll since: every next run the screen knows of is now late
        await pilot.press("A", "A")  # redraw from the data held
        await pilot.pause()
        after = [t for t in cell_texts(h.app, column) if t.plain]
        warning = h.app.theme_colors["warning"]
        assert after and all(t.plain.startswith("overdue ") and " ago" not in t.plain for t in after)
        assert all(warning in str(t.style) for t in after)
        if view == "current":
            table = h.app.screen.query_one(KeyedTable)
            scheduled = [
                table.get_cell(row, "scheduled").plain
                for row in table.rows
                if "SCHEDULED" in table.get_cell(row, "state").plain
            ]
            assert scheduled and all(s.startswith("overdue ") for s in scheduled)


def test_due_time_reads_in_future_due_now_then_overdue():
    from datetime import UTC, datetime, timedelta

    from tui.widgets.status import due_time

    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    colors = {"warning": "yellow"}
    assert due_time(now, now + timedelta(seconds=30), UTC, False, colors).plain == "in 30s"
    assert due_time(now, now - timedelta(seconds=3), UTC, False, colors).plain == "due now"
    late = due_time(now, now - timedelta(seconds=54), UTC, False, colors)
    assert late.plain == "overdue 54s" and "yellow" in str(late.style)
    assert due_time(now, now - timedelta(seconds=54), UTC, True, colors).plain.endswith(" overdue")
