"""Fetching what a view needs from a backend in one poll, with bounded concurrency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import anyio

from tui.backends.base import Backend
from tui.domain import Graph, GraphRun, RunState, Task
from tui.errors import AuthError, NotFoundError
from tui.services.outcomes import task_outcomes
from tui.services.task_query import TaskRow

# At most this many per-graph requests in flight, so a large account cannot cause a request storm.
CONCURRENCY = 6


@dataclass(frozen=True)
class GraphStatus:
    """A graph's latest completed run, the run executing now, and when it runs next."""

    last: GraphRun | None
    current: GraphRun | None
    next_time: datetime | None


async def graph_statuses(
    backend: Backend, roots: Sequence[str], *, with_current: bool = True
) -> dict[str, GraphStatus]:
    """Two requests per graph: its latest completed run and its current/scheduled runs (only the
    first without ``with_current``)."""
    results: dict[str, GraphStatus] = {}
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
        executing = next((r for r in current if r.state.is_active), None)
        scheduled = [r.scheduled_time for r in current if r.state is RunState.SCHEDULED and r.scheduled_time]
        last = completed[0] if completed else None
        results[root] = GraphStatus(last, executing, min(scheduled, default=None))

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


MAX_GRAPHS = 200


def roots_to_watch(tasks: Sequence[Task], max_graphs: int = MAX_GRAPHS) -> list[str]:
    """The roots whose run status a poll fetches: at most ``max_graphs`` (the first by name), which
    bounds one poll's cost on huge accounts; the rest show no result until the scope is narrowed."""
    return [t.key for t in sorted((t for t in tasks if t.is_root), key=lambda t: t.name)[:max_graphs]]
