"""Plain-text and JSON rendering for ``dagtop get``: aligned tables and a stable JSON shape.

Every string from a server goes through ``one_line`` (``safe_text``, line breaks as ⏎) before it
reaches a table; JSON output escapes whatever ``json.dumps`` leaves raw (C1 controls, DEL, bidi marks,
lone surrogates). No Textual here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tui import task_fields
from tui.domain import FileImportError, GraphRun, RunState, Task, TaskState
from tui.text_safety import cell_width, one_line, truncate

# A cell is its text, or (text, SGR colour code) when it may be coloured on a terminal.
Cell = str | tuple[str, str]

_RED, _GREEN, _YELLOW, _CYAN, _DIM = "31", "32", "33", "36", "2"
_GAP = "  "
_MIN_WIDTH = 6


def use_color(stream: Any, env: Mapping[str, str]) -> bool:
    """Colour only on a terminal, never with ``NO_COLOR`` set (no-color.org) or ``TERM=dumb``."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    max_widths: Sequence[int | None] | None = None,
    width: int | None = None,
    color: bool = False,
) -> str:
    """Aligned columns; over-long cells end in an ellipsis; ``width`` shrinks the widest columns."""
    cells = [[c if isinstance(c, tuple) else (c, "") for c in row] for row in rows]
    # A cell is one line: a server's line break shows as ⏎, as the console shows it.
    texts = [[one_line(text) for text, _ in row] for row in cells]
    caps = list(max_widths or [None] * len(headers))
    widths = []
    for i, header in enumerate(headers):
        natural = max([cell_width(header)] + [cell_width(r[i]) for r in texts])
        widths.append(min(natural, caps[i]) if caps[i] else natural)
    if width:
        # Take columns from the widest until the table fits (or nothing can shrink further).
        while sum(widths) + len(_GAP) * (len(widths) - 1) > width:
            widest = max(range(len(widths)), key=lambda i: widths[i])
            if widths[widest] <= _MIN_WIDTH:
                break
            widths[widest] -= 1
    lines = [_line([(h, _DIM if color else "") for h in headers], widths, color=color)]
    for row, text_row in zip(cells, texts, strict=True):
        lines.append(_line([(t, s) for t, (_, s) in zip(text_row, row, strict=True)], widths, color=color))
    return "\n".join(lines)


def _line(cells: Sequence[tuple[str, str]], widths: Sequence[int], *, color: bool) -> str:
    out = []
    last = len(cells) - 1
    for i, ((text, style), w) in enumerate(zip(cells, widths, strict=True)):
        text = truncate(text, w)
        pad = "" if i == last else " " * (w - cell_width(text))
        if color and style:
            text = f"\x1b[{style}m{text}\x1b[0m"
        out.append(text + pad)
    return _GAP.join(out).rstrip()


# --------------------------------------------------------------------------------------------- values


def task_state_cell(task: Task) -> Cell:
    """The state as the server words it (Airflow: active, paused); blank for a task that has none of
    its own (an Airflow task: the pause flag is its DAG's)."""
    if task.state is TaskState.NONE:
        return ""
    colour = {TaskState.STARTED: _GREEN, TaskState.SUSPENDED: _YELLOW}.get(task.state, "")
    return (task.raw_state or task.state.value, colour)


def run_state_cell(run: GraphRun) -> Cell:
    if run.state.is_failure:
        colour = _RED
    elif run.state is RunState.SUCCEEDED:
        colour = _GREEN
    elif run.state.is_active:
        colour = _CYAN
    elif run.state in (RunState.SKIPPED, RunState.SCHEDULED):
        colour = _DIM
    else:
        colour = ""
    return (run.raw_state or run.state.value, colour)


def result_cell(state: RunState | None, raw: str = "") -> Cell:
    """A task's result in its graph's latest run (blank when there is none), coloured like a run."""
    if state is None:
        return ""
    if state is RunState.UNKNOWN and raw:
        return (raw, "")
    colour = _RED if state.is_failure else _GREEN if state is RunState.SUCCEEDED else _DIM
    return (state.value, colour)


def format_time(value: datetime | None, timezone: str = "local") -> str:
    """A table timestamp that says its zone: UTC marked with Z, local time with its offset
    (``2025-01-02 02:04:05+01:00``). Naive times are taken as UTC."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if timezone == "UTC":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return value.astimezone().replace(microsecond=0).isoformat(sep=" ")


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


# --------------------------------------------------------------------------------------------- JSON


def iso_utc(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z`` (naive times are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def task_json(task: Task, declared: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """The documented JSON shape of a task (see tui.headless). ``declared``: the optional fields its
    backend has (``wording.task_fields``); the other optional fields appear only when the task has
    them, so an Airflow task does not carry Snowflake's empty warehouse. None: every field."""
    out: dict[str, Any] = {
        "key": task.key,
        "name": task.name,
        "scope": task.scope,
        "root": task.root,
        "is_root": task.is_root,
        "predecessors": list(task.predecessors),
        "state": task.state.value,
        "raw_state": task.raw_state,
        "schedule": {
            "kind": task.schedule.kind,
            "minutes": task.schedule.minutes,
            "cron": task.schedule.cron,
            "timezone": task.schedule.timezone,
            "text": task.schedule.text,
            "description": task.schedule.describe(),
        },
        "warehouse": task.warehouse,
        "owner": task.owner,
        "comment": task.comment,
        "doc": task.doc,
        "definition": task.definition,
        "condition": task.condition,
        "config": dict(task.config) if task.config is not None else None,
        "error_integration": task.error_integration,
        "timeout_ms": task.timeout_ms,
        "suspend_after_failures": task.suspend_after_failures,
        "auto_retry_attempts": task.auto_retry_attempts,
        "finalizer_of": task.finalizer_of,
        "created_on": iso_utc(task.created_on),
        "last_committed_on": iso_utc(task.last_committed_on),
        "last_suspended_on": iso_utc(task.last_suspended_on),
        "operator": task.operator,
        "retries": task.retries,
        "pool": task.pool,
        "trigger_rule": task.trigger_rule,
        "tags": list(task.tags),
    }
    if declared is None:
        return out
    kept = set(task_fields.shown(task, declared))
    return {k: v for k, v in out.items() if k not in task_fields.OPTIONAL or k in kept}


def run_json(run: GraphRun, phase: str, now: datetime) -> dict[str, Any]:
    """The documented JSON shape of a graph run (see tui.headless)."""
    duration = run.duration(now)
    return {
        "graph": run.graph,
        "run_id": run.run_id,
        "phase": phase,
        "state": run.state.value,
        "raw_state": run.raw_state,
        "scheduled_time": iso_utc(run.scheduled_time),
        "started_time": iso_utc(run.started_time),
        "completed_time": iso_utc(run.completed_time),
        "next_scheduled_time": iso_utc(run.next_scheduled_time),
        "duration_seconds": duration.total_seconds() if duration is not None else None,
        "graph_version": run.graph_version,
        "attempt": run.attempt,
        "first_error_task": run.first_error_task,
        "first_error_code": run.first_error_code,
        "first_error_message": run.first_error_message,
        # Why the run exists, who started it, with what, and its note, where the backend says.
        "run_type": run.run_type,
        "triggered_by": run.triggered_by,
        "conf": dict(run.conf) if run.conf is not None else None,
        "note": run.note,
    }


_UNSAFE_IN_JSON = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)


def import_error_json(error: FileImportError) -> dict[str, Any]:
    """The documented JSON shape of an import error (see tui.headless)."""
    return {
        "key": error.key,
        "file": error.file,
        "bundle": error.bundle,
        "when": iso_utc(error.when),
        "error": error.last_line,
        "stack_trace": error.stack_trace,
    }


def dump_json(payload: Any, *, indent: int | None = 2) -> str:
    """Pretty JSON, UTF-8 kept readable, with every terminal-unsafe character \\u-escaped.

    ``json.dumps`` escapes C0 controls itself; outside strings the output is ASCII, so escaping the
    rest wherever it appears keeps the document valid and the data exact.
    """
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
