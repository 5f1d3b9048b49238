"""Laying a task graph out as a tree, and what each task did in a given graph run.

Pure functions (no Textual) so the layout rules are tested on their own:
- a task with several parents appears once in full (under its first parent) and as a reference elsewhere;
- in a failed run the failing task is marked, everything downstream of it did not run, and everything
  upstream of it succeeded (it could not have started otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain import Graph, GraphRun, RunState, TaskState


@dataclass(frozen=True)
class TreeLine:
    """One node of the laid-out tree. ``reference`` nodes point at a task shown in full elsewhere."""

    key: str
    path: tuple[str, ...]  # keys from the root down to this node: unique per node
    reference: bool = False


def layout(graph: Graph) -> list[TreeLine]:
    """Depth-first lines of the graph from its root, each task in full exactly once.

    A task is expanded under the parent that is visited last among its parents' first appearances,
    so it sits below all of them when they are on one chain; other parents show a reference.
    """
    children = graph.children()
    parents_left = {
        key: len([p for p in task.predecessors if p in graph.tasks]) for key, task in graph.tasks.items()
    }
    lines: list[TreeLine] = []
    placed: set[str] = set()

    def visit(key: str, path: tuple[str, ...]) -> None:
        lines.append(TreeLine(key, path))
        placed.add(key)
        for child in children.get(key, ()):
            parents_left[child] -= 1
            if child in placed or parents_left[child] > 0:
                lines.append(TreeLine(child, (*path, child), reference=True))
            else:
                visit(child, (*path, child))

    if graph.root in graph.tasks:
        visit(graph.root, (graph.root,))
    # Tasks not reachable from the root (e.g. a finalizer) are listed at the end.
    for key in sorted(k for k in graph.tasks if k not in placed):
        if key not in placed:
            visit(key, (key,))
    # A child whose parents were never all visited in full was only referenced: show it once in full.
    return _promote_missing(lines, graph)


def _promote_missing(lines: list[TreeLine], graph: Graph) -> list[TreeLine]:
    full = {line.key for line in lines if not line.reference}
    out: list[TreeLine] = []
    for line in lines:
        if line.reference and line.key not in full:
            full.add(line.key)
            out.append(TreeLine(line.key, line.path, reference=False))
        else:
            out.append(line)
    return out


def task_outcomes(graph: Graph, run: GraphRun | None) -> dict[str, RunState]:
    """What each task of ``graph`` did in ``run``, as far as the backend lets us know."""
    if run is None:
        return {}
    by_name = {task.name: key for key, task in graph.tasks.items()}
    suspended = {
        key for key, task in graph.tasks.items() if task.state is TaskState.SUSPENDED and key != graph.root
    }
    skipped = suspended | graph.downstream_of(suspended)
    outcome: dict[str, RunState] = {}
    if run.state is RunState.SUCCEEDED:
        for key in graph.tasks:
            outcome[key] = RunState.SKIPPED if key in skipped else RunState.SUCCEEDED
        return outcome
    if run.state in (RunState.FAILED, RunState.CANCELLED) and run.first_error_task:
        failed = by_name.get(run.first_error_task) or (
            run.first_error_task if run.first_error_task in graph.tasks else None
        )
        if failed is not None:
            upstream = _ancestors(graph, failed)
            downstream = graph.downstream_of([failed])
            for key in graph.tasks:
                if key == failed:
                    outcome[key] = run.state
                elif key in downstream:
                    outcome[key] = RunState.NOT_RUN
                elif key in upstream:
                    outcome[key] = RunState.SUCCEEDED
            return outcome
    for key in graph.tasks:
        outcome[key] = RunState.SKIPPED if run.state is RunState.SKIPPED else run.state
    return outcome


def _ancestors(graph: Graph, key: str) -> set[str]:
    seen: set[str] = set()
    stack = list(graph.tasks[key].predecessors) if key in graph.tasks else []
    while stack:
        parent = stack.pop()
        if parent in graph.tasks and parent not in seen:
            seen.add(parent)
            stack.extend(graph.tasks[parent].predecessors)
    return seen
