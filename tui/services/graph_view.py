"""Laying a task graph out as a tree, and what each task did in a given graph run.

Pure functions (no Textual) so the layout rules are tested on their own. Every task is shown exactly
once, under its immediate dominator: the nearest task every path from the root to it goes through. A
task with one upstream hangs under it (chains and trees read as before); a join (several upstreams)
hangs under their common ancestor, after the branches that lead to it, so the tree reads top to bottom
like Airflow's graph and a 152-part fan-in takes 155 lines, not one reference per part. Its line says
how many upstreams it waits for (``join_note``). What each task did in a run is services/outcomes.py's
one rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tui.domain import Graph

TOP = ""  # the virtual entry above the root and any task the root cannot reach (never a task key)


@dataclass(frozen=True)
class TreeLine:
    """One node of the laid-out tree."""

    key: str
    path: tuple[str, ...]  # keys from the top down to this node: unique per node
    indexes: bool = False  # the fold holding a mapped task's indexes
    map_index: int | None = None  # one index of a mapped task (under its ``indexes`` fold)


def layout(graph: Graph) -> list[TreeLine]:
    """Depth-first lines of the dominator tree: each task once, siblings in the graph's order (a
    task after every task it depends on), the root first, then tasks it cannot reach (a finalizer)."""
    upstream = {key: [p for p in task.predecessors if p in graph.tasks] for key, task in graph.tasks.items()}
    order, entries = _reverse_postorder(graph, upstream)
    rank = {key: n for n, key in enumerate(order)}
    idom = _dominators(order, rank, upstream, set(entries))
    below: dict[str, list[str]] = {}
    for key in order[1:]:  # rank order: siblings in the graph's order
        below.setdefault(idom[key], []).append(key)
    lines: list[TreeLine] = []
    stack = [(key, (key,)) for key in reversed(below.get(TOP, []))]
    while stack:
        key, path = stack.pop()
        lines.append(TreeLine(key, path))
        stack.extend((child, (*path, child)) for child in reversed(below.get(key, [])))
    return lines


def _entries(graph: Graph, upstream: dict[str, list[str]]) -> list[str]:
    """Where the walk starts: the root, then each other task with no upstream (by name)."""
    sources = sorted((k for k, ups in upstream.items() if not ups and k != graph.root),
                     key=lambda k: (graph.tasks[k].name, k))  # fmt: skip
    return ([graph.root] if graph.root in graph.tasks else []) + sources


def _reverse_postorder(graph: Graph, upstream: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Every task in reverse postorder of a depth-first walk from TOP (a topological order where the
    graph has no cycle). Children are walked last-first so that siblings keep the graph's name order.
    A cycle no entry reaches gets its first task (by name) as one more entry."""
    children = graph.children()
    entries = _entries(graph, upstream)
    children[TOP] = entries
    while True:
        post: list[str] = []
        seen = {TOP}
        stack: list[tuple[str, list[str]]] = [(TOP, list(children[TOP]))]
        while stack:
            key, todo = stack[-1]
            if todo:
                child = todo.pop()
                if child not in seen:
                    seen.add(child)
                    stack.append((child, list(children.get(child, ()))))
            else:
                post.append(key)
                stack.pop()
        missed = [k for k in graph.tasks if k not in seen]
        if not missed:
            return post[::-1], entries
        entries.append(min(missed, key=lambda k: (graph.tasks[k].name, k)))


def _dominators(
    order: list[str], rank: dict[str, int], upstream: dict[str, list[str]], entries: set[str]
) -> dict[str, str]:
    """Each task's immediate dominator (Cooper, Harvey and Kennedy's iteration over ``order``, TOP
    first and above every entry)."""
    idom: dict[str, str] = {TOP: TOP}

    def meet(a: str, b: str) -> str:
        while a != b:
            while rank[a] > rank[b]:
                a = idom[a]
            while rank[b] > rank[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for key in order[1:]:
            ups = ([TOP] if key in entries else []) + [p for p in upstream[key] if p in idom]
            new = ups[0]
            for p in ups[1:]:
                new = meet(new, p)
            if idom.get(key) != new:
                idom[key] = new
                changed = True
    return idom


NAMES_UP_TO = 3  # a join with more upstreams is counted, not named (its names would push its state off)
NAMES_WIDTH = 32  # nor named when the names take more cells than this (a line fits 80 columns)


def join_note(graph: Graph, key: str) -> str | None:
    """What a join's line says about the upstreams it waits for: ``⇐ extract, load`` (with a Qlik
    edge's condition: ``⇐ load on failure, ping``), or ``⇐ 152 upstream`` when naming them would not
    fit (``⇐ 5 upstream · on failure``); None for a task with one upstream (it hangs right under it)."""
    task = graph.tasks[key]
    ups = [p for p in task.predecessors if p in graph.tasks]
    if len(ups) < 2:
        return None
    names = []
    for p in ups:
        when = task.edge_conditions.get(p)
        names.append(f"{graph.tasks[p].name} {when}" if when else graph.tasks[p].name)
    listed = ", ".join(names)
    if len(ups) <= NAMES_UP_TO and len(listed) <= NAMES_WIDTH:
        return f"⇐ {listed}"
    return f"⇐ {len(ups)} upstream" + _conditions([task.edge_conditions.get(p) for p in ups])


def _conditions(whens: list[str | None]) -> str:
    """The edges' conditions of a counted join, so none is lost: `` · on failure`` when every edge has
    the same, else how many have each (`` · 4 on failure, 1 on success``); "" where edges have none."""
    counts = Counter(when for when in whens if when)
    if not counts:
        return ""
    if len(counts) == 1 and sum(counts.values()) == len(whens):
        return f" · {next(iter(counts))}"
    return " · " + ", ".join(f"{n} {when}" for when, n in counts.most_common())


INDEXES = "[]"  # the path segment of a mapped task's indexes fold (no task key contains brackets alone)


def with_indexes(lines: list[TreeLine], mapped: dict[str, list[int]]) -> list[TreeLine]:
    """``lines`` with, right under each mapped task shown in full, a fold listing its indexes (before its
    downstream tasks, so folding the indexes away never hides the rest of the graph)."""
    out: list[TreeLine] = []
    for line in lines:
        out.append(line)
        if line.key not in mapped:
            continue
        fold = (*line.path, INDEXES)
        out.append(TreeLine(line.key, fold, indexes=True))
        out.extend(TreeLine(line.key, (*fold, f"[{i}]"), map_index=i) for i in sorted(mapped[line.key]))
    return out
