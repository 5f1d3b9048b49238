"""What the graph view says beside each task, beyond its state: why it did not run, and the data it
reads and writes (Taipy data nodes, as labels on the edges). Pure functions on domain objects, each
computed once per poll for the whole graph (never a walk per task: graphs have thousands of tasks)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from tui.domain import Graph, RunState

# Outcomes that mean "this task never ran because something upstream failed".
NOT_RUN = (RunState.NOT_RUN, RunState.UPSTREAM_FAILED)
FAILED = (RunState.FAILED, RunState.CANCELLED)


def failure_causes(graph: Graph, outcomes: dict[str, RunState]) -> dict[str, list[str]]:
    """For each task that did not run: the nearest failed tasks above it (name order).

    Nearest: on each path up, the first failed task met; what is above it is not the cause. One pass
    in dependency order (Kahn), so a 10,000-task chain costs one walk, not one per task."""
    if not any(state in NOT_RUN for state in outcomes.values()):
        return {}
    kids = graph.children()
    waiting = {key: sum(p in graph.tasks for p in task.predecessors) for key, task in graph.tasks.items()}
    ready = deque(key for key, n in waiting.items() if n == 0)
    above: dict[str, set[str]] = {key: set() for key in graph.tasks}  # causes met on the way down
    while ready:
        key = ready.popleft()
        state = outcomes.get(key)
        # A failed task is the cause below it; a task that did not run passes its causes on.
        passed = {key} if state in FAILED else above[key] if state in NOT_RUN else set()
        for kid in kids.get(key, ()):
            above[kid] |= passed
            waiting[kid] -= 1
            if waiting[kid] == 0:
                ready.append(kid)
    return {
        key: sorted(causes, key=lambda k: graph.tasks[k].name)
        for key, causes in above.items()
        if causes and outcomes.get(key) in NOT_RUN
    }


@dataclass(frozen=True)
class DataRef:
    """A data node beside a task: its name, and its last edit time where it is worth saying."""

    name: str
    last_edit: datetime | None


def written_nodes(graph: Graph) -> frozenset[str]:
    """Every data node some task of the graph writes."""
    return frozenset(node for task in graph.tasks.values() for node in task.writes)


def task_data(graph: Graph, key: str, written: frozenset[str]) -> tuple[list[DataRef], list[DataRef]]:
    """(what ``key`` reads, what it writes). Data a task writes is dated where it is written; data no
    task of the graph writes (an input of the whole graph) is dated where it is read."""
    task = graph.tasks.get(key)
    if task is None or not (task.reads or task.writes):
        return [], []

    def ref(node: str, dated: bool) -> DataRef:
        data = graph.data_nodes.get(node)
        name = data.name if data is not None else node
        return DataRef(name, data.last_edit if data is not None and dated else None)

    return [ref(n, n not in written) for n in task.reads], [ref(n, True) for n in task.writes]
