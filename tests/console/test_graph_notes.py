"""The graph says why a task did not run and which data it reads and writes; run lists say how long a run
has been in its state against the usual. Pilot tests on the sandbox; data nodes (Taipy) on domain objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.services.test_graph_notes import EDITED, graph
from tests.support.harness import select_task, settle
from tui.domain import RunState
from tui.screens.graph import GraphScreen
from tui.services.graph_notes import written_nodes
from tui.services.outcomes import find_task
from tui.services.run_ages import Age
from tui.widgets.graph_notes import data_text
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.run_age import age_cell, age_line

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def test_tasks_below_a_failure_say_which_task_failed(console):
    async with console.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        root = next(r.task for r in pilot.app.screen.rows if r.task.is_root and r.graph_failed)
        await select_task(pilot, root.name)
        await pilot.press("t")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, GraphScreen) and screen.snapshot is not None
        data = screen.snapshot
        failed = find_task(data.graph, data.run.first_error_task)
        below = data.graph.downstream_of([failed])
        assert below, "the seeded failure has tasks below it"
        name = data.graph.tasks[failed].name
        for node in screen._tree_nodes.values():
            if node.data.key in below:
                assert f"did not run because {name} failed" in str(node.label), str(node.label)
            if node.data.key == failed:
                assert "because" not in str(node.label)


async def test_current_runs_say_how_long_a_run_usually_takes(console):
    async with console.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "a")
        await settle(pilot)
        screen = pilot.app.screen
        table = screen.query_one(KeyedTable)
        executing = [r for r in screen.snapshot.runs if r.state is RunState.EXECUTING]
        assert executing
        for run in executing:
            cells = [str(c) for c in table.get_row_at(table.get_row_index(f"{run.graph}|{run.run_id}"))]
            usual = pilot.app.run_ages.usual(("graph", run.graph))
            assert usual is not None, "its finished runs were asked once, for their durations"
            assert " / ~" in cells[4], cells


def test_data_nodes_are_labels_with_their_last_edit_and_names_stay_inert():
    g = graph()
    hostile = g.data_nodes["seed"].model_copy(update={"name": "[@click=app.quit]seed\x1b[2J"})
    g = g.model_copy(update={"data_nodes": {**g.data_nodes, "seed": hostile}})
    text = data_text(g, "last", written_nodes(g), NOW, UTC, False)
    assert text.plain == "  ⇠ late, [@click=app.quit]seed\\x1b[2J (edited 2m ago)  ⇢ end"
    assert EDITED < NOW
    assert data_text(g, "S", written_nodes(g), NOW, UTC, False).plain == ""


def test_a_run_far_past_its_usual_is_flagged_in_words_not_only_colour():
    colors = {"error": "red"}
    far = Age("RUNNING", timedelta(minutes=14), usual=timedelta(seconds=5), far_too_long=True)
    assert age_line(far, colors).plain == "RUNNING for 14m00s (usually ~5s)  ⚠ far past its usual"
    assert age_cell(far, colors).plain == "⚠ 14m00s / ~5s"
    seen = Age("RUNNING", timedelta(seconds=30), at_least=True)
    assert age_line(seen, colors).plain == "RUNNING for at least 30s  since dagtop first saw it"
    assert age_cell(seen, colors, wide=True).plain == "for ≥30s"


async def test_a_run_far_past_its_usual_is_flagged_on_current_runs_and_its_detail(console):
    """The graph's usual duration taught as short (10 s, from finished runs handed to the service): the
    sandbox's executing run, minutes in, is flagged in the list and in its detail's header."""
    from tui.domain import GraphRun
    from tui.screens.run_detail import RunDetailScreen

    async with console.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        runs = [
            r
            for root in [t for t in await console.backend.list_tasks() if t.is_root]
            for r in await console.backend.current_runs(root.key)
            if r.state is RunState.EXECUTING and r.duration(console.app.now()) > timedelta(minutes=1)
        ]
        assert runs, "the seeded sandbox has a run executing for more than a minute"
        run = runs[0]
        start = NOW - timedelta(days=1)
        short = [
            GraphRun(
                graph=run.graph,
                run_id=f"past-{n}",
                state=RunState.SUCCEEDED,
                started_time=start,
                completed_time=start + timedelta(seconds=10),
            )
            for n in range(5)
        ]
        pilot.app.run_ages.observe_completed(short)
        await pilot.press("3", "a")
        await settle(pilot)
        table = pilot.app.screen.query_one(KeyedTable)
        cells = [str(c) for c in table.get_row_at(table.get_row_index(f"{run.graph}|{run.run_id}"))]
        assert cells[4].startswith("⚠ ") and cells[4].endswith(" / ~10s"), cells
        table.move_cursor(row=table.get_row_index(f"{run.graph}|{run.run_id}"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RunDetailScreen)
        summary = str(pilot.app.screen.query_one("#graph-summary").content)
        assert "EXECUTING for " in summary and "(usually ~10s)  ⚠ far past its usual" in summary, summary
