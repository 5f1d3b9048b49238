"""The simulation: the account's tasks plus, per root, a lazily created runtime that advances its runs.

Nothing ticks globally. A root's runtime is created the first time anyone looks at (or changes) it,
starting from the sandbox's start time, and ``advance(now)`` replays only that root's events up to now.
Runs before the start time are derived from a hash (``History``), so history costs nothing to hold.
Every public method takes the one lock and never awaits, so concurrent requests are safe.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tui.sandbox import errors
from tui.sandbox.clock import Clock, iso
from tui.sandbox.errors import SandboxError, bad_request, graph_not_suspended, not_found
from tui.sandbox.model import TaskRecord, parse_identifier, quote, split_qualified, validate_body
from tui.sandbox.rand import digest
from tui.sandbox.runs import (
    ERROR_STATES,
    FAILED,
    History,
    Run,
    condition_kind,
    critical_path,
    plan_run,
    run_id_for,
)
from tui.sandbox.schedule import Schedule
from tui.sandbox.world import Scope, World

MAX_GRAPH_TASKS = 1000
MAX_PREDECESSORS = 100
LIVE_HISTORY = 10_000  # completed live runs kept per root (older ones drop off)
CURRENT_WINDOW = timedelta(days=8)
_TINY = timedelta(microseconds=1)


@dataclass
class Runtime:
    root: str
    history: History
    schedule: Schedule | None
    next_slot: datetime | None
    current: Run | None = None
    queued: deque[tuple[datetime, set[str] | None]] = field(default_factory=deque)
    live: deque[Run] = field(default_factory=lambda: deque(maxlen=LIVE_HISTORY))
    last_end: datetime | None = None
    failures_in_a_row: int = 0

    def last_completed(self) -> Run | None:
        if self.live:
            return self.live[-1]
        return next(self.history.backwards(), None)


def like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


class Sandbox:
    def __init__(self, world: World, clock: Clock, seed: int) -> None:
        self.world = world
        self.clock = clock
        self.seed = seed
        self.started_at = clock.now()
        self.lock = threading.RLock()
        self._runtimes: dict[tuple[str, str, str], Runtime] = {}

    # ---- scopes -------------------------------------------------------------------------------
    def scopes(self) -> list[tuple[str, str]]:
        return list(self.world.scopes)

    def databases(self) -> list[dict[str, Any]]:
        out = []
        for db in dict.fromkeys(d for d, _ in self.world.scopes):
            out.append(
                {
                    "name": quote(db),
                    "created_on": iso(self.world.created_on[db]),
                    "owner": "SYSADMIN",
                    "comment": self.world.database_comments.get(db, ""),
                    "kind": "PERMANENT",
                    "is_current": False,
                    "is_default": False,
                }
            )
        return out

    def schemas(self, database: str) -> list[dict[str, Any]]:
        db = self._database(database)
        return [
            {
                "name": quote(s.schema),
                "database_name": quote(db),
                "created_on": iso(s.created_on or self.started_at),
                "owner": "SYSADMIN",
                "comment": s.comment,
                "kind": "PERMANENT",
            }
            for (d, _), s in self.world.scopes.items()
            if d == db
        ]

    def _database(self, database: str) -> str:
        db = parse_identifier(database)
        if db is None or not any(d == db for d, _ in self.world.scopes):
            raise not_found("Database", database)
        return db

    def scope(self, database: str, schema: str) -> Scope:
        db = self._database(database)
        sc = parse_identifier(schema)
        found = self.world.scopes.get((db, sc)) if sc is not None else None
        if found is None:
            raise not_found("Schema", f"{quote(db)}.{schema}")
        return found

    def _task(self, scope: Scope, name: str) -> TaskRecord:
        key = parse_identifier(name)
        if key is None:
            raise bad_request(f"Invalid identifier '{name}'.")
        rec = scope.tasks.get(key)
        if rec is None:
            raise not_found("Task", scope.task_fqn(key))
        return rec

    # ---- reads --------------------------------------------------------------------------------
    def list_tasks(
        self,
        database: str,
        schema: str,
        *,
        root_only: bool = False,
        like: str | None = None,
        starts_with: str | None = None,
        show_limit: int | None = None,
        from_name: str | None = None,
    ) -> list[dict[str, Any]]:
        with self.lock:
            scope = self.scope(database, schema)
            names = scope.sorted_names()  # filters and order use names as shown (quoted if not plain)
            if from_name is not None:
                # Rows after the first row whose name starts with from_name (case-sensitive); when none
                # matches, the rows that sort after it, so it still pages through a sorted list.
                hit = next((i for i, n in enumerate(names) if quote(n).startswith(from_name)), None)
                names = [n for n in names if quote(n) > from_name] if hit is None else names[hit + 1 :]
            regex = like_regex(like) if like is not None else None
            out = []
            for name in names:
                if show_limit is not None and len(out) >= show_limit:
                    break
                shown = quote(name)
                if starts_with is not None and not shown.startswith(starts_with):
                    continue
                if regex is not None and not (regex.fullmatch(shown) or regex.fullmatch(name)):
                    continue
                if root_only and scope.tasks[name].predecessors:  # the spec: "no predecessors"
                    continue
                out.append(scope.tasks[name].to_json())
            return out

    def get_task(self, database: str, schema: str, name: str) -> dict[str, Any]:
        with self.lock:
            scope = self.scope(database, schema)
            return self._task(scope, name).to_json()

    def dependents(self, database: str, schema: str, name: str, recursive: bool = True) -> list[dict]:
        with self.lock:
            scope = self.scope(database, schema)
            rec = self._task(scope, name)
            if recursive:
                order = scope.topo({rec.name} | scope.descendants(rec.name))
                final = scope.finalizer.get(rec.name)
                if final is not None and final not in order:
                    order.append(final)
            else:
                order = [rec.name, *sorted(scope.children.get(rec.name, ()))]
            return [scope.tasks[n].to_json() for n in order]

    def current_graphs(self, database: str, schema: str, name: str, limit: int = 1000) -> list[dict]:
        with self.lock:
            scope, rt, now, root = self._advanced(database, schema, name)
            root_id = scope.tasks[root].id
            out = []
            if rt.current is not None:
                out.append(rt.current.to_json(scope, root, root_id, now))
            for requested, _ in rt.queued:
                start = max(requested, rt.current.end if rt.current else requested)
                pending = Run(run_id_for(start), start, start, start, "SCHEDULED", 0, start)
                pending.version = scope.graph_version(root)
                pending.next_scheduled = rt.next_slot or start
                out.append(pending.to_json(scope, root, root_id, min(now, start - _TINY)))
            if (
                scope.tasks[root].state == "started"
                and rt.next_slot is not None
                and rt.schedule is not None
                and rt.next_slot <= now + CURRENT_WINDOW
            ):
                slot = rt.next_slot
                nxt = rt.schedule.next_after(slot)
                upcoming = Run(
                    run_id_for(slot), slot, slot, slot, "SCHEDULED", scope.graph_version(root), nxt
                )
                out.append(upcoming.to_json(scope, root, root_id, slot - _TINY))
            return out[:limit]

    def complete_graphs(
        self, database: str, schema: str, name: str, limit: int = 1000, error_only: bool = False
    ) -> list[dict]:
        with self.lock:
            scope, rt, now, root = self._advanced(database, schema, name)
            root_id = scope.tasks[root].id
            out: list[dict] = []
            for run in reversed(rt.live):
                if len(out) >= limit:
                    return out
                if not error_only or run.state in ERROR_STATES:
                    out.append(run.to_json(scope, root, root_id, now))
            for run in rt.history.backwards():
                if len(out) >= limit:
                    break
                if not error_only or run.state in ERROR_STATES:
                    out.append(run.to_json(scope, root, root_id, now))
            return out

    def history_size(self) -> int:
        """How many completed runs the account holds before the start (derived, never stored)."""
        with self.lock:
            total = 0
            for scope in self.world.scopes.values():
                for name in scope.tasks:
                    if scope.is_root(name):
                        total += self._history(scope, name).count()
            return total

    # ---- runtime ------------------------------------------------------------------------------
    def _advanced(self, database: str, schema: str, name: str) -> tuple[Scope, Runtime, datetime, str]:
        scope = self.scope(database, schema)
        rec = self._task(scope, name)
        root = scope.root_of(rec.name)  # a child answers with its root's graph runs
        now = self.clock.now()
        rt = self._runtime(scope, root)
        self._advance(scope, rt, now)
        return scope, rt, now, root

    def _history(self, scope: Scope, root: str) -> History:
        rec = scope.tasks[root]
        members = scope.members(root)
        schedule = self._schedule(rec, anchor=rec.last_committed_on.replace(second=0, microsecond=0))
        fail_ok = 1.0
        failers = []
        for m in members:
            p = scope.tasks[m].fail_probability
            fail_ok *= 1.0 - p
            if p > 0:
                failers.append(m)
        end = self.started_at
        if rec.state == "suspended" and rec.last_suspended_on is not None:
            end = min(end, rec.last_suspended_on)
        return History(
            seed=self.seed,
            root_id=rec.id,
            schedule=schedule,
            start=rec.created_on,
            end=end,
            fail_p=1.0 - fail_ok,
            failers=failers or members[-1:],
            seconds=critical_path(scope, members),
            condition=condition_kind(rec.props.get("condition")),
            version=scope.graph_version(root),
            committed=rec.last_committed_on,
        )

    @staticmethod
    def _schedule(rec: TaskRecord, anchor: datetime) -> Schedule | None:
        spec = rec.props.get("schedule")
        return Schedule(spec, anchor) if spec else None

    def _runtime(self, scope: Scope, root: str) -> Runtime:
        key = (scope.database, scope.schema, root)
        rt = self._runtimes.get(key)
        if rt is not None:
            return rt
        history = self._history(scope, root)
        rec = scope.tasks[root]
        t0 = self.started_at
        rt = Runtime(root, history, history.schedule, None)
        if rec.state == "started" and history.schedule is not None:
            last = history.schedule.prev_before(t0)
            if last is not None and last >= history.start:
                run = history.derive(last)
                if run.end > t0:  # a run that was going when the sandbox started keeps going
                    rt.current = run
                    history.end = last
            rt.next_slot = history.schedule.next_after(t0 - _TINY)
        self._runtimes[key] = rt
        return rt

    def _advance(self, scope: Scope, rt: Runtime, now: datetime) -> None:
        """Replay this root's events (run ends, queued executes, schedule slots) up to ``now``."""
        rec = scope.tasks[rt.root]
        steps = 0
        while True:
            steps += 1
            if steps > 50_000 and rt.schedule is not None and rt.next_slot is not None:
                # Untouched for ages: skip to the recent past instead of replaying every slot.
                rt.next_slot = rt.schedule.prev_before(now) or rt.next_slot
                steps = 0
            events = []
            if rt.current is not None:
                events.append((rt.current.end, 0))
            elif rt.queued:
                events.append((max(rt.queued[0][0], rt.last_end or rt.queued[0][0]), 1))
            if rec.state == "started" and rt.next_slot is not None:
                events.append((rt.next_slot, 2))
            if not events:
                return
            when, kind = min(events)
            if when > now:
                return
            if kind == 0:
                self._finish(scope, rt, rec)
            elif kind == 1:
                _, rerun = rt.queued.popleft()
                rt.current = self._plan(scope, rt, when, when, rerun)
            else:
                assert rt.schedule is not None and rt.next_slot is not None
                slot = rt.next_slot
                rt.next_slot = rt.schedule.next_after(slot)
                if rt.current is None and not rt.queued:  # NO_OVERLAP: a busy graph skips the slot
                    rt.current = self._plan(scope, rt, slot, slot, None)

    def _plan(self, scope: Scope, rt: Runtime, scheduled: datetime, start: datetime, rerun) -> Run:
        return plan_run(
            scope,
            rt.root,
            scope.members(rt.root),
            seed=self.seed,
            scheduled=scheduled,
            start=start,
            version=scope.graph_version(rt.root),
            next_scheduled=rt.next_slot or scheduled,
            rerun=rerun,
        )

    def _finish(self, scope: Scope, rt: Runtime, rec: TaskRecord) -> None:
        run = rt.current
        assert run is not None
        rt.current = None
        rt.last_end = run.end
        if rt.live and rt.live[-1].run_id >= run.run_id:
            run.run_id = rt.live[-1].run_id + 1  # run ids stay unique even for same-millisecond runs
        rt.live.append(run)
        rt.failures_in_a_row = rt.failures_in_a_row + 1 if run.state == FAILED else 0
        limit = rec.props.get("suspend_task_after_num_failures")
        if limit and rt.failures_in_a_row >= limit and rec.state == "started":
            rec.state, rec.last_suspended_on, rt.next_slot = "suspended", run.end, None

    # ---- actions ------------------------------------------------------------------------------
    def execute(self, database: str, schema: str, name: str, retry_last: bool = False) -> str:
        with self.lock:
            scope = self.scope(database, schema)
            rec = self._task(scope, name)
            if not scope.is_root(rec.name):
                root = scope.root_of(rec.name)
                kind = "a finalizer task" if rec.finalizes else "a child task"
                raise SandboxError(
                    400,
                    f"Cannot execute task {rec.fqn}: it is {kind} of the graph with root task "
                    f"{scope.task_fqn(root)}. Only a root or standalone task can be executed.",
                    errors.NOT_A_ROOT,
                )
            now = self.clock.now()
            rt = self._runtime(scope, rec.name)
            self._advance(scope, rt, now)
            rerun = None
            if retry_last:
                last = rt.last_completed()
                if last is None or last.state not in ERROR_STATES:
                    state = "no completed run" if last is None else f"a {last.state} last run"
                    raise SandboxError(
                        400,
                        f"Cannot retry graph {rec.fqn}: it has {state}; retryLast needs the last run to "
                        "be FAILED or CANCELLED.",
                        errors.RETRY_NOT_ALLOWED,
                    )
                if last.version != scope.graph_version(rec.name):
                    raise SandboxError(
                        400,
                        f"Cannot retry graph {rec.fqn}: the graph was modified since its last run.",
                        errors.RETRY_NOT_ALLOWED,
                    )
                rerun = set(last.failed)
                for task in last.failed:
                    if task in scope.tasks:
                        rerun |= scope.descendants(task)
            rt.queued.append((now, rerun))
            self._advance(scope, rt, now)
            return f"Task {rec.fqn} is scheduled to run."

    def record_failed_run(
        self,
        database: str,
        schema: str,
        name: str,
        *,
        task: str | None = None,
        code: int = 100038,
        message: str = "",
    ) -> int:
        """Test hook: a FAILED run of ``name``'s graph that ends now, whose first error is ``task`` (its
        root by default) with ``code`` and ``message`` verbatim (e.g. hostile text). Returns its run id."""
        with self.lock:
            scope, rt, now, root = self._advanced(database, schema, name)
            failed = self._task(scope, task).name if task else root
            run_id = max(run_id_for(now), rt.live[-1].run_id + 1 if rt.live else 0)
            error = (failed, code, message)
            run = Run(run_id, now, now, now, FAILED, scope.graph_version(root), rt.next_slot or now, error)
            run.failed = (failed,)
            rt.live.append(run)
            rt.last_end = now
            return run_id

    def resume(self, database: str, schema: str, name: str) -> str:
        return self._set_state(database, schema, name, "started")

    def suspend(self, database: str, schema: str, name: str) -> str:
        return self._set_state(database, schema, name, "suspended")

    def _set_state(self, database: str, schema: str, name: str, state: str) -> str:
        with self.lock:
            scope = self.scope(database, schema)
            rec = self._task(scope, name)
            now = self.clock.now()
            if not scope.is_root(rec.name):
                self._require_suspended(scope, scope.root_of(rec.name))
                rec.state = state
                if state == "suspended":
                    rec.last_suspended_on = now
                return f"Statement executed successfully. Task {rec.fqn} is {state}."
            rt = self._runtime(scope, rec.name)
            self._advance(scope, rt, now)
            if rec.state != state:
                rec.state = state
                if state == "suspended":
                    rec.last_suspended_on, rt.next_slot = now, None
                else:
                    # Resuming sets the interval's base time to now (cron keeps its own grid).
                    rt.schedule = self._schedule(rec, anchor=now)
                    rt.next_slot = rt.schedule.next_after(now) if rt.schedule else None
            return f"Statement executed successfully. Task {rec.fqn} is {state}."

    # ---- DDL ----------------------------------------------------------------------------------
    def _require_suspended(self, scope: Scope, root: str) -> None:
        if scope.tasks[root].state != "suspended":
            raise graph_not_suspended(scope.task_fqn(root))

    def _resolve(self, scope: Scope, raw: str, what: str) -> str:
        parts = split_qualified(raw)
        names = [parse_identifier(p) for p in parts]
        if len(parts) > 3 or any(n is None for n in names):
            raise bad_request(f"Invalid {what} name '{raw}'.")
        if len(names) == 3 and names[0] != scope.database:
            raise bad_request(f"The {what} '{raw}' must be in the same database and schema.")
        if len(names) >= 2 and names[-2] != scope.schema:
            raise bad_request(f"The {what} '{raw}' must be in the same database and schema.")
        key = names[-1]
        assert key is not None
        if key not in scope.tasks:
            raise SandboxError(
                400, f"Task '{scope.task_fqn(key)}' does not exist or not authorized.", errors.DOES_NOT_EXIST
            )
        return key

    def create_task(self, database: str, schema: str, body: Any, mode: str = "errorIfExists") -> str:
        with self.lock:
            scope = self.scope(database, schema)
            name, props, preds = validate_body(body)
            existing = scope.tasks.get(name)
            if existing is not None:
                if mode == "errorIfExists":
                    raise SandboxError(
                        409, f"Object '{scope.task_fqn(name)}' already exists.", errors.ALREADY_EXISTS
                    )
                if mode == "ifNotExists":
                    return f"{quote(name)} already exists, statement succeeded."
            self._upsert(scope, name, props, preds, replace=True)
            return f"Task {quote(name)} successfully created."

    def put_task(self, database: str, schema: str, name: str, body: Any) -> str:
        with self.lock:
            scope = self.scope(database, schema)
            key = parse_identifier(name)
            if key is None:
                raise bad_request(f"Invalid identifier '{name}'.")
            if isinstance(body, dict) and "name" not in body:
                body = {**body, "name": quote(key)}
            body_name, props, preds = validate_body(body)
            if body_name != key:
                raise bad_request(f"The name in the body ('{body['name']}') does not match the path.")
            existed = key in scope.tasks
            self._upsert(scope, key, props, preds, replace=False)
            verb = "altered" if existed else "created"
            return f"Task {quote(key)} successfully {verb}."

    def _upsert(self, scope: Scope, name: str, props: dict, raw_preds: list[str], replace: bool) -> None:
        now = self.clock.now()
        preds, finalizes = self._links(scope, name, props, raw_preds)
        existing = scope.tasks.get(name)
        below = scope.descendants(name) if existing else set()
        if any(p in below for p in preds):
            raise bad_request(f"Adding these predecessors to {scope.task_fqn(name)} would create a cycle.")
        if existing and finalizes and scope.children.get(name):
            raise bad_request("A task with dependents cannot be a finalizer.")
        roots = self._prepare_graphs(scope, name, preds, finalizes, below)
        if existing is not None:
            scope.remove(name)
        scope.add(self._record(scope, name, props, preds, finalizes, existing, replace, now))
        for root in sorted(roots | ({scope.root_of(name)} if existing else set())):
            scope.bump(root)
        if not scope.is_root(name):
            self._runtimes.pop((scope.database, scope.schema, name), None)
        self._refresh_relations(scope, scope.root_of(name))

    def _links(
        self, scope: Scope, name: str, props: dict, raw_preds: list[str]
    ) -> tuple[list[str], str | None]:
        """The task's predecessors and the root it finalizes, resolved and checked (``props`` updated)."""
        preds = list(dict.fromkeys(self._resolve(scope, p, "predecessor") for p in raw_preds))
        if len(preds) > MAX_PREDECESSORS:
            raise SandboxError(
                400, f"A task can have at most {MAX_PREDECESSORS} predecessors.", errors.LIMIT_EXCEEDED
            )
        if name in preds:
            raise bad_request("A task cannot be its own predecessor.")
        finalizes = None
        if props.get("finalize") is not None:
            finalizes = self._resolve(scope, props["finalize"], "finalized root task")
            if not scope.is_root(finalizes) or finalizes == name:
                raise bad_request(f"Task '{props['finalize']}' is not a root task.")
            other = scope.finalizer.get(finalizes)
            if other is not None and other != name:
                raise bad_request(f"Root task '{props['finalize']}' already has a finalizer task.")
            if preds or props.get("schedule"):
                raise bad_request("A finalizer task cannot have predecessors or a schedule.")
            props["finalize"] = quote(finalizes)
        if preds and props.get("schedule"):
            raise bad_request("A task with predecessors cannot have a schedule.")
        return preds, finalizes

    def _prepare_graphs(
        self, scope: Scope, name: str, preds: list[str], finalizes: str | None, below: set[str]
    ) -> set[str]:
        """The roots of every graph the change touches, checked suspended and small enough, history frozen."""
        # Standalone new tasks touch none.
        roots = {scope.root_of(p) for p in preds}
        if finalizes:
            roots.add(finalizes)
        if name in scope.tasks:
            roots.add(scope.root_of(name))
        for root in sorted(roots):
            self._require_suspended(scope, root)
        size = len({name} | below | {m for r in roots for m in scope.members(r)})
        if size > MAX_GRAPH_TASKS:
            raise SandboxError(
                400, f"A task graph can have at most {MAX_GRAPH_TASKS} tasks.", errors.LIMIT_EXCEEDED
            )
        for root in sorted(roots):
            self._runtime(scope, root)  # freeze its history before the graph changes
        return roots

    def _record(
        self,
        scope: Scope,
        name: str,
        props: dict,
        preds: list[str],
        finalizes: str | None,
        existing: TaskRecord | None,
        replace: bool,
        now: datetime,
    ) -> TaskRecord:
        """The stored task: an alter keeps its identity and state, a replace starts anew (owner kept)."""
        kept = existing if not replace else None
        return TaskRecord(
            name=name,
            database=scope.database,
            schema=scope.schema,
            props=props,
            predecessors=tuple(preds),
            id=kept.id if kept else str(digest(self.seed, scope.fqn, name, now) >> 68),
            created_on=kept.created_on if kept else now,
            last_committed_on=now,
            owner=existing.owner if existing else "SYSADMIN",
            state=kept.state if kept else "suspended",
            last_suspended_on=existing.last_suspended_on if existing else None,
            base_seconds=existing.base_seconds if existing else 5 + (digest(self.seed, name) % 40),
            fail_probability=existing.fail_probability if existing else 0.0,
            finalizes=finalizes,
        )

    def delete_task(self, database: str, schema: str, name: str, if_exists: bool = False) -> str:
        with self.lock:
            scope = self.scope(database, schema)
            key = parse_identifier(name)
            if key is None:
                raise bad_request(f"Invalid identifier '{name}'.")
            if key not in scope.tasks:
                if if_exists:
                    return f"Drop statement executed successfully ({quote(key)} already dropped)."
                raise not_found("Task", scope.task_fqn(key))
            root = scope.root_of(key)
            in_graph = len(scope.members(root)) > 1
            if in_graph:
                self._require_suspended(scope, root)
                self._runtime(scope, root)
            kids = list(scope.children.get(key, ()))
            scope.remove(key)
            scope.children.pop(key, None)
            for kid in kids:  # orphans drop the edge; a child left without parents becomes a root
                child = scope.tasks[kid]
                child.predecessors = tuple(p for p in child.predecessors if p != key)
            final = scope.finalizer.pop(key, None)
            if final is not None:
                scope.tasks[final].finalizes = None
                scope.tasks[final].props.pop("finalize", None)
            self._runtimes.pop((scope.database, scope.schema, key), None)
            if root != key:
                scope.bump(root)
                self._refresh_relations(scope, root)
            return f"{quote(key)} successfully dropped."

    def _refresh_relations(self, scope: Scope, root: str) -> None:
        """task_relations (a JSON string on the wire): a root names its finalizer and vice versa."""
        rec = scope.tasks.get(root)
        if rec is None:
            return
        final = scope.finalizer.get(root)
        rec.relations = {"Predecessors": [], "FinalizerTask": scope.task_fqn(final)} if final else {}
        if final:
            scope.tasks[final].relations = {"Predecessors": [], "FinalizedRootTask": scope.task_fqn(root)}
