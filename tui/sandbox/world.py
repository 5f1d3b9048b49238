"""The account's static shape: databases, schemas, tasks and the graph relations between them.

No simulation here; just the structure and graph walks (roots, members in topological order).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime

from tui.sandbox.model import TaskRecord, quote


@dataclass
class Scope:
    database: str
    schema: str
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    finalizer: dict[str, str] = field(default_factory=dict)  # root -> its finalizer task
    versions: dict[str, int] = field(default_factory=dict)  # root -> graph_version
    comment: str = ""
    created_on: datetime | None = None
    _sorted: list[str] | None = None

    @property
    def fqn(self) -> str:
        return f"{quote(self.database)}.{quote(self.schema)}"

    def task_fqn(self, name: str) -> str:
        return f"{self.fqn}.{quote(name)}"

    def sorted_names(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.tasks, key=quote)  # in the order of the names as the API shows them
        return self._sorted

    def add(self, rec: TaskRecord) -> None:
        self.tasks[rec.name] = rec
        self.children.setdefault(rec.name, [])
        for parent in rec.predecessors:
            self.children.setdefault(parent, []).append(rec.name)
        if rec.finalizes:
            self.finalizer[rec.finalizes] = rec.name
        self._sorted = None

    def remove(self, name: str) -> TaskRecord:
        rec = self.tasks.pop(name)
        for parent in rec.predecessors:
            kids = self.children.get(parent)
            if kids and name in kids:
                kids.remove(name)
        if rec.finalizes and self.finalizer.get(rec.finalizes) == name:
            del self.finalizer[rec.finalizes]
        self._sorted = None
        return rec

    def is_root(self, name: str) -> bool:
        rec = self.tasks[name]
        return not rec.predecessors and rec.finalizes is None

    def root_of(self, name: str) -> str:
        rec = self.tasks[name]
        if rec.finalizes is not None:
            return rec.finalizes
        while rec.predecessors:  # cycles are refused on write, so this ends
            rec = self.tasks[rec.predecessors[0]]
        return rec.name

    def descendants(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.children.get(name, ()))
        while stack:
            key = stack.pop()
            if key not in seen:
                seen.add(key)
                stack.extend(self.children.get(key, ()))
        return seen

    def topo(self, names: set[str]) -> list[str]:
        """``names`` in topological order (ties broken by name, so the order is stable)."""
        indegree = {n: sum(1 for p in self.tasks[n].predecessors if p in names) for n in names}
        ready = [n for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        out = []
        while ready:
            n = heapq.heappop(ready)
            out.append(n)
            for child in self.children.get(n, ()):
                if child in indegree:
                    indegree[child] -= 1
                    if indegree[child] == 0:
                        heapq.heappush(ready, child)
        return out

    def members(self, root: str) -> list[str]:
        """The graph of ``root``: root first, then the others in topological order, finalizer last."""
        names = {root} | self.descendants(root)
        order = self.topo(names)
        final = self.finalizer.get(root)
        if final is not None and final not in names:
            order.append(final)
        return order

    def graph_version(self, root: str) -> int:
        return self.versions.get(root, 1)

    def bump(self, root: str) -> None:
        self.versions[root] = self.graph_version(root) + 1


@dataclass
class World:
    scopes: dict[tuple[str, str], Scope] = field(default_factory=dict)
    database_comments: dict[str, str] = field(default_factory=dict)
    created_on: dict[str, datetime] = field(default_factory=dict)
