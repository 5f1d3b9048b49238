"""Run detail on the sandbox: a server's line breaks are line breaks, and every task says its outcome."""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import select_task, settle
from tui.domain import RunState
from tui.screens.run_detail import RunDetailScreen
from tui.services.graph_view import layout
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.status import RUN_GLYPHS

pytestmark = pytest.mark.anyio
MESSAGE = 'Duplicate row detected during DML action\nRow Values: ["ORD-10042", 17]'


async def _branching_graph(h):
    """A root with a task that has a sibling branch (neither its ancestor nor below it)."""
    for task in await h.backend.list_tasks():
        if not task.is_root:
            continue
        graph = await h.backend.get_graph(task.key)
        for key in graph.tasks:
            if key == graph.root:
                continue
            related = {key} | graph.downstream_of([key]) | _ancestors(graph, key)
            if set(graph.tasks) - related:
                return graph, key
    raise LookupError("no graph with a sibling branch in the seeded sandbox")


def _ancestors(graph, key):
    seen, stack = set(), list(graph.tasks[key].predecessors)
    while stack:
        k = stack.pop()
        if k not in seen:
            seen.add(k)
            stack.extend(graph.tasks[k].predecessors)
    return seen


async def _open_failed_run(pilot, graph):
    root = graph.tasks[graph.root]
    await settle(pilot)
    await select_task(pilot, root.name)
    await pilot.press("4", "f")
    await settle(pilot)
    return pilot.app.screen


async def test_error_message_line_breaks_are_line_breaks_and_every_task_has_an_outcome():
    h = harness.build()
    graph, failing = await _branching_graph(h)
    engine = h.sandbox.state.sandbox
    database, schema, _ = graph.root.split(".")
    root_name, failing_name = graph.tasks[graph.root].name, graph.tasks[failing].name
    engine.record_failed_run(database, schema, root_name, task=failing_name, message=MESSAGE)
    async with h.app.run_test(size=(120, 40)) as pilot:
        runs = await _open_failed_run(pilot, graph)
        # The runs list: one line per run, the break shown as ⏎, never as a literal backslash-n.
        table = runs.query_one(KeyedTable)
        cells = [str(cell) for cell in table.get_row_at(0)]
        assert any("DML action ⏎ Row Values" in cell for cell in cells), cells
        assert not any("\\n" in cell for cell in cells)
        await pilot.press("enter")
        await settle(pilot)
        detail = h.app.screen
        assert isinstance(detail, RunDetailScreen)
        summary = str(detail.query_one("#graph-summary").content)
        assert "DML action\n" in summary and "Row Values" in summary and "\\n" not in summary
        # Every task shown in full has an outcome glyph; a task on a sibling branch says "unknown".
        glyphs = {glyph for glyph, _ in RUN_GLYPHS.values()}
        full = list(detail._tree_nodes.values())
        assert len(full) == len(layout(graph)) == len(graph.tasks)  # each task once
        for node in full:
            assert str(node.label)[:1] in glyphs, str(node.label)
        outcomes = detail.snapshot.outcomes()
        assert outcomes[failing] is RunState.FAILED
        unrelated = set(graph.tasks) - {failing} - graph.downstream_of([failing]) - _ancestors(graph, failing)
        assert unrelated and all(outcomes[k] is RunState.UNKNOWN for k in unrelated - {graph.root})
        label = next(str(n.label) for n in full if n.data.key in unrelated and n.data.key != graph.root)
        assert label.startswith("?") and "UNKNOWN" in label


def test_a_message_keeps_its_line_breaks_and_nothing_else():
    from tui.text_safety import one_line
    from tui.widgets.literal import message

    hostile = "first\r\nsecond\x1b]52;c;eA==\x07 over\rwrite"
    assert one_line(hostile) == "first ⏎ second\\x1b]52;c;eA==\\x07 over\\rwrite"
    assert message(hostile).plain == "first\nsecond\\x1b]52;c;eA==\\x07 over\\rwrite"
    assert message("a\nb\nc\nd", max_lines=2).plain == "a\nb\n… 2 more lines"
