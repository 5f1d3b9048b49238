"""Laying a task graph out as a tree, and what each task did in a given graph run.

Pure functions (no Textual) so the layout rules are tested on their own: a task with several parents
appears once in full (under its first parent) and as a reference elsewhere. What each task did in a run
is services/outcomes.py's one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain import Graph


@dataclass(frozen=True)
class TreeLine:
    """One node of the laid-out tree. ``reference`` nodes point at a task shown in full elsewhere."""

    key: str
    path: tuple[str, ...]  # keys from the root down to this node: unique per node
    reference: bool = False
    indexes: bool = False  # the fold holding a mapped task's indexes
    map_index: int | None = None  # one index of a mapped task (under its ``indexes`` fold)


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


INDEXES = "[]"  # the path segment of a mapped task's indexes fold (no task key contains brackets alone)


def with_indexes(lines: list[TreeLine], mapped: dict[str, list[int]]) -> list[TreeLine]:
    """``lines`` with, right under each mapped task shown in full, a fold listing its indexes (before its
    downstream tasks, so folding the indexes away never hides the rest of the graph)."""
    out: list[TreeLine] = []
    for line in lines:
        out.append(line)
        if line.reference or line.key not in mapped:
            continue
        fold = (*line.path, INDEXES)
        out.append(TreeLine(line.key, fold, indexes=True))
        out.extend(TreeLine(line.key, (*fold, f"[{i}]"), map_index=i) for i in sorted(mapped[line.key]))
    return out
