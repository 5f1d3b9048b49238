"""A wide fan-in on the sandbox (a root, 152 parts, one join): the graph and run detail show the join once
with its upstream count, and `/` finds a task in both. Airflow's: tests/airflow/test_graph_wide.py."""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import settle
from tests.support.wide_graph import cursor_name, find, found_status, join_once, search_walk
from tui.screens.graph import GraphScreen, GraphTree
from tui.screens.run_detail import RunDetailScreen

pytestmark = pytest.mark.anyio


async def test_a_152_part_fan_in_shows_its_join_once_and_slash_finds_tasks():
    # Seed 1 lays 154 tasks out as one fan: the root, 152 parts, and the join of them all.
    h = harness.build(seed=1, tasks=154, graphs=1, scopes=1, until_failure=False)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, GraphScreen)
        join = join_once(screen, 152)
        graph = screen.snapshot.graph
        names = [t.name for t in graph.tasks.values()]
        parts = [graph.tasks[k].name for k, t in graph.tasks.items() if t.predecessors == (graph.root,)]
        one = next(p for p in parts if sum(p.lower() in n.lower() for n in names) == 1)
        words = [w for n in names for w in n.split("_") if not w.isdigit()]
        common = max(set(words), key=words.count).lower()  # in many names, found whatever the case
        await search_walk(pilot, screen, one, common)
        # Run detail shows the same tree, with the run's states, and finds in it the same way.
        await pilot.press("escape", "4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, RunDetailScreen)
        assert join_once(detail, 152) == join
        await find(pilot, graph.tasks[join].name.lower())
        assert cursor_name(detail) == graph.tasks[join].name
        assert found_status(detail) == f"match 1 of 1 for “{graph.tasks[join].name.lower()}”"
        assert detail.query_one(GraphTree).cursor_node.label.plain[:1] in "✔✘◦·⊘"  # the run's state
