"""Qlik wire payloads -> domain objects. Pure functions: no I/O.

Keys: a task is keyed by its Qlik id. A chain is the set of tasks linked by events (each downstream task
names its upstream task's id in ``events[].correlation``); its root is the task nothing triggers (the one
started on a schedule or by hand). Anything the server sends that does not fit becomes a ProtocolError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from tui import domain
from tui.backends.qlik import models
from tui.errors import ProtocolError

M = TypeVar("M", bound=BaseModel)

# How the status a correlation names reads on an edge (casing unverified: NOTES 3).
_FIRES_ON = {
    "succeeded": "on success",
    "success": "on success",
    "failed": "on failure",
    "failure": "on failure",
}
ANY_OUTCOME = "on any outcome"
_RUN_STATES = {
    "RUNNING": domain.RunState.EXECUTING,
    "SUCCEEDED": domain.RunState.SUCCEEDED,
    "FAILED": domain.RunState.FAILED,
}

# ----------------------------------------------------------------------------------------- parsing


def _problem(what: str, exc: ValidationError) -> ProtocolError:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return ProtocolError(f"unexpected {what} from server: {where or 'body'}: {first.get('msg', exc.title)}")


def parse(model: type[M], payload: Any, what: str) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise _problem(what, exc) from None


_LISTS: dict[type[BaseModel], TypeAdapter[Any]] = {}


def parse_list(model: type[M], payload: Any, what: str) -> list[M]:
    adapter = _LISTS.setdefault(model, TypeAdapter(list[model]))  # type: ignore[valid-type]
    try:
        return adapter.validate_python(payload)
    except ValidationError as exc:
        raise _problem(what, exc) from None


# ----------------------------------------------------------------------------------------- chains


def upstream(task: models.Task) -> list[tuple[str, str | None]]:
    """The tasks whose end fires ``task``, each with the status that fires it (None: any outcome)."""
    out = []
    for event in task.events:
        by = {c.name: c.value for c in event.correlation}
        if isinstance(by.get("id"), str) and by["id"]:
            status = by.get("status")
            out.append((by["id"], str(status) if status not in (None, "") else None))
    return out


def exclusive(task: models.Task) -> bool:
    """Whether any one of its events fires it (``exclusive: true``) rather than all of them."""
    return any(state.exclusive for state in task.states)


def edge_words(status: str | None) -> str:
    if status is None:
        return ANY_OUTCOME
    return _FIRES_ON.get(status.lower(), f"on {status}")


def chain_roots(tasks: Iterable[models.Task]) -> dict[str, str]:
    """Each task id -> the root of its chain: the connected tasks' one that nothing triggers (several:
    the scheduled one first, then by name and id, so every read of the same chain picks the same)."""
    wire = {t.id: t for t in tasks}
    links: dict[str, set[str]] = {key: set() for key in wire}
    for task in wire.values():
        for parent, _ in upstream(task):
            if parent in wire:
                links[task.id].add(parent)
                links[parent].add(task.id)
    roots: dict[str, str] = {}
    for start in wire:
        if start in roots:
            continue
        component, stack = {start}, [start]
        while stack:
            for other in links[stack.pop()] - component:
                component.add(other)
                stack.append(other)
        sources = [k for k in component if not any(p in wire for p, _ in upstream(wire[k]))] or list(
            component
        )
        root = min(sources, key=lambda k: (wire[k].start is None, wire[k].name, k))
        roots.update(dict.fromkeys(component, root))
    return roots


_OUTCOME = {"on success": "succeeded", "on failure": "failed", ANY_OUTCOME: "ended"}


def condition(task: models.Task, names: dict[str, str]) -> str | None:
    """When the task runs, in words: ``on failure of A``; ``all of: A succeeded, B succeeded``; ``any one
    of: A failed, B failed`` (``exclusive``)."""
    ups = upstream(task)
    if len(ups) == 1:
        parent, status = ups[0]
        return f"{edge_words(status)} of {names.get(parent, parent)}"
    said = []
    for parent, status in ups:
        words = edge_words(status)
        said.append(f"{names.get(parent, parent)} {_OUTCOME.get(words, words)}")
    return f"{'any one' if exclusive(task) else 'all'} of: {', '.join(said)}" if said else None


def schedule(task: models.Task) -> domain.Schedule:
    raw = task.start.schedule if task.start is not None else None
    if isinstance(raw, str) and raw:
        return domain.Schedule(kind="text", text=raw)
    if not isinstance(raw, dict):
        return domain.Schedule()
    tz = raw.get("timezone") if isinstance(raw.get("timezone"), str) else None
    if isinstance(raw.get("cron"), str) and raw["cron"]:
        return domain.Schedule(kind="cron", cron=raw["cron"], timezone=tz)
    recurrence = raw.get("recurrence")
    if isinstance(recurrence, list):
        recurrence = ";".join(str(r) for r in recurrence)
    if isinstance(recurrence, str) and recurrence:
        minutes = _rrule_minutes(recurrence)
        if minutes is not None:
            return domain.Schedule(kind="minutes", minutes=minutes)
        return domain.Schedule(kind="text", text=recurrence.removeprefix("RRULE:"))
    return domain.Schedule()


_FREQ = {"MINUTELY": 1, "HOURLY": 60, "DAILY": 1440}


def _rrule_minutes(rule: str) -> int | None:
    parts = dict(p.split("=", 1) for p in rule.removeprefix("RRULE:").split(";") if "=" in p)
    if set(parts) - {"FREQ", "INTERVAL"} or parts.get("FREQ") not in _FREQ:
        return None
    interval = parts.get("INTERVAL", "1")
    return _FREQ[parts["FREQ"]] * int(interval) if re.fullmatch(r"[1-9]\d{0,5}", interval) else None


def _definition(task: models.Task) -> str | None:
    """What the task does: its state's actions (``app.reload`` of an app), one per line."""
    lines = []
    for state in task.states:
        for on in state.on_events:
            for action in on.actions:
                ref = action.get("functionRef") if isinstance(action, dict) else None
                if isinstance(ref, dict):
                    args = ref.get("arguments")
                    app = args.get("appId") if isinstance(args, dict) else None
                    lines.append(f"{ref.get('refName', '?')}" + (f" app {app}" if app else ""))
    return "\n".join(lines) or None


def to_task(task: models.Task, root: str, names: dict[str, str]) -> domain.Task:
    enabled = task.enabled
    state = (
        domain.TaskState.UNKNOWN
        if enabled is None
        else (domain.TaskState.STARTED if enabled else domain.TaskState.SUSPENDED)
    )
    meta = task.metadata
    return domain.Task(
        key=task.id,
        name=task.name,
        root=root,
        predecessors=tuple(dict.fromkeys(p for p, _ in upstream(task))),
        state=state,
        raw_state="enabled" if enabled else "disabled",
        state_reason=meta.disabled_code if not enabled else None,
        schedule=schedule(task),
        owner=meta.owner_id,
        comment=task.description or None,
        definition=_definition(task),
        condition=condition(task, names),
        edge_conditions={p: edge_words(s) for p, s in upstream(task)},
        created_on=meta.created_at,
        last_committed_on=meta.updated_at,
        extra={
            k: v
            for k, v in (("resourceId", task.resource_id), ("exclusive", exclusive(task) or None))
            if v is not None
        },
    )


def to_tasks(wire: list[models.Task]) -> list[domain.Task]:
    roots = chain_roots(wire)
    names = {t.id: t.name for t in wire}
    return [to_task(t, roots[t.id], names) for t in wire]


# ----------------------------------------------------------------------------------------- runs


def run_state(raw: str | None) -> domain.RunState:
    return _RUN_STATES.get((raw or "").strip().upper(), domain.RunState.UNKNOWN)


def to_task_run(run: models.OrchRun, graph_run: str) -> domain.TaskRun:
    return domain.TaskRun(
        task=run.task_id,
        graph_run=graph_run,
        state=run_state(run.status),
        raw_state=run.status,
        try_number=1,
        started_time=run.started_at,
        completed_time=run.ended_at,
    )


def parse_log(content_type: str, body: Any, text: str) -> list[str]:
    """A run's log lines from ``{logContent}`` (JSON) or from a text/plain body."""
    if "json" in content_type.lower():
        content = body.get("logContent") if isinstance(body, dict) else None
        if content is None:
            return []
        if not isinstance(content, str):
            raise ProtocolError("unexpected log from server: logContent is not a string")
        text = content
    return text.splitlines()
