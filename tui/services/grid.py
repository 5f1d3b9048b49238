"""The grid of one graph: a row per task (graph order), a column per recent run (oldest left, newest
right, as Airflow's grid), each cell what that task did in that run. No Textual here.

The model is built once per poll (O(tasks x runs)); a view reads cells by position, so drawing costs
only what is on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from tui.backends.base import Backend, BatchTaskRunsBackend, TaskRunBackend
from tui.domain import Graph, GraphRun, RunState, TaskRun
from tui.services.graph_view import layout
from tui.services.outcomes import task_outcomes

RUNS = 25  # columns: Airflow's grid shows 25 runs by default
# The first row: each run's own outcome (a key no task has). A failed run reads failed there even where
# its root task succeeded (a Snowflake root is a task of its own; an Airflow DAG is not).
RUN_ROW = "\x00run"


@dataclass(frozen=True)
class GridCell:
    """What one task did in one run: its outcome (a mapped task: its worst index), the task run behind
    it (the worst index's; None where the backend has no task runs) and how many indexes it had."""

    state: RunState
    task_run: TaskRun | None = None
    indexes: int = 0


_NOTHING = GridCell(RunState.UNKNOWN)


@dataclass(frozen=True)
class GridModel:
    graph: Graph
    rows: tuple[str, ...]  # RUN_ROW, then task keys in graph order
    runs: tuple[GraphRun, ...]  # oldest first: newest on the right
    cells: Mapping[tuple[int, int], GridCell] = field(default_factory=dict)  # (row, column)
    mapped: Mapping[str, int] = field(default_factory=dict)  # task key -> most indexes in any run
    # Why rows below the root are empty, in words (a backend without per-task runs).
    note: str | None = None

    def cell(self, row: int, column: int) -> GridCell:
        return self.cells.get((row, column), _NOTHING)

    def row_of(self, key: str) -> int | None:
        try:
            return self.rows.index(key)
        except ValueError:
            return None

    def column_of(self, run_id: str) -> int | None:
        return next((n for n, run in enumerate(self.runs) if run.run_id == run_id), None)


def task_order(graph: Graph) -> tuple[str, ...]:
    """Every task once, in the graph view's order (the layout shows each task once, cycles too)."""
    return tuple(line.key for line in layout(graph))


def build(
    graph: Graph,
    runs: Sequence[GraphRun],
    task_runs: Mapping[str, Sequence[TaskRun]],
    note: str | None = None,
) -> GridModel:
    """The grid of ``runs`` (any order; shown oldest left) with each run's ``task_runs`` by run id."""
    ordered = tuple(sorted(runs, key=_when))
    rows = (RUN_ROW, *task_order(graph))
    named = {tr.task for these in task_runs.values() for tr in these}
    if named and graph.root not in named:  # the root is the graph itself (a DAG): the run row says it
        rows = tuple(key for key in rows if key != graph.root)
    position = {key: n for n, key in enumerate(rows)}
    cells: dict[tuple[int, int], GridCell] = {}
    mapped: dict[str, int] = {}
    for column, run in enumerate(ordered):
        cells[(0, column)] = GridCell(run.state)
        these = task_runs.get(run.run_id, ())
        by_task: dict[str, list[TaskRun]] = {}
        for tr in these:
            by_task.setdefault(tr.task, []).append(tr)
        for key, state in task_outcomes(graph, run, these).items():
            row = position.get(key)
            if row is None:
                continue
            runs_of = by_task.get(key, [])
            indexes = sum(1 for tr in runs_of if tr.map_index is not None)
            if indexes:
                mapped[key] = max(mapped.get(key, 0), indexes)
            behind = next((tr for tr in runs_of if tr.state is state), runs_of[0] if runs_of else None)
            cells[(row, column)] = GridCell(state, behind, indexes)
    return GridModel(graph, rows, ordered, cells, mapped, note)


def _when(run: GraphRun) -> tuple[str, str]:
    moment = run.scheduled_time or run.started_time or run.completed_time
    return (moment.isoformat() if moment else "", run.run_id)


NO_TASK_RUNS = "no per-task runs from this backend: tasks inferred from each run's result"


class GridReader:
    """Reads the grid poll after poll. A finished run's task runs no longer change: they are read once
    and kept, so a poll asks only for the runs that are new or still going (on Qlik, whose budget is 600
    requests a minute, 25 runs would otherwise cost 25 requests every poll)."""

    def __init__(self, runs: int = RUNS) -> None:
        self.runs = runs
        self.finished: dict[str, list[TaskRun]] = {}  # run id -> its task runs, for finished runs
        self.asked: list[str] = []  # the run ids the last read asked task runs for (tests, benches)

    async def read(self, backend: Backend, root: str) -> GridModel:
        """The last ``runs`` runs of ``root`` (finished and going, not the next scheduled one) with each
        run's task runs: one batch read where the backend has one, else one read per run."""
        graph = await backend.get_graph(root)
        # The same reads as the graph screen (current runs are few) and the runs screen's first page: one
        # request shape per list, whichever view asks.
        current = await backend.current_runs(root, limit=10)
        done = await backend.completed_runs(root, limit=max(self.runs, 50))
        chosen = {r.run_id: r for r in done}
        chosen.update({r.run_id: r for r in current if r.state is not RunState.SCHEDULED})
        recent = sorted(chosen.values(), key=_when)[-self.runs :]
        caps = backend.capabilities
        if not caps.task_runs:
            return build(graph, recent, {}, NO_TASK_RUNS)
        ids = [r.run_id for r in recent if not (r.state.is_finished and r.run_id in self.finished)]
        self.asked = ids
        if not ids:
            fresh: dict[str, list[TaskRun]] = {}
        elif caps.batch_task_runs:
            fresh = await cast(BatchTaskRunsBackend, backend).task_runs_of(root, ids)
        else:
            reader = cast(TaskRunBackend, backend)
            fresh = {run_id: await reader.task_runs(root, run_id) for run_id in ids}
        shown = {r.run_id for r in recent}
        self.finished = {k: v for k, v in self.finished.items() if k in shown}  # only what is on the grid
        self.finished.update(
            {r.run_id: fresh[r.run_id] for r in recent if r.state.is_finished and r.run_id in fresh}
        )
        by_run = {r.run_id: fresh.get(r.run_id) or self.finished.get(r.run_id, []) for r in recent}
        return build(graph, recent, by_run)


async def fetch_grid(backend: Backend, root: str, runs: int = RUNS) -> GridModel:
    """The grid of ``root`` read once (see ``GridReader``)."""
    return await GridReader(runs).read(backend, root)
