"""Qlik Tasks operations on the simulation: tasks, runs, logs, start, PUT and the task graph.

Everything runs under the sandbox's one lock and reuses its lazy runtimes (``Sandbox._advanced``), so
both dialects would see the same runs. HTTP concerns (paging links, errors' shape) are http_qlik's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.sandbox.engine import Runtime, Sandbox
from tui.sandbox.errors import SandboxError
from tui.sandbox.model import quote
from tui.sandbox.qlik_model import (
    MANUAL,
    SPEC_VERSION,
    TENANT_ID,
    QlikState,
    TaskRun,
    Watcher,
    chain_json,
    disabled_code,
    graph_run_of,
    is_slot,
    log_text,
    orch_run,
    qiso,
    schedule_json,
    task_runs,
    uid,
)
from tui.sandbox.runs import Run
from tui.sandbox.world import Scope

SCAN_LIMIT = 5000  # graph runs one page may look through for a task's runs
TASK_SORTS = {"-updatedAt", "+updatedAt", "-createdAt", "+createdAt"}
EDITABLE = ("name", "description", "annotations")


def not_found(what: str, ident: str) -> SandboxError:
    return SandboxError(404, f"{what} '{ident}' was not found", "404")


def bad(message: str) -> SandboxError:
    return SandboxError(400, message, "400")


class _Scan:
    """A lazily read sequence kept for re-reading: what one reader has read is not computed again for
    the next, and nobody computes further than the deepest reader went."""

    def __init__(self, runtime: Runtime, history: Any, source: Iterator[tuple[Run, list[TaskRun]]]) -> None:
        self.runtime = runtime  # kept (not just their ids in the key): ids are unique while alive
        self.history = history
        self._source = source
        self._read: list[tuple[Run, list[TaskRun]]] = []

    def __iter__(self) -> Iterator[tuple[Run, list[TaskRun]]]:
        index = 0
        while True:
            if index == len(self._read):
                item = next(self._source, None)
                if item is None:
                    return
                self._read.append(item)
            yield self._read[index]
            index += 1


@dataclass
class RunItem:
    graph_run_id: int
    index: int
    body: dict[str, Any]


class QlikService:
    def __init__(self, sandbox: Sandbox, caller: str) -> None:
        self.sb = sandbox
        self.state = QlikState(sandbox.seed, caller)
        self.state.index(list(sandbox.world.scopes.values()))
        # A graph run's task runs as of one moment, kept while nothing changes: a client reads runs task
        # by task (Qlik's API is per task), which would otherwise lay the whole chain out per task.
        self._task_runs_seen: dict[tuple[Any, ...], list[TaskRun]] = {}
        self._changes = 0  # bumped by every action (start, put): the kept task runs are then dropped
        # A graph's runs newest first with their task runs, as far as any read has looked, kept while the
        # graph and the clock stand still: a client reads a chain task by task (each read a scan of the
        # same graph runs), so the chain is scanned once per moment, not once per task.
        self._scans: dict[tuple[Any, ...], _Scan] = {}
        self._scans_moment: tuple[datetime, int] | None = None

    # ---- tasks --------------------------------------------------------------------------------
    def _ref(self, tid: str) -> tuple[Scope, str]:
        ref = self.state.refs.get(tid)
        if ref is None or (ref.name not in ref.scope.tasks and tid not in self.state.watchers):
            raise not_found("Task", tid)
        if tid in self.state.watchers and self.state.watchers[tid].root not in ref.scope.tasks:
            raise not_found("Task", tid)
        return ref.scope, ref.name

    def _advanced(self, scope: Scope, name: str) -> tuple[Runtime, datetime, str]:
        world_name = self.state.root_name(scope, name)
        _, rt, now, root = self.sb._advanced(scope.database, scope.schema, quote(world_name))
        return rt, now, root

    def _watchers(self, scope: Scope, root: str) -> list[Watcher]:
        return [w for w in self.state.watchers.values() if w.scope is scope and w.root == root]

    def _task_runs(self, scope: Scope, root: str, rt: Runtime, run: Run, now: datetime) -> list[TaskRun]:
        key = (id(scope), root, run.run_id, run.state, run.end, now, self._changes)
        kept = self._task_runs_seen.get(key)
        if kept is None:
            if len(self._task_runs_seen) > 4096:
                self._task_runs_seen.clear()
            kept = task_runs(scope, root, run, now, self._manual(rt, run), self._watchers(scope, root))
            self._task_runs_seen[key] = kept
        return kept

    def _watcher_json(self, tid: str) -> dict[str, Any]:
        w = self.state.watchers[tid]
        meta: dict[str, Any] = {
            "ownerId": self.state.owner(tid, w.scope, w.root),
            "createdBy": self.state.owner("", w.scope, w.root),
            "spaceId": self.state.space_id(w.scope),
            "tenantId": TENANT_ID,
            "createdAt": qiso(w.scope.tasks[w.root].created_on),
            "updatedAt": qiso(self.state.updated.get(tid, w.scope.tasks[w.root].last_committed_on)),
            "usage": "ANALYTICS",
            "trigger": {"id": uid(self.state.seed, "trigger", tid), "type": 2},
        }
        if not w.enabled:
            meta["disabledCode"] = self.state.disabled.get(tid, "MANUALLY")
        events, states = chain_json(self.state, w.scope, w.name)
        out: dict[str, Any] = {
            "id": tid,
            "name": w.name,
            "description": f"Reload the incident app when any task of {w.root} fails",
            "specVersion": SPEC_VERSION,
            "version": "1.0.0",
            "enabled": w.enabled,
            "resourceId": self.state.resource_id(w.scope, w.name),
            "events": events,
            "states": states,
            "metadata": meta,
        }
        out.update(self.state.edits.get(tid, {}))
        return out

    def task_json(self, tid: str) -> dict[str, Any]:
        scope, name = self._ref(tid)
        if tid in self.state.watchers:
            return self._watcher_json(tid)
        rt, _, root = self._advanced(scope, name)
        rec = scope.tasks[name]
        limit = scope.tasks[root].props.get("suspend_task_after_num_failures")
        auto = bool(limit) and rt.failures_in_a_row >= limit and name == root
        owner = self.state.owner(tid, scope, name)
        meta: dict[str, Any] = {
            "ownerId": owner,
            "createdBy": self.state.owner("", scope, name),
            "spaceId": self.state.space_id(scope),
            "tenantId": TENANT_ID,
            "createdAt": qiso(rec.created_on),
            "updatedAt": qiso(self.state.updated.get(tid, rec.last_committed_on)),
            "usage": "ANALYTICS",
            # Trigger types 0-3 are undocumented numbers: 1 for a time trigger, 2 for an event one here.
            "trigger": {
                "id": uid(self.state.seed, "trigger", tid),
                "type": 1 if rec.props.get("schedule") else 2,
            },
        }
        code = disabled_code(self.state, tid, scope, name, auto)
        if code is not None:
            meta["disabledCode"] = code
        events, states = chain_json(self.state, scope, name)
        out: dict[str, Any] = {
            "id": tid,
            "name": name,
            "description": rec.props.get("comment", ""),
            "specVersion": SPEC_VERSION,
            "version": "1.0.0",
            "enabled": rec.state == "started",
            "resourceId": self.state.resource_id(scope, name),
            "events": events,
            "states": states,
            "metadata": meta,
        }
        if rec.props.get("schedule"):
            out["start"] = {"schedule": schedule_json(rec.props["schedule"], rec.created_on)}
        out.update(self.state.edits.get(tid, {}))
        return out

    def list_tasks(self, resource_id: str | None, sort: str) -> list[dict[str, Any]]:
        if sort not in TASK_SORTS:
            raise bad(f"sort must be one of {', '.join(sorted(TASK_SORTS))}, not '{sort}'")
        with self.sb.lock:
            self.state.index(list(self.sb.world.scopes.values()))
            tasks = [self.task_json(tid) for tid in self._live_ids()]
        if resource_id is not None:
            tasks = [t for t in tasks if t["resourceId"] == resource_id]
        key = "updatedAt" if sort.endswith("updatedAt") else "createdAt"
        tasks.sort(key=lambda t: (t["metadata"][key], t["id"]), reverse=sort.startswith("-"))
        return tasks

    def _live_ids(self) -> list[str]:
        out = []
        for tid, ref in self.state.refs.items():
            watcher = self.state.watchers.get(tid)
            if ref.name in ref.scope.tasks if watcher is None else watcher.root in ref.scope.tasks:
                out.append(tid)
        return out

    def get_task(self, tid: str) -> dict[str, Any]:
        with self.sb.lock:
            return self.task_json(tid)

    # ---- runs ---------------------------------------------------------------------------------
    def _graph_runs(self, rt: Runtime, now: datetime, upto: int | None) -> Iterator[tuple[Run, bool]]:
        """(graph run, from history) newest first, with run id <= ``upto``."""
        live = ([rt.current] if rt.current is not None else []) + list(rt.live)
        # Newest first by start: a test hook's recorded run may be newer than the running one.
        live.sort(key=lambda r: (r.start, r.run_id), reverse=True)
        for run in live:
            if upto is None or run.run_id <= upto:
                yield run, False
        before = None
        if upto is not None:
            before = min(rt.history.end, datetime.fromtimestamp(upto / 1000, UTC) + timedelta(milliseconds=1))
        for run in rt.history.backwards(before=before):
            yield run, True

    def _scan(
        self, scope: Scope, root: str, rt: Runtime, now: datetime, cursor: tuple[int, int] | None
    ) -> _Scan:
        """The graph's runs from ``cursor`` on with their task runs: the same scan for every task of the
        graph while nothing changes (the key holds all a scan depends on: the graph's live runs, its
        history snapshot, the moment and the actions taken)."""
        live = [rt.current] if rt.current is not None else []
        live += list(rt.live)
        key = (
            id(scope),
            root,
            id(rt),
            id(rt.history),
            tuple((r.run_id, r.state, r.start, r.end) for r in live),
            now,
            self._changes,
            cursor[0] if cursor else None,
        )
        if self._scans_moment != (now, self._changes):  # only this moment's scans are kept
            self._scans.clear()
            self._scans_moment = (now, self._changes)
        scan = self._scans.get(key)
        if scan is None or scan.runtime is not rt or scan.history is not rt.history:
            runs = self._graph_runs(rt, now, cursor[0] if cursor else None)
            pairs = ((run, self._task_runs(scope, root, rt, run, now)) for run, _ in runs)
            scan = self._scans[key] = _Scan(rt, rt.history, pairs)
        return scan

    def _manual(self, rt: Runtime, run: Run) -> bool:
        return not (is_slot(rt.schedule, run.scheduled) or is_slot(rt.history.schedule, run.scheduled))

    def runs(self, tids: list[str], cursor: tuple[int, int] | None, limit: int) -> tuple[list[RunItem], bool]:
        """Up to ``limit`` runs of the tasks (all in one graph) after ``cursor``; and whether more exist."""
        with self.sb.lock:
            scope, name = self._ref(tids[0])
            rt, now, root = self._advanced(scope, name)
            names = {self._ref(t)[1] for t in tids}
            bodies = {t: self.task_json(t) for t in tids}
            root_tid = self.state.task_id(scope, root)
            out: list[RunItem] = []
            for scanned, (run, all_task_runs) in enumerate(self._scan(scope, root, rt, now, cursor)):
                if scanned >= SCAN_LIMIT:
                    break
                mine = [tr for tr in all_task_runs if tr.name in names]
                mine.sort(key=lambda tr: tr.start, reverse=True)
                for index, tr in enumerate(mine):
                    if cursor and run.run_id == cursor[0] and index <= cursor[1]:
                        continue
                    if len(out) == limit:
                        return out, True
                    self._source(tr, root_tid, run)
                    body = orch_run(
                        self.state, scope, tr, run.run_id, bodies[self.state.task_id(scope, tr.name)]
                    )
                    out.append(RunItem(run.run_id, index, body))
            return out, False

    def _source(self, tr: TaskRun, root_tid: str, run: Run) -> None:
        if tr.triggered_by == MANUAL:
            tr.triggered_by = self.state.sources.get((root_tid, run.run_id), MANUAL)

    def resource_tasks(self, resource_id: str) -> list[str]:
        with self.sb.lock:
            found = [t["id"] for t in self.list_tasks(resource_id, "-updatedAt")]
        if not found:
            raise not_found("Resource", resource_id)
        return found

    def last_run(self, tid: str) -> dict[str, Any]:
        items, _ = self.runs([tid], None, 1)
        if not items:
            raise not_found("Run of task", tid)  # the scheduling docs: 404 when the task never ran
        return items[0].body

    def _find_run(self, tid: str, run_id: str) -> tuple[Scope, TaskRun, datetime]:
        scope, name = self._ref(tid)
        graph_id = graph_run_of(run_id, tid)
        if graph_id is None:
            raise not_found("Run", run_id)
        rt, now, root = self._advanced(scope, name)
        for run, from_history in self._graph_runs(rt, now, graph_id):
            if run.run_id == graph_id:
                for tr in self._task_runs(scope, root, rt, run, now):
                    if tr.name == name:
                        return scope, tr, now
            if from_history:  # history is the oldest part; past the id there is nothing more to find
                break
        raise not_found("Run", run_id)

    def log(self, tid: str, run_id: str) -> str:
        with self.sb.lock:
            scope, tr, now = self._find_run(tid, run_id)
            return log_text(self.state.resource_id(scope, tr.name), tr.name, tr, now)

    # ---- actions ------------------------------------------------------------------------------
    def start(self, tid: str, source: str) -> None:
        with self.sb.lock:
            self._changes += 1
            scope, name = self._ref(tid)
            if tid in self.state.watchers or not scope.is_root(name):
                raise bad(
                    f"Task '{tid}' is triggered by another task's event; the sandbox starts a chain only at "
                    "its first (time-triggered or manual) task"
                )
            self.sb.execute(scope.database, scope.schema, quote(name))
            rt, now, _ = self._advanced(scope, name)
            if source != MANUAL:
                requested = rt.current.run_id if rt.current is not None else int(now.timestamp() * 1000)
                self.state.sources[(tid, requested)] = source

    def put(self, tid: str, body: Any) -> dict[str, Any]:
        """Replace a task: only enabled and the EDITABLE fields may change; the caller becomes owner."""
        with self.sb.lock:
            self._changes += 1
            current = self.task_json(tid)
            self._check_put(body, current)
            scope, name = self._ref(tid)
            if body.get("enabled", False) != current["enabled"]:
                self._set_enabled(scope, name, bool(body.get("enabled", False)))
            if not body.get("enabled", False):
                self.state.disabled[tid] = "MANUALLY"
            else:
                self.state.disabled.pop(tid, None)
            self.state.edits[tid] = {k: body[k] for k in EDITABLE if k in body}
            self.state.owners[tid] = self.state.caller  # Qlik: an update transfers ownership to the caller
            self.state.updated[tid] = self.sb.clock.now()
            return self.task_json(tid)

    @staticmethod
    def _check_put(body: Any, current: dict[str, Any]) -> None:
        if not isinstance(body, dict):
            raise bad("The request body must be a Task object")
        for key in ("name", "specVersion"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise bad(f"Missing required property '{key}'")
        if "enabled" in body and not isinstance(body["enabled"], bool):
            raise bad("'enabled' must be a boolean")
        for key in ("events", "states", "start"):
            if _canon(body.get(key)) != _canon(current.get(key)):
                raise bad(
                    f"The sandbox simulates the generated chains: '{key}' cannot be changed (send it as read)"
                )

    def _set_enabled(self, scope: Scope, name: str, enabled: bool) -> None:
        watcher = self.state.watcher(scope, name)
        if watcher is not None:
            watcher.set_enabled(enabled, self.sb.clock.now())
            return
        if scope.is_root(name):
            action = self.sb.resume if enabled else self.sb.suspend
            action(scope.database, scope.schema, quote(name))
            return
        # Each Qlik task is switched on its own (no graph-wide rule as in Snowflake); a disabled task's
        # downstream does not run, as a suspended child's does not in the simulation.
        rec = scope.tasks[name]
        rec.state = "started" if enabled else "suspended"
        if not enabled:
            rec.last_suspended_on = self.sb.clock.now()

    # ---- the scheduling API's graph -----------------------------------------------------------
    def edges(self, tid: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(parents, children) by task id, over the task's scope."""
        scope, _ = self._ref(tid)
        parents: dict[str, list[str]] = {}
        children: dict[str, list[str]] = {}
        names = list(scope.tasks) + [w.name for w in self.state.watchers.values() if w.scope is scope]
        for name in names:
            child = self.state.task_id(scope, name)
            for event in chain_json(self.state, scope, name)[0]:
                parent = event["correlation"][0]["contextAttributeValue"]
                parents.setdefault(child, []).append(parent)
                children.setdefault(parent, []).append(child)
        return parents, children

    def neighbours(self, tid: str, direction: str) -> list[dict[str, Any]]:
        with self.sb.lock:
            parents, children = self.edges(tid)
            ids = (children if direction == "children" else parents).get(tid, [])
            return [self.task_json(t) for t in ids]

    def graph(self, tid: str, kind: str, level: int | None, with_task: bool) -> dict[str, Any]:
        """A TaskGraph: edges point from child (source) to parent (target), as Qlik's example does."""
        with self.sb.lock:
            parents, children = self.edges(tid)
            ways = {"descendants": [children], "ancestors": [parents], "subgraph": [children, parents]}[kind]
            depth = {tid: 0}
            frontier = [tid]
            edges: dict[tuple[str, str], int] = {}
            while frontier and (level is None or depth[frontier[0]] < level):
                nxt = []
                for node in frontier:
                    for way in ways:
                        for other in way.get(node, []):
                            pair = (other, node) if way is children else (node, other)
                            edges.setdefault(pair, depth[node] + 1)
                            if other not in depth:
                                depth[other] = depth[node] + 1
                                nxt.append(other)
                frontier = nxt
            vertices = []
            for node, d in depth.items():
                vertex: dict[str, Any] = {
                    "taskId": node,
                    "attrs": {"depth": d, "isChild": node in parents, "isParent": node in children},
                }
                if with_task:
                    vertex["task"] = self.task_json(node)
                vertices.append(vertex)
            return {
                "taskId": tid,
                "vertices": vertices,
                "edges": [{"source": s, "target": t, "attrs": {"depth": d}} for (s, t), d in edges.items()],
            }


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
