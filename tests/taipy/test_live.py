"""TaipyBackend's reads against the real Taipy REST 4.1.1 server of the session (tests/taipy/conftest.py):
scenarios and sequences as roots, task graphs in data-flow order with their data nodes, submissions as
graph runs (inferred, and saying so), jobs as task runs, a failed job's stack trace as its log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.taipy.fixtures import Live
from tui.backends.factory import open_backend
from tui.backends.taipy import TaipyBackend
from tui.backends.taipy.mapping import GROUPING_NOTE, LOG_NOTE, NO_TRACE_NOTE
from tui.config import Profile
from tui.domain import Graph, RunState
from tui.errors import NotFoundError

pytestmark = pytest.mark.anyio


def _names(graph: Graph) -> list[str]:
    return [t.name for t in graph.tasks.values()]


async def test_scenarios_and_their_sequences_are_the_roots(live: Live) -> None:
    backend = TaipyBackend.connect(live.url)
    try:
        roots = {t.name: t for t in await backend.list_tasks()}
    finally:
        await backend.aclose()
    assert {"pipeline", "pipeline/head", "failing"} <= set(roots)
    pipeline = roots["pipeline"]
    assert pipeline.key == live.scenarios["pipeline"] and pipeline.is_root
    assert pipeline.comment is not None
    assert pipeline.comment.startswith("primary scenario of the daily cycle ")
    assert pipeline.extra["frequency"] == "DAILY"
    head = roots["pipeline/head"]
    assert head.key == f"SEQUENCE_head_{pipeline.key}" and head.is_root
    assert roots["failing"].comment is None  # no cycle, not primary, no sequence
    assert {t.raw_state for t in roots.values()} == {"on demand"}  # never scheduled, never suspended


async def test_a_scenario_graph_follows_the_data(live: Live) -> None:
    """generate -> raw -> double -> doubled -> total: edges where outputs meet inputs, data nodes with
    their last edit time (all written by the session's run)."""
    backend = TaipyBackend.connect(live.url)
    try:
        graph = await backend.get_graph(live.scenarios["pipeline"])
        head = await backend.get_graph(f"SEQUENCE_head_{live.scenarios['pipeline']}")
        by_name = await backend.get_task("pipeline")
    finally:
        await backend.aclose()
    assert _names(graph) == ["pipeline", "generate", "double", "total"]
    tasks = {t.name: t for t in graph.tasks.values()}
    assert tasks["generate"].predecessors == (graph.root,)
    assert tasks["double"].predecessors == (tasks["generate"].key,)
    assert tasks["total"].predecessors == (tasks["double"].key,)
    assert tasks["double"].definition == "dagtop_taipy_funcs.double"
    nodes = graph.data_nodes
    assert sorted(n.name for n in nodes.values()) == ["doubled", "raw", "result"]
    assert all(n.last_edit is not None and n.detail == "pickle" for n in nodes.values())
    assert [nodes[k].name for k in tasks["double"].reads] == ["raw"]
    assert [nodes[k].name for k in tasks["double"].writes] == ["doubled"]
    assert _names(head) == ["pipeline/head", "generate", "double"]
    assert by_name.key == live.scenarios["pipeline"]


async def test_a_failed_submission_names_the_failure_and_what_it_abandoned(live: Live) -> None:
    backend = TaipyBackend.connect(live.url)
    root = live.scenarios["failing"]
    try:
        graph = await backend.get_graph(root)
        current = await backend.current_runs(root)
        runs = await backend.completed_runs(root)
        failed_only = await backend.completed_runs(root, errors_only=True)
        jobs = await backend.task_runs(root, runs[0].run_id)
        boom = next(t for t in graph.tasks.values() if t.name == runs[0].first_error_task)
        trace = await backend.run_log(root, runs[0].run_id, boom.key, 1)
        generate = next(t for t in graph.tasks.values() if t.name == "generate")
        quiet = await backend.run_log(root, runs[0].run_id, generate.key, 1)
    finally:
        await backend.aclose()
    assert current == []
    assert len(runs) == 1 and failed_only == runs
    run = runs[0]
    assert (run.state, run.raw_state) == (RunState.FAILED, "FAILED")
    assert boom.name == "boom"
    assert run.first_error_message == "RuntimeError: intentional failure for dagtop tests"
    assert run.note == f"{GROUPING_NOTE}; after not run (ABANDONED) because boom failed"
    assert [(graph.tasks[j.task].name, j.state, j.raw_state) for j in jobs] == [
        ("generate", RunState.SUCCEEDED, "COMPLETED"),
        ("boom", RunState.FAILED, "FAILED"),
        ("after", RunState.NOT_RUN, "ABANDONED"),
    ]
    assert trace.lines == ("RuntimeError: intentional failure for dagtop tests",)
    assert trace.note == LOG_NOTE
    assert quiet.lines == () and quiet.note == NO_TRACE_NOTE


async def test_jobs_of_two_scenarios_submitted_together_are_told_apart(live: Live) -> None:
    """Both scenarios have a generate task (job ids say only ``JOB_generate_``) and were submitted
    milliseconds apart: each submission still gets its own three jobs."""
    backend = TaipyBackend.connect(live.url)
    root = live.scenarios["pipeline"]
    try:
        runs = await backend.completed_runs(root)
        jobs = await backend.task_runs(root, runs[0].run_id)
        names = {t.key: t.name for t in (await backend.get_graph(root)).tasks.values()}
    finally:
        await backend.aclose()
    assert [(r.state, r.note) for r in runs] == [(RunState.SUCCEEDED, GROUPING_NOTE)]
    # Its outputs are the latest: it ended when total wrote result, after double's 3 s sleep.
    duration = runs[0].duration()
    assert duration is not None and duration >= timedelta(seconds=3)
    assert [(names[j.task], j.raw_state) for j in jobs] == [
        ("generate", "COMPLETED"),
        ("double", "COMPLETED"),
        ("total", "COMPLETED"),
    ]


async def test_a_profile_opens_a_taipy_backend_and_unknown_roots_are_not_found(live: Live) -> None:
    profile = Profile(name="t", backend="taipy", url=live.url + "/api/v1/")
    backend = open_backend(profile)
    try:
        assert backend.location == f"{live.url} (Taipy REST)"
        assert backend.capabilities.cancel and not backend.capabilities.suspend_resume
        with pytest.raises(NotFoundError, match="no scenario or sequence 'SCENARIO_nope'"):
            await backend.get_graph("SCENARIO_nope")
    finally:
        await backend.aclose()
