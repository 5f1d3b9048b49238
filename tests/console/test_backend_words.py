"""The backend's own words on screen (Snowflake here; Airflow's in tests/airflow/test_console.py): what
a root row is called and which Task fields the detail shows, asked of the backend, not of its name."""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import settle
from tui.screens.task_detail import TaskDetailScreen
from tui.screens.tasks import COLUMNS

pytestmark = pytest.mark.anyio

SIZE = (120, 40)
KIND = [column for column, _, _ in COLUMNS].index("kind")


async def test_a_root_row_says_how_many_tasks_its_graph_has_or_single(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = console.app.screen
        roots = [r for r in screen.rows if r.task.is_root]
        seen = set()
        for row in roots[:6] + [r for r in roots if r.graph_size == 1][:1]:
            size = len((await console.backend.get_graph(row.task.key)).tasks)  # asked of the server
            expected = f"root·{size}" if size > 1 else "single"
            assert str(screen.cells(row)[KIND]) == expected, row.task.name
            seen.add(expected == "single")
        assert seen == {True, False}, "the seeded sandbox has graphs and standalone tasks"
        child = next(r for r in screen.rows if not r.task.is_root)
        assert str(screen.cells(child)[KIND]) == "child"


async def test_a_snowflake_graphs_size_counts_its_root_task(console):
    """The root task is a task (it runs SQL like the others); on Airflow the root is the DAG and is not
    counted (tests/airflow/test_console.py)."""
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        root = next(r for r in console.app.screen.rows if r.task.is_root and r.graph_size > 2)
        await harness.select_task(pilot, root.task.name)
        await pilot.press("t")
        await settle(pilot)
        size = len((await console.backend.get_graph(root.task.key)).tasks)
        summary = str(console.app.screen.query_one("#graph-summary").content)
        assert f"  {size} tasks" in summary


async def test_task_detail_shows_every_snowflake_field_and_an_empty_warehouse_is_serverless(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        task = next(
            r.task
            for r in console.app.screen.rows
            if r.task.warehouse is None and r.task.error_integration is None
        )
        await harness.select_task(pilot, task.name)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, TaskDetailScreen)
        lines = str(console.app.screen.query_one("#detail-body").content).splitlines()
        assert any(line.split() == ["Warehouse", "serverless"] for line in lines)
        # Fields a Snowflake task has are shown even when empty, as a dash.
        assert any(line.split() == ["Error", "integration", "—"] for line in lines)
        assert "Condition (WHEN)" in lines and "Definition" in lines and "Last suspended" in " ".join(lines)
