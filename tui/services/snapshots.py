"""Fetching what a view needs from a backend in one poll, with bounded concurrency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import anyio

from tui.backends.base import Backend
from tui.domain import GraphRun
from tui.services.task_query import TaskRow

# At most this many per-graph requests in flight, so a large account cannot cause a request storm.
CONCURRENCY = 6


async def latest_runs(backend: Backend, roots: Sequence[str]) -> dict[str, GraphRun | None]:
    """The most recent completed run of each graph (None for a graph that never ran)."""
    results: dict[str, GraphRun | None] = {}
    limiter = anyio.Semaphore(CONCURRENCY)

    async def one(root: str) -> None:
        async with limiter:
            runs = await backend.completed_runs(root, limit=1)
        results[root] = runs[0] if runs else None

    async with anyio.create_task_group() as group:
        for root in roots:
            group.start_soon(one, root)
    return results


async def task_rows(backend: Backend, max_graphs: int = 500) -> list[TaskRow]:
    """Every task with its graph size and its graph's latest run.

    Latest runs are fetched for at most ``max_graphs`` roots per poll (the first by name); the rest
    show no result until the user narrows the scope. That bounds one poll's cost on huge accounts.
    """
    tasks = await backend.list_tasks()
    sizes = Counter(task.root for task in tasks)
    roots = sorted((t for t in tasks if t.is_root), key=lambda t: t.name)[:max_graphs]
    runs = await latest_runs(backend, [t.key for t in roots])
    return [TaskRow(task, sizes[task.key] if task.is_root else 0, runs.get(task.root)) for task in tasks]
