"""Fetching what a view needs from a backend in one poll, with bounded concurrency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import anyio

from tui.backends.base import Backend, BatchRunsBackend
from tui.domain import Graph, GraphRun, RunState, Task
from tui.errors import AuthError, NotFoundError
from tui.services.outcomes import task_outcomes
from tui.services.task_query import TaskRow

# At most this many per-graph requests in flight, so a large account cannot cause a request storm.
CONCURRENCY = 6
# Graphs per batch request (Airflow's dag_ids): a body, not a URL, so only the server's page matters.
BATCH_GRAPHS = 100


@dataclass(frozen=True)
class GraphStatus:
    """A graph's latest completed run, the run executing now, and when it runs next."""

    last: GraphRun | None
    current: GraphRun | None
    next_time: datetime | None


def request_cost(backend: Backend, *, with_current: bool = True) -> float:
    """About how many requests one graph's status costs: a share of a batch request where the backend
    has batch reads, else one or two requests of its own."""
    if backend.capabilities.batch_runs:
        return 3 / BATCH_GRAPHS  # completed runs, current runs, first errors: per batch of graphs
    return 2.0 if with_current else 1.0


def graph_status(last: GraphRun | None, current: Sequence[GraphRun]) -> GraphStatus:
    """A graph's status from its latest completed run and its current/scheduled runs."""
    executing = next((r for r in current if r.state.is_active), None)
    scheduled = [r.scheduled_time for r in current if r.state is RunState.SCHEDULED and r.scheduled_time]
    return GraphStatus(last, executing, min(scheduled, default=None))


async def graph_statuses(
    backend: Backend, roots: Sequence[str], *, with_current: bool = True
) -> dict[str, GraphStatus]:
    """Every graph's status in ``roots``: a few batch requests where the backend has them, else two
    requests per graph (its latest completed run, its current/scheduled runs; only the first
    without ``with_current``), at most ``CONCURRENCY`` in flight."""
    if backend.capabilities.batch_runs:
        batch = cast(BatchRunsBackend, backend)
        results: dict[str, GraphStatus] = {}
        for start in range(0, len(roots), BATCH_GRAPHS):
            found = await batch.latest_runs(roots[start : start + BATCH_GRAPHS], with_current=with_current)
            results.update({root: graph_status(last, current) for root, (last, current) in found.items()})
        return results
    results = {}
    limiter = anyio.Semaphore(CONCURRENCY)

    async def one(root: str) -> None:
        async with limiter:
            try:
                completed = await backend.completed_runs(root, limit=1)
                current = await backend.current_runs(root, limit=10) if with_current else []
            except NotFoundError:
                return  # dropped since the task list was read: it will be gone next poll
            except AuthError as exc:
                if exc.status != 403:
                    raise
                return  # this graph's history is not readable with the role: no result, not stale
        results[root] = graph_status(completed[0] if completed else None, current)

    async with anyio.create_task_group() as group:
        for root in roots:
            group.start_soon(one, root)
    return results


def rows_for(tasks: Sequence[Task], statuses: dict[str, GraphStatus]) -> list[TaskRow]:
    """Task rows from a task list and whatever graph statuses are known (missing ones show blank);
    each child's outcome in its graph's last run comes from the one rule (services/outcomes.py)."""
    sizes = Counter(task.root for task in tasks)
    empty = GraphStatus(None, None, None)
    members: dict[str, dict[str, Task]] = {}
    for task in tasks:
        members.setdefault(task.root, {})[task.key] = task
    outcomes = {
        root: task_outcomes(Graph(root=root, tasks=graph), (statuses.get(root) or empty).last)
        for root, graph in members.items()
    }
    rows = []
    for task in tasks:
        status = statuses.get(task.root) or empty
        size = sizes[task.key] if task.is_root else 0
        outcome = outcomes[task.root].get(task.key)
        rows.append(TaskRow(task, size, status.last, status.current, status.next_time, outcome))
    return rows
