"""The Qlik face of the simulated world: the same graphs as Qlik tasks, task chains and OrchRuns.

Mapping (one Snowflake-dialect task = one Qlik task that reloads one app):

* A root with a schedule starts on ``start.schedule`` (MINUTES -> an RRULE, CRON -> ``cron``). A task with
  predecessors declares one event per predecessor, ``correlation`` = [upstream task id, status
  ``succeeded``], and one ``EVENT`` state with ``exclusive: false`` (all of them must arrive: Snowflake's
  AND). A finalizer listens to every leaf of its graph with no status correlation (any outcome) and
  reloads its root's app, so a resource can have more than one task. The casing of the status value is
  unverified (NOTES 3): the sandbox sends lowercase, as Qlik's task lifecycle events are.
* ``enabled`` is the task's started/suspended state; ``metadata.disabledCode`` says why it is off
  (MANUALLY, CONSECUTIVE-FAILURES after the auto-suspend, OWNER-DISABLED / APP-SCRIPT-UPDATED for a few
  generated ones). Only codes of the v1 types are served (SCHEDULE-EXPIRED is scheduling-API only).
* A graph run becomes one OrchRun per task that ran in it: the graph's time span shared out along the
  graph by each task's typical duration; CANCELLED (a timeout) is FAILED (Qlik has no cancelled); the
  downstream of a failed task has no run; a SKIPPED graph (its condition false) reloads only the root.
* Qlik chains can also fire on failure and on any one of several events (``exclusive: true``), which
  Snowflake graphs cannot express. So each graph with a task that can fail gets one Qlik-only *watcher*
  task, ``<ROOT>_ON_FAILURE``: one event per such task with status ``failed``, ``exclusive: true``; it
  reloads the graph's incident app once, 5 s after the first failure of a graph run.
* Run ids are UUID-shaped and carry the graph run id in their last 12 hex digits, so any run (even one
  derived from the hash history) can be found again without being stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.sandbox.rand import digest, unit
from tui.sandbox.runs import CANCELLED, ERRORS, FAILED, SKIPPED, TIMEOUT, Run
from tui.sandbox.world import Scope

SPEC_VERSION = "0.8"
TENANT_ID = "sandboxtenant0000000000000000000"
EVENT_TYPE = "com.qlik.v1.task.run.finished"
EVENT_SOURCE = "system-events.task"
STATUS_FIRES = "succeeded"
STATUS_FAILED = "failed"
WORKER_TYPE = "reloads"
MANUAL = "manual"
SCHEDULED = "schedule"  # what a time-triggered run says it was triggeredBy (unverified wording)
RUNNING, Q_SUCCEEDED, Q_FAILED = "RUNNING", "SUCCEEDED", "FAILED"
# Reload errors as Qlik's script log words them, in place of the simulation's SQL errors (same index).
RELOAD_ERRORS = [
    "Field 'OrderAmount' not found",
    "Cannot open file: 'lib://DataFiles/orders_stage.qvd' (Connector error: File not found)",
    "Invalid date: '2025-02-30'",
    "Division by zero in expression 'Revenue / Units'",
    "Timestamp 'N/A' could not be interpreted",
    "Unexpected NULL in key field 'CustomerID'",
    "Table 'Customers_Dedup' not found",
    "Synthetic key limit exceeded: duplicate key values in 'OrderID'",
    "Connector reply error: ErrorSource: Microsoft OLE DB Provider, ErrorMsg: Login timeout expired",
]
TIMEOUT_ERROR = "The reload was aborted: it exceeded the maximum reload duration"


def qiso(when: datetime) -> str:
    """Qlik's timestamps: UTC, milliseconds, ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def uid(*parts: object) -> str:
    return str(uuid.UUID(int=digest(*parts)))


def hex24(*parts: object) -> str:
    return f"{digest(*parts) >> 32:024x}"


def run_uuid(task_id: str, graph_run_id: int) -> str:
    """A run id that carries its graph run id (see the module docstring)."""
    head = digest("qlik-run", task_id, graph_run_id) >> 48
    return str(uuid.UUID(int=(head << 48) | (graph_run_id & 0xFFFFFFFFFFFF)))


def graph_run_of(run_id: str, task_id: str) -> int | None:
    """The graph run id inside ``run_id``, or None if it is not one of ``task_id``'s run ids."""
    try:
        value = uuid.UUID(run_id).int
    except ValueError:
        return None
    graph = value & 0xFFFFFFFFFFFF
    return graph if run_uuid(task_id, graph) == run_id else None


@dataclass
class TaskRef:
    """Where a Qlik task id points in the world."""

    scope: Scope
    name: str


WATCHER_SECONDS = 5.0


@dataclass
class Watcher:
    """A Qlik-only task fired by the failure of any one of ``watched`` (tasks of ``root``'s graph)."""

    tid: str
    scope: Scope
    root: str
    name: str
    watched: tuple[str, ...]
    off: list[tuple[datetime, datetime | None]] = field(default_factory=list)  # disabled periods

    @property
    def enabled(self) -> bool:
        return not self.off or self.off[-1][1] is not None

    def set_enabled(self, enabled: bool, now: datetime) -> None:
        if enabled and not self.enabled:
            self.off[-1] = (self.off[-1][0], now)
        elif not enabled and self.enabled:
            self.off.append((now, None))

    def was_enabled(self, when: datetime) -> bool:
        return not any(a <= when and (b is None or when < b) for a, b in self.off)


@dataclass
class QlikState:
    """What the Qlik face adds to the world: ids, owners, why tasks are off, PUT-made changes."""

    seed: int
    caller: str  # the user the API key belongs to
    refs: dict[str, TaskRef] = field(default_factory=dict)  # task id -> its world task
    ids: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (db, schema, name) -> task id
    owners: dict[str, str] = field(default_factory=dict)
    disabled: dict[str, str] = field(default_factory=dict)  # task id -> disabledCode set by a PUT
    updated: dict[str, datetime] = field(default_factory=dict)
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)  # name, description, annotations
    sources: dict[tuple[str, int], str] = field(default_factory=dict)  # (root id, graph run id) -> source
    watchers: dict[str, Watcher] = field(default_factory=dict)  # task id -> watcher
    watcher_names: dict[tuple[str, str, str], Watcher] = field(default_factory=dict)

    def index(self, scopes: list[Scope]) -> None:
        for scope in scopes:
            for name in list(scope.tasks):
                key = (scope.database, scope.schema, name)
                if key not in self.ids:
                    tid = uid(self.seed, "qlik-task", *key)
                    self.ids[key] = tid
                    self.refs[tid] = TaskRef(scope, name)
                    self._watch(scope, name)

    def _watch(self, scope: Scope, root: str) -> None:
        if not scope.is_root(root) or root in scope.finalizer.values():
            return
        members = scope.members(root)
        failing = tuple(m for m in members if scope.tasks[m].fail_probability > 0)
        name = f"{root}_ON_FAILURE"
        if len(members) < 2 or not failing or name in scope.tasks:
            return
        key = (scope.database, scope.schema, name)
        watcher = Watcher(uid(self.seed, "qlik-watcher", *key), scope, root, name, failing)
        self.watchers[watcher.tid] = self.watcher_names[key] = watcher
        self.ids[key] = watcher.tid
        self.refs[watcher.tid] = TaskRef(scope, name)

    def watcher(self, scope: Scope, name: str) -> Watcher | None:
        return self.watcher_names.get((scope.database, scope.schema, name))

    def root_name(self, scope: Scope, name: str) -> str:
        """The world task whose graph runs carry ``name``'s runs (a watcher's root)."""
        watcher = self.watcher(scope, name)
        return watcher.root if watcher is not None else name

    def task_id(self, scope: Scope, name: str) -> str:
        return self.ids[(scope.database, scope.schema, name)]

    def owner(self, tid: str, scope: Scope, name: str) -> str:
        root = scope.root_of(name)
        return self.owners.get(tid) or hex24(self.seed, "owner", scope.database, root)

    def resource_id(self, scope: Scope, name: str) -> str:
        watcher = self.watcher(scope, name)
        if watcher is not None:
            return uid(self.seed, "incident-app", scope.database, scope.schema, watcher.root)
        rec = scope.tasks[name]
        app_of = rec.finalizes or name  # a finalizer reloads its root's app
        return uid(self.seed, "app", scope.database, scope.schema, app_of)

    def space_id(self, scope: Scope) -> str:
        return hex24(self.seed, "space", scope.database, scope.schema)


def disabled_code(state: QlikState, tid: str, scope: Scope, name: str, auto_suspended: bool) -> str | None:
    rec = scope.tasks[name]
    if rec.state != "suspended":
        return None
    if tid in state.disabled:
        return state.disabled[tid]
    if auto_suspended:
        return "CONSECUTIVE-FAILURES"
    u = unit(state.seed, "disabled", tid)
    return "OWNER-DISABLED" if u < 0.1 else "APP-SCRIPT-UPDATED" if u < 0.2 else "MANUALLY"


def upstream(scope: Scope, name: str, watcher: Watcher | None = None) -> list[tuple[str, str | None]]:
    """The tasks whose end fires ``name``, each with the status that fires it (None: any)."""
    if watcher is not None:
        return [(w, STATUS_FAILED) for w in watcher.watched]
    rec = scope.tasks[name]
    if rec.finalizes is not None:
        members = scope.members(rec.finalizes)
        leaves = [m for m in members if m != name and not scope.children.get(m)]
        return [(leaf, None) for leaf in leaves]
    return [(p, STATUS_FIRES) for p in rec.predecessors]


def schedule_json(rec_schedule: dict[str, Any], created: datetime) -> dict[str, Any]:
    if rec_schedule["schedule_type"] == "MINUTES_TYPE":
        return {
            "recurrence": f"RRULE:FREQ=MINUTELY;INTERVAL={rec_schedule['minutes']}",
            "startDateTime": qiso(created),
            "timezone": "UTC",
        }
    return {
        "cron": rec_schedule["cron_expr"],
        "startDateTime": qiso(created),
        "timezone": rec_schedule["timezone"],
    }


def chain_json(state: QlikState, scope: Scope, name: str) -> tuple[list[dict], list[dict]]:
    """``events`` and ``states`` of a task: what fires it and the reload it then does."""
    events = []
    watcher = state.watcher(scope, name)
    for i, (up, status) in enumerate(upstream(scope, name, watcher)):
        correlation = [{"contextAttributeName": "id", "contextAttributeValue": state.task_id(scope, up)}]
        if status is not None:
            correlation.append({"contextAttributeName": "status", "contextAttributeValue": status})
        events.append(
            {"name": f"e{i + 1}", "type": EVENT_TYPE, "source": EVENT_SOURCE, "correlation": correlation}
        )
    action = {
        "name": "app.reload",
        "functionRef": {
            "refName": "app.reload",
            "arguments": {"appId": state.resource_id(scope, name), "partial": False},
        },
    }
    on_events = {"eventRefs": [e["name"] for e in events], "actionMode": "SEQUENTIAL", "actions": [action]}
    # exclusive: a watcher fires on any one failure (OR); a chained task waits for all (AND).
    exclusive = watcher is not None
    states = [
        {"type": "EVENT", "name": "reload", "end": True, "exclusive": exclusive, "onEvents": [on_events]}
    ]
    return events, states


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------


@dataclass
class TaskRun:
    """One task's part of a graph run, as of ``now``."""

    name: str
    start: datetime
    end: datetime
    status: str  # RUNNING, SUCCEEDED, FAILED
    error: str | None = None
    triggered_by: str = MANUAL


def _shares(scope: Scope, members: list[str], final: str | None) -> dict[str, tuple[float, float]]:
    """Each member's (start, end) as fractions of the graph run, from typical durations."""
    finish: dict[str, float] = {}
    begin: dict[str, float] = {}
    for name in members:
        if name == final:
            continue
        rec = scope.tasks[name]
        begin[name] = max((finish.get(p, 0.0) for p in rec.predecessors), default=0.0)
        finish[name] = begin[name] + rec.base_seconds
    total = max(finish.values(), default=0.0)
    if final is not None:
        begin[final], finish[final] = total, total + scope.tasks[final].base_seconds
        total = finish[final]
    total = total or 1.0
    return {n: (begin[n] / total, finish[n] / total) for n in begin}


def _outcomes(scope: Scope, root: str, members: list[str], run: Run) -> dict[str, str | None]:
    """Which members ran in ``run`` and how (None: did not run)."""
    final = scope.finalizer.get(root)
    failed = set(run.failed) if run.state in (FAILED, CANCELLED) else set()
    out: dict[str, str | None] = {}
    for name in members:
        rec = scope.tasks[name]
        # A disabled task misses the runs since it was disabled, not the ones before.
        off = rec.state == "suspended" and (
            rec.last_suspended_on is None or run.start >= rec.last_suspended_on
        )
        if name == final:
            out[name] = None if off else Q_SUCCEEDED
        elif (name != root and (off or run.state == SKIPPED)) or any(
            out.get(p) != Q_SUCCEEDED for p in rec.predecessors if p in out
        ):
            out[name] = None  # disabled, or its upstream did not succeed
        else:
            out[name] = Q_FAILED if name in failed else Q_SUCCEEDED
    return out


def task_runs(
    scope: Scope,
    root: str,
    run: Run,
    now: datetime,
    manual: bool,
    watchers: list[Watcher] = (),  # type: ignore[assignment]
) -> list[TaskRun]:
    """The OrchRuns of one graph run that had started by ``now``, in start order (watchers' last)."""
    if now < run.start:
        return []
    members = scope.members(root)
    final = scope.finalizer.get(root)
    span = run.end - run.start
    shares = _shares(scope, members, final)
    outcome = _outcomes(scope, root, members, run)
    out = []
    for name in members:
        status = outcome.get(name)
        if status is None or name not in shares:
            continue
        a, b = shares[name]
        start, end = run.start + span * a, run.start + span * b
        if start > now:
            continue
        error = None
        if status == Q_FAILED:
            error = _error_text(run, name)
        prev = [p for p in upstream(scope, name) if outcome.get(p[0])]
        by = max(prev, key=lambda p: shares[p[0]][1])[0] if prev else (MANUAL if manual else SCHEDULED)
        out.append(TaskRun(name, start, end, status if end <= now else RUNNING, error, by))
    for watcher in watchers:
        failed = [tr for tr in out if tr.name in watcher.watched and tr.status == Q_FAILED]
        if failed and watcher.was_enabled(min(tr.end for tr in failed)):
            first = min(failed, key=lambda tr: tr.end)  # exclusive: the first failure fires it
            end = first.end + timedelta(seconds=WATCHER_SECONDS)
            status = Q_SUCCEEDED if end <= now else RUNNING
            out.append(TaskRun(watcher.name, first.end, end, status, None, first.name))
    return out


def _error_text(run: Run, name: str) -> str:
    if run.error is None or run.error[0] != name:
        return TIMEOUT_ERROR if run.state == CANCELLED else "The reload failed"
    _, code, message = run.error
    known = [c for c, _ in ERRORS]
    if (code, message) == TIMEOUT:
        return TIMEOUT_ERROR
    if code in known and message == ERRORS[known.index(code)][1]:
        return RELOAD_ERRORS[known.index(code)]
    return message  # a test hook's own text, verbatim (it may be hostile)


def log_text(app_id: str, task_name: str, tr: TaskRun, now: datetime) -> str:
    """A reload log as Qlik's script log writes it; a running reload's log stops at ``now``."""
    t = tr.start
    lines = [
        (t, "Execution started."),
        (t, "Qlik Cloud sandbox reload engine"),
        (t, f"App: {app_id} (task {task_name})"),
        (t + (tr.end - t) * 0.1, "Connecting to lib://DataFiles"),
        (t + (tr.end - t) * 0.5, f"Lines fetched: {int(digest(app_id, tr.start) % 900_000) + 1000:,}"),
    ]
    if tr.status == Q_FAILED:
        lines += [
            (tr.end, f"Error: {tr.error}"),
            (tr.end, "Execution Failed"),
            (tr.end, "Execution finished."),
        ]
    else:
        lines += [(tr.end, "Creating search index"), (tr.end, "App saved"), (tr.end, "Execution finished.")]
    shown = [
        f"{when.astimezone(UTC):%Y%m%dT%H%M%S.%f}"[:-3] + f"+0000 {text}"
        for when, text in lines
        if when <= now
    ]
    return "\n".join(shown) + "\n"


def orch_run(
    state: QlikState, scope: Scope, tr: TaskRun, graph_run_id: int, task_json: dict[str, Any]
) -> dict[str, Any]:
    tid = state.task_id(scope, tr.name)
    out: dict[str, Any] = {
        "id": run_uuid(tid, graph_run_id),
        "taskId": tid,
        "taskName": task_json["name"],
        "status": tr.status,
        "startedAt": qiso(tr.start),
        "actionId": uid(state.seed, "action", tid),
        "resourceId": task_json["resourceId"],
        "triggeredBy": tr.triggered_by,
        "executedAs": task_json["metadata"]["ownerId"],
        "workerId": hex24(state.seed, "reload", tid, graph_run_id),
        "workerType": WORKER_TYPE,
        "taskMeta": task_json["metadata"],
    }
    if tr.status != RUNNING:
        out["endedAt"] = qiso(tr.end)
    if tr.status == Q_FAILED and tr.error:
        out["log"] = tr.error
    return out


def is_slot(schedule: Any, when: datetime) -> bool:
    """Whether a graph run was scheduled on its root's schedule (else it was started by hand)."""
    return schedule is not None and schedule.prev_before(when + timedelta(microseconds=1)) == when
