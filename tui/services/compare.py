"""`d`: a failed run side by side with the last good run of the same graph — what each task did and how
long it took in each, and whether the graph changed between them (where the backend says which version of
the graph a run used). Pure logic plus one fetch; no Textual.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from tui.backends.base import Backend, TaskRunBackend
from tui.domain import Graph, GraphRun, RunState, Task, TaskRun
from tui.services.outcomes import as_of_run, combined, task_outcomes

HISTORY = 50  # completed runs searched for the last good one
SLOWER = 1.5  # a task taking this much longer than in the good run is called out (and ≥ SLOWER_BY)
SLOWER_BY = timedelta(seconds=30)


@dataclass(frozen=True)
class TaskSide:
    state: RunState | None  # None: the task was not in the graph then (or the run has no word of it)
    took: timedelta | None = None
    runs: int = 0  # task runs behind it (a mapped task has several)


@dataclass(frozen=True)
class TaskRow:
    key: str
    name: str
    bad: TaskSide
    good: TaskSide
    change: str  # "" when nothing worth saying changed


@dataclass(frozen=True)
class Comparison:
    failed: GraphRun
    good: GraphRun | None
    rows: list[TaskRow]
    version: str  # what the backend says about the graph's version in each run
    inferred: bool  # the per-task states are inferred from the runs (no task runs from this backend)
    searched: int  # completed runs looked through for the good one


def last_good(runs: Sequence[GraphRun], failed: GraphRun) -> GraphRun | None:
    """The newest succeeded run that ended before ``failed`` began (or was scheduled)."""
    start = failed.started_time or failed.scheduled_time
    good = [
        run
        for run in runs
        if run.state is RunState.SUCCEEDED
        and run.run_id != failed.run_id
        and (start is None or (run.completed_time or run.started_time or start) <= start)
    ]
    return max(good, key=lambda run: run.completed_time or run.started_time or start, default=None)


async def compare_runs(backend: Backend, root: Task, failed: GraphRun) -> Comparison:
    """Fetch the graph, the history and (where the backend has them) both runs' task runs; compare."""
    graph = await backend.get_graph(root.key)
    history = await backend.completed_runs(root.key, limit=HISTORY)
    good = last_good(history, failed)
    bad_runs: list[TaskRun] = []
    good_runs: list[TaskRun] = []
    inferred = not backend.capabilities.task_runs
    if not inferred:
        runner = cast(TaskRunBackend, backend)
        bad_runs = await runner.task_runs(root.key, failed.run_id)
        good_runs = await runner.task_runs(root.key, good.run_id) if good is not None else []
    rows = compare_tasks(graph, failed, bad_runs, good, good_runs)
    return Comparison(failed, good, rows, version_words(failed, good), inferred, len(history))


def compare_tasks(
    graph: Graph,
    bad: GraphRun,
    bad_runs: Iterable[TaskRun],
    good: GraphRun | None,
    good_runs: Iterable[TaskRun],
) -> list[TaskRow]:
    """A row per task of the graph (its root first where the root is a task), in the graph's order."""
    bad_sides = _sides(graph, bad, list(bad_runs))
    good_sides = _sides(graph, good, list(good_runs)) if good is not None else {}
    rows = []
    for key in _ordered(graph):
        b, g = bad_sides.get(key, TaskSide(None)), good_sides.get(key, TaskSide(None))
        rows.append(TaskRow(key, graph.tasks[key].name, b, g, _change(b, g)))
    return rows


def _sides(graph: Graph, run: GraphRun, task_runs: list[TaskRun]) -> dict[str, TaskSide]:
    states = task_outcomes(graph, run, task_runs)
    grouped: dict[str, list[TaskRun]] = defaultdict(list)
    for task_run in task_runs:
        grouped[task_run.task].append(task_run)
    out = {}
    for key, state in states.items():
        mine = grouped.get(key, [])
        took = max((d for d in (t.duration() for t in mine) if d is not None), default=None)
        if mine:
            state = combined([as_of_run(t.state, run.state) for t in mine])
        out[key] = TaskSide(state, took, len(mine))
    return out


def _change(bad: TaskSide, good: TaskSide) -> str:
    if good.state is None and bad.state is not None:
        return "new since the good run"
    if bad.state is None and good.state is not None:
        return "not in this run"
    known = {bad.state, good.state}.isdisjoint({None, RunState.UNKNOWN})  # unknown is no evidence of change
    if known and bad.state != good.state:
        return f"{_word(bad.state)} (was {_word(good.state)})"  # type: ignore[arg-type]
    slow = bad.took is not None and good.took is not None and bad.took > good.took * SLOWER
    if slow and bad.took - good.took >= SLOWER_BY:  # type: ignore[operator]
        return f"{bad.took / good.took:.1f}x slower"  # type: ignore[operator]
    return ""


def _word(state: RunState) -> str:
    return "did not run" if state is RunState.NOT_RUN else state.value.lower().replace("_", " ")


def version_words(bad: GraphRun, good: GraphRun | None) -> str:
    """Whether the graph changed between the two runs, as far as the backend says."""
    if good is None:
        return ""
    if bad.graph_version is None or good.graph_version is None:
        return "this backend does not say which version of the graph a run used"
    if bad.graph_version == good.graph_version:
        return f"same graph version ({bad.graph_version}) in both runs: the definition did not change"
    return f"the graph changed between them: version {good.graph_version} → {bad.graph_version}"


def _ordered(graph: Graph) -> list[str]:
    """Depth-first from the root, children by name: the order the graph screen reads."""
    kids = graph.children()
    seen: list[str] = []
    stack = [graph.root] if graph.root in graph.tasks else []
    stack += sorted(
        (k for k, t in graph.tasks.items() if not t.predecessors and k != graph.root), reverse=True
    )
    done: set[str] = set()
    while stack:
        key = stack.pop()
        if key in done:
            continue
        done.add(key)
        seen.append(key)
        stack.extend(reversed(kids.get(key, [])))
    return seen + sorted(k for k in graph.tasks if k not in done)
