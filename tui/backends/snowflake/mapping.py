"""Snowflake wire models -> domain objects. Pure functions: no I/O, fuzzable.

Anything the server sends that does not fit becomes a ProtocolError, never another exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from tui import domain
from tui.backends.snowflake import models
from tui.backends.snowflake.client import parse_runs, parse_tasks_draining
from tui.backends.snowflake.identifiers import raw_name, resolve_lenient, scope_of, task_key
from tui.errors import ProtocolError

_RUN_STATES = {
    "SCHEDULED": domain.RunState.SCHEDULED,
    "EXECUTING": domain.RunState.EXECUTING,
    "SUCCEEDED": domain.RunState.SUCCEEDED,
    "FAILED": domain.RunState.FAILED,
    "CANCELLED": domain.RunState.CANCELLED,
    "CANCELED": domain.RunState.CANCELLED,  # the EXECUTE TASK docs spell it this way
    "SKIPPED": domain.RunState.SKIPPED,
}
_TASK_STATES = {"started": domain.TaskState.STARTED, "suspended": domain.TaskState.SUSPENDED}


def run_state(raw: str) -> domain.RunState:
    return _RUN_STATES.get(raw.strip().upper(), domain.RunState.UNKNOWN)


def task_state(raw: str | None) -> domain.TaskState:
    return _TASK_STATES.get((raw or "").strip().lower(), domain.TaskState.UNKNOWN)


def schedule(wire: Any) -> domain.Schedule:
    if isinstance(wire, models.MinutesSchedule):
        return domain.Schedule(kind="minutes", minutes=wire.minutes)
    if isinstance(wire, models.CronSchedule):
        return domain.Schedule(kind="cron", cron=wire.cron_expr, timezone=wire.timezone)
    if isinstance(wire, models.OtherSchedule):
        extra = " ".join(f"{k}={v}" for k, v in (wire.model_extra or {}).items())
        text = " ".join(x for x in (wire.schedule_type or "", extra) if x)
        return domain.Schedule(kind="text", text=text or "unknown schedule")
    return domain.Schedule()


def wire_scope(task: models.Task, database: str, schema: str) -> tuple[str, str]:
    """The raw database and schema of a wire task, defaulting to the scope it was listed in."""
    db = raw_name(task.database_name) if task.database_name else database
    return db, raw_name(task.schema_name) if task.schema_name else schema


def wire_key(task: models.Task, database: str, schema: str) -> str:
    return task_key(*wire_scope(task, database, schema), raw_name(task.name))


class _KeyIndex:
    """Normalises names (bare, qualified, quoted) to task keys, matching listed tasks case-insensitively
    when the exact spelling is not among them (unquoted identifiers are case-insensitive)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = set(keys)
        self.folded = {key.upper(): key for key in self.keys}

    def key(self, text: str, database: str, schema: str) -> str:
        key = task_key(*resolve_lenient(text, database, schema))
        if key in self.keys:
            return key
        return self.folded.get(key.upper(), key)


def compute_roots(predecessors: dict[str, tuple[str, ...]], finalizes: dict[str, str]) -> dict[str, str]:
    """The root of each task: follow finalizer links and first predecessors upwards.

    A chain leaving the known tasks ends at the last key it reached (the root as far as we know).
    Cycles (impossible in Snowflake, possible in a bad payload) stop the walk.
    """
    roots: dict[str, str] = {}
    for start in predecessors:
        current, seen = start, {start}
        while True:
            if current in roots:
                current = roots[current]
                break
            nxt = finalizes.get(current)
            if nxt is None:
                preds = predecessors.get(current)
                nxt = preds[0] if preds else None
            if nxt is None or nxt in seen:
                break
            seen.add(nxt)
            current = nxt
        roots[start] = current
    return roots


def tasks_to_domain(
    wire: list[models.Task], database: str, schema: str, *, root: str | None = None, drain: bool = False
) -> list[domain.Task]:
    """Map a list of wire tasks (one listing, or one graph when ``root`` is given). With ``drain`` the
    list is used up: each wire model is let go once mapped."""
    keyed: list[Any] = [(wire_key(t, database, schema), t) for t in wire]
    if drain:
        wire.clear()
    index = _KeyIndex(key for key, _ in keyed)
    # A schema of 50,000 tasks repeats a few scopes, states, warehouses, owners, schedules and root keys:
    # each is kept once (a key a task is named by elsewhere is the task's own key object).
    same: dict[object, Any] = {key: key for key, _ in keyed}
    preds: dict[str, tuple[str, ...]] = {}
    finals: dict[str, str] = {}
    for key, task in keyed:
        db, sc = wire_scope(task, database, schema)
        named = dict.fromkeys(index.key(p, db, sc) for p in task.predecessors if p)
        preds[key] = tuple(same.setdefault(p, p) for p in named)
        if task.finalize:
            finals[key] = same.setdefault(index.key(task.finalize, db, sc), index.key(task.finalize, db, sc))
    roots = compute_roots(preds, finals) if root is None else dict.fromkeys(preds, root)
    out = []
    for n, (key, task) in enumerate(keyed):
        out.append(_task(task, key, database, schema, roots[key], preds[key], finals.get(key), same))
        if drain:
            keyed[n] = None
    return out


def _task(
    task: models.Task,
    key: str,
    database: str,
    schema: str,
    root: str,
    predecessors: tuple[str, ...],
    finalizer_of: str | None,
    same: dict[object, Any] | None = None,
) -> domain.Task:
    """One domain task. ``same``: values already made for other tasks of the listing, reused."""
    same = {} if same is None else same
    extra: dict[str, Any] = dict(task.model_extra or {})
    for name in ("id", "owner_role_type", "overlap_policy", "allow_overlapping_execution", "task_relations"):
        value = getattr(task, name)
        if value is not None:
            extra[name] = same.setdefault(value, value) if name == "owner_role_type" else value
    plan = schedule(task.schedule)
    fields: dict[str, Any] = {
        "key": key,
        "name": raw_name(task.name),
        "scope": scope_of(*wire_scope(task, database, schema)),
        "root": root,
        "predecessors": predecessors,
        "state": task_state(task.state),
        "raw_state": task.state or "",
        "schedule": same.setdefault(("schedule", plan), plan),
        "warehouse": task.warehouse,
        "owner": task.owner,
        "comment": task.comment,
        "definition": task.definition,
        "condition": task.condition,
        "config": task.config,
        "error_integration": task.error_integration,
        "timeout_ms": task.user_task_timeout_ms,
        "suspend_after_failures": task.suspend_task_after_num_failures,
        "auto_retry_attempts": task.task_auto_retry_attempts,
        "created_on": task.created_on,
        "last_committed_on": task.last_committed_on,
        "last_suspended_on": task.last_suspended_on,
        "finalizer_of": finalizer_of,
        "extra": extra,
    }
    for name in ("scope", "root", "raw_state", "warehouse", "owner"):
        value = fields[name]
        if value is not None:
            fields[name] = same.setdefault(value, value)
    try:
        made = domain.Task(**{name: value for name, value in fields.items() if value is not None})
    except ValidationError as exc:
        raise ProtocolError(f"task {task.name[:100]!r} does not fit the domain model: {exc.title}") from None
    # Pydantic keeps a set of the field names given, per instance (728 bytes here, a third of a task's
    # own size). Tasks given the same fields share one: a frozen model never adds to it, and a copy
    # gets its own.
    given = made.__pydantic_fields_set__
    object.__setattr__(made, "__pydantic_fields_set__", same.setdefault(("fields", frozenset(given)), given))
    return made


def run_to_domain(run: models.TaskRun, graph: str) -> domain.GraphRun:
    extra = dict(run.model_extra or {})
    for name in ("root_task_id", "root_task_name", "database_name", "schema_name"):
        value = getattr(run, name)
        if value is not None:
            extra[name] = value
    try:
        return domain.GraphRun(
            graph=graph,
            run_id=run.run_id,
            state=run_state(run.state),
            raw_state=run.state,
            scheduled_time=run.scheduled_time,
            started_time=run.query_start_time,
            completed_time=run.completed_time,
            next_scheduled_time=run.next_scheduled_time,
            graph_version=run.graph_version,
            first_error_task=raw_name(run.first_error_task_name) if run.first_error_task_name else None,
            first_error_code=run.first_error_code,
            first_error_message=run.first_error_message,
            extra=extra,
        )
    except ValidationError as exc:
        raise ProtocolError(
            f"graph run {run.run_id[:50]!r} does not fit the domain model: {exc.title}"
        ) from None


def parse_task_list(
    payload: Any, database: str, schema: str, *, root: str | None = None
) -> list[domain.Task]:
    """JSON list of tasks -> domain tasks, or ProtocolError. ``payload`` is used up: each JSON object
    and wire model is let go once mapped (a listing of 50,000 tasks never holds all three forms)."""
    return tasks_to_domain(parse_tasks_draining(payload), database, schema, root=root, drain=True)


def parse_run_list(payload: Any, graph: str) -> list[domain.GraphRun]:
    """JSON list of graph runs -> domain graph runs, or ProtocolError."""
    return [run_to_domain(run, graph) for run in parse_runs(payload)]
