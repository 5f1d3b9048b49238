"""The graph view at size: a poll that changes nothing does no widget work, a changed task repaints its
own label, g/G show the row they move to, and the footer names enter. The widget itself (virtual lines,
folds as splices, drawn as Textual's Tree draws): tests/console/test_virtual_tree.py."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support import harness
from tests.support.harness import settle
from tui.domain import RunState
from tui.screens.graph import GraphScreen, GraphTree

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def open_graph(pilot) -> GraphScreen:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, GraphScreen) and screen.snapshot is not None
    return screen


def versions(screen: GraphScreen) -> dict[tuple[str, ...], int]:
    return {path: node._updates for path, node in screen._tree_nodes.items()}


async def test_a_poll_that_changes_nothing_touches_no_node(console):
    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_graph(pilot)
        before = versions(screen)
        screen.show(screen.snapshot)
        await settle(pilot)
        assert versions(screen) == before


async def test_a_changed_outcome_relabels_that_task_only(console):
    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_graph(pilot)
        data = screen.snapshot
        assert data.run is not None
        before = versions(screen)
        # The run now says it failed at one task: that task's line (and only lines of it) change.
        outcomes = data.outcomes()
        task = [t for t in data.graph.tasks.values() if outcomes.get(t.key) is not RunState.FAILED][-1]
        failed = data.run.model_copy(update={"state": RunState.FAILED, "first_error_task": task.name})
        screen.show(dataclasses.replace(data, run=failed))
        await settle(pilot)
        after = versions(screen)
        changed = {path for path in before if after[path] != before[path]}
        assert changed, "no label changed"
        labels = {path: screen._tree_nodes[path].label.plain for path in changed}
        assert any("fail" in text.lower() for text in labels.values())
        assert len(changed) < len(before)


async def test_g_and_G_in_a_1000_task_graph_show_the_row_they_move_to():
    big = harness.build(tasks=1000, graphs=1, scopes=1, until_failure=False)
    async with big.app.run_test(size=SIZE) as pilot:
        screen = await open_graph(pilot)
        tree = screen.query_one(GraphTree)
        assert tree.last_line > 2 * tree.size.height  # far below the first screen
        await pilot.press("G")
        await settle(pilot)
        assert tree.cursor_line == tree.last_line
        assert tree.scroll_y <= tree.cursor_line < tree.scroll_y + tree.size.height
        await pilot.press("g")
        await settle(pilot)
        assert tree.cursor_line == 0 and tree.scroll_y == 0


async def test_laying_out_a_1000_task_graph_again_puts_every_node_on_a_line_and_keeps_the_cursor():
    big = harness.build(tasks=1000, graphs=1, scopes=1, until_failure=False)
    async with big.app.run_test(size=SIZE) as pilot:
        screen = await open_graph(pilot)
        tree = screen.query_one(GraphTree)
        await pilot.press("G")
        await settle(pilot)
        chosen = tree.cursor_node.data
        screen._structure = ()  # as if the graph's shape changed: the tree is laid out again
        screen.show(screen.snapshot)
        await settle(pilot)
        assert len(screen._tree_nodes) == 1000  # each task once (a join is not repeated)
        assert tree.last_line + 1 == len(screen._tree_nodes)  # every node laid out
        assert tree.cursor_node.data == chosen


async def test_the_graph_footer_says_enter_opens_the_detail(console):
    from tui.widgets.footer import KeyFooter

    async with console.app.run_test(size=SIZE) as pilot:
        screen = await open_graph(pilot)
        shown = {(b.key, b.description) for b, _enabled, _tip in screen.query_one(KeyFooter).fitting(120)}
        assert ("enter", "Detail") in shown
