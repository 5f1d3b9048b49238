"""Airflow wire payloads -> domain objects. Pure functions: no I/O, fuzzable.

Anything the server sends that does not fit becomes a ProtocolError, never another exception.

Keys: a DAG is the graph root, keyed by its ``dag_id``; its tasks are ``dag_id/task_id`` (Airflow ids are
letters, digits, ``_ - .``, so ``/`` cannot be part of either).
"""

from __future__ import annotations

import ast
import base64
import binascii
import json
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from tui import domain
from tui.backends.airflow import models
from tui.errors import ProtocolError

SEP = "/"
M = TypeVar("M", bound=BaseModel)

# ----------------------------------------------------------------------------------------- keys


def task_key(dag_id: str, task_id: str) -> str:
    return f"{dag_id}{SEP}{task_id}"


def split_key(key: str) -> tuple[str, str | None]:
    """``dag_id`` -> (dag_id, None); ``dag_id/task_id`` -> (dag_id, task_id)."""
    key = key.strip()
    dag_id, sep, task_id = key.partition(SEP)
    if not dag_id or (sep and not task_id):
        raise ValueError(f"not a DAG or task key: {key!r} (expected DAG_ID or DAG_ID/TASK_ID)")
    return dag_id, (task_id or None)


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


def items_of(body: Any, key: str, what: str) -> list[Any]:
    """``body[key]`` of a collection response, which must be a list."""
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise ProtocolError(f"unexpected {what} from server: expected an object with a {key!r} list")
    return body[key]


# ----------------------------------------------------------------------------------------- states

_RUN_STATES = {
    "queued": domain.RunState.QUEUED,
    "running": domain.RunState.EXECUTING,
    "success": domain.RunState.SUCCEEDED,
    "failed": domain.RunState.FAILED,
}

_TI_STATES = {
    "success": domain.RunState.SUCCEEDED,
    "failed": domain.RunState.FAILED,
    "upstream_failed": domain.RunState.UPSTREAM_FAILED,
    "skipped": domain.RunState.SKIPPED,
    "running": domain.RunState.EXECUTING,
    "queued": domain.RunState.QUEUED,
    "scheduled": domain.RunState.SCHEDULED,
    "up_for_retry": domain.RunState.RETRYING,
    "restarting": domain.RunState.RETRYING,
    "up_for_reschedule": domain.RunState.SCHEDULED,  # a sensor waiting for its next poke
    "deferred": domain.RunState.EXECUTING,  # suspended on a trigger: still in progress
    "awaiting_input": domain.RunState.EXECUTING,  # 3.3 human-in-the-loop: waiting for a person
    "removed": domain.RunState.NOT_RUN,  # the task left the DAG
    "none": domain.RunState.NOT_RUN,  # v1's deprecated spelling of "no state yet"
    "": domain.RunState.NOT_RUN,  # null: not scheduled (yet)
}


def run_state(raw: str | None) -> domain.RunState:
    return _RUN_STATES.get((raw or "").strip().lower(), domain.RunState.UNKNOWN)


def task_run_state(raw: str | None) -> domain.RunState:
    return _TI_STATES.get((raw or "").strip().lower(), domain.RunState.UNKNOWN)


# ----------------------------------------------------------------------------------------- DAGs and tasks


def timedelta_of(value: Any) -> timedelta | None:
    """A serialised ``{"__type": "TimeDelta", "days", "seconds", "microseconds"}`` (None otherwise)."""
    if not isinstance(value, dict) or value.get("__type") != "TimeDelta":
        return None
    try:
        return timedelta(
            days=float(value.get("days") or 0),
            seconds=float(value.get("seconds") or 0),
            microseconds=float(value.get("microseconds") or 0),
        )
    except (TypeError, ValueError, OverflowError):
        return None


def schedule(dag: models.Dag) -> domain.Schedule:
    """The schedule as the server words it: v2 ``timetable_summary``, v1 ``schedule_interval``; the human
    ``timetable_description`` ("At 00:00") goes with it."""
    text = dag.timetable_summary
    if text is None and isinstance(dag.schedule_interval, dict):
        interval = dag.schedule_interval
        if "value" in interval:
            text = str(interval["value"])
        elif (delta := timedelta_of(interval)) is not None:
            seconds = delta.total_seconds()
            if seconds > 0 and seconds % 60 == 0:
                return domain.Schedule(kind="minutes", minutes=int(seconds // 60))
            text = f"every {seconds:g} s"
    elif text is None and isinstance(dag.schedule_interval, str):
        text = dag.schedule_interval
    if not text:
        return domain.Schedule()
    description = dag.timetable_description
    if description and description != text:
        text = f"{text} ({description})"
    return domain.Schedule(kind="text", text=text)


def next_run_time(dag: models.Dag) -> datetime | None:
    """When the scheduler will create the DAG's next run (None for unscheduled DAGs)."""
    return dag.next_dagrun_run_after or dag.next_dagrun_create_after


def dag_to_task(dag: models.Dag) -> domain.Task:
    """A DAG as the root task of its graph: started unless paused."""
    if dag.is_paused is None:
        state, raw = domain.TaskState.UNKNOWN, ""
    else:
        state = domain.TaskState.SUSPENDED if dag.is_paused else domain.TaskState.STARTED
        raw = "paused" if dag.is_paused else "active"
    extra: dict[str, Any] = {}
    for name, value in (
        ("display_name", dag.dag_display_name if dag.dag_display_name != dag.dag_id else None),
        ("owners", list(dag.owners) or None),
        ("next_run", next_run_time(dag)),
        ("next_logical_date", dag.next_dagrun_logical_date or dag.next_dagrun),
        ("timetable", dag.timetable_description),
        ("has_import_errors", dag.has_import_errors or None),
        ("stale", True if dag.is_stale or dag.is_active is False else None),
        ("file", dag.fileloc),
    ):
        if value is not None:
            extra[name] = value
    return domain.Task(
        key=dag.dag_id,
        name=dag.dag_id,
        root=dag.dag_id,
        state=state,
        raw_state=raw,
        schedule=schedule(dag),
        owner=", ".join(dag.owners) or None,
        comment=dag.description,
        doc=dag.doc_md or None,
        tags=tuple(sorted(dag.tags)),  # by name: the two versions list them in different orders
        extra=extra,
    )


def parse_dags(payload: Any) -> list[domain.Task]:
    return [dag_to_task(d) for d in parse_list(models.Dag, payload, "DAG list")]


def parse_dag(payload: Any) -> domain.Task:
    return dag_to_task(parse(models.Dag, payload, "DAG"))


def task_to_domain(dag: domain.Task, task: models.DagTask, predecessors: Iterable[str]) -> domain.Task:
    """A task of a DAG. It has no pause flag of its own (the DAG's decides whether it runs): its state
    is ``NONE``, never the DAG's shown again on every task."""
    extra: dict[str, Any] = {}
    for name, value in (
        ("display_name", task.task_display_name if task.task_display_name != task.task_id else None),
        ("mapped", task.is_mapped or None),
    ):
        if value is not None:
            extra[name] = value
    # Both versions send retries as a float (0.0); NaN or a fraction is not a count of retries.
    retries = task.retries
    count = int(retries) if retries is not None and retries == retries and retries >= 0 else None
    return domain.Task(
        key=task_key(dag.key, task.task_id),
        name=task.task_id,
        root=dag.key,
        predecessors=tuple(predecessors),
        state=domain.TaskState.NONE,
        owner=task.owner,
        doc=task.doc_md or None,
        # `@task` names a decorated task; the class is the operator behind it.
        operator=task.operator_name or (task.class_ref or {}).get("class_name") or None,
        retries=count,
        pool=task.pool or None,
        trigger_rule=task.trigger_rule or None,
        extra=extra,
    )


def build_graph(dag: domain.Task, tasks_payload: Any) -> domain.Graph:
    """The DAG as a graph: its root task, then every task with predecessors inverted from the
    (unordered) ``downstream_task_ids``, sorted. Tasks without upstream hang off the DAG's root."""
    wire = parse_list(models.DagTask, tasks_payload, "task list")
    known = {t.task_id for t in wire}
    upstream: dict[str, set[str]] = {t.task_id: set() for t in wire}
    for t in wire:
        for down in t.downstream_task_ids:
            if down in upstream:
                upstream[down].add(t.task_id)
    tasks: dict[str, domain.Task] = {dag.key: dag}
    for t in sorted(wire, key=lambda t: t.task_id):
        parents = sorted(p for p in upstream[t.task_id] if p in known)
        preds = [task_key(dag.key, p) for p in parents] or [dag.key]
        task = task_to_domain(dag, t, preds)
        tasks[task.key] = task
    return domain.Graph(root=dag.key, tasks=tasks)


# ----------------------------------------------------------------------------------------- runs


def run_to_domain(run: models.DagRun) -> domain.GraphRun:
    extra: dict[str, Any] = {}
    for name, value in (
        ("run_type", run.run_type),
        ("conf", run.conf or None),
        ("note", run.note),
        ("triggered_by", run.triggered_by),
        ("queued_at", run.queued_at),
        ("logical_date", run.logical_date or run.execution_date),
    ):
        if value is not None:
            extra[name] = value
    return domain.GraphRun(
        graph=run.dag_id,
        run_id=run.dag_run_id,
        state=run_state(run.state),
        raw_state=run.state or "",
        scheduled_time=run.run_after or run.logical_date or run.execution_date,
        started_time=run.start_date,
        completed_time=run.end_date,
        note=run.note or None,
        run_type=run.run_type,
        # The user where the server names one (Airflow 3), else what triggered it.
        triggered_by=run.triggering_user_name or run.triggered_by,
        conf=run.conf or None,
        # Airflow 3 versions a DAG when its code changes; a run names the versions it ran (the newest
        # counts). Airflow 2 keeps no versions.
        graph_version=max((v.version_number or 0 for v in run.dag_versions or ()), default=None) or None,
        extra=extra,
    )


def parse_runs(payload: Any) -> list[domain.GraphRun]:
    return [run_to_domain(r) for r in parse_list(models.DagRun, payload, "DAG run list")]


def parse_run(payload: Any) -> domain.GraphRun:
    return run_to_domain(parse(models.DagRun, payload, "DAG run"))


def next_scheduled_run(dag: models.Dag) -> domain.GraphRun | None:
    """The run the scheduler will create next, shown as SCHEDULED (an unpaused, scheduled DAG only)."""
    when = next_run_time(dag)
    if when is None or dag.is_paused:
        return None
    logical = dag.next_dagrun_logical_date or dag.next_dagrun
    return domain.GraphRun(
        graph=dag.dag_id,
        run_id=f"scheduled__{(logical or when).isoformat()}",
        state=domain.RunState.SCHEDULED,
        raw_state="scheduled",
        scheduled_time=when,
        next_scheduled_time=when,
        run_type="scheduled",
        extra={"run_type": "scheduled", "not_created_yet": True},
    )


def task_instance_to_domain(ti: models.TaskInstance) -> domain.TaskRun:
    mapped = f"[{ti.map_index}]" if ti.map_index >= 0 else ""
    return domain.TaskRun(
        task=task_key(ti.dag_id, ti.task_id),
        graph_run=ti.dag_run_id or "",
        state=task_run_state(ti.state),
        raw_state=ti.state or "none",
        try_number=ti.try_number,
        started_time=ti.start_date,
        completed_time=ti.end_date,
        log_ref=f"{ti.task_id}{mapped}",
        map_index=ti.map_index if ti.map_index >= 0 else None,
    )


def parse_task_instances(payload: Any) -> list[domain.TaskRun]:
    wire = parse_list(models.TaskInstance, payload, "task instance list")
    wire.sort(key=lambda t: (t.task_id, t.map_index))
    return [task_instance_to_domain(t) for t in wire]


def with_first_errors(runs: list[domain.GraphRun], failed: list[domain.TaskRun]) -> list[domain.GraphRun]:
    """Each failed run with its first failed task instance (the earliest to end) as its first error, and
    how many more failed, in words."""
    by_run: dict[str, list[domain.TaskRun]] = {}
    for tr in failed:
        if tr.state is domain.RunState.FAILED:
            by_run.setdefault(tr.graph_run, []).append(tr)
    out = []
    for run in runs:
        tis = sorted(
            by_run.get(run.run_id, ()), key=lambda t: (t.completed_time is None, t.completed_time or 0)
        )
        if run.state is not domain.RunState.FAILED or not tis:
            out.append(run)
            continue
        first, more = tis[0], tis[1:]
        words = f"failed on try {first.try_number}" if first.try_number else "failed"
        if more:
            words += f"; {len(more)} more failed: " + ", ".join(t.label for t in more[:5])
            words += ", …" if len(more) > 5 else ""
        extra = {**run.extra, "first_error_try": first.try_number}
        update = {"first_error_task": first.label, "first_error_message": words, "extra": extra}
        out.append(run.model_copy(update=update))
    return out


def parse_import_errors(payload: Any) -> list[domain.FileImportError]:
    """``/importErrors`` items as domain objects, the newest attempt first (then by file)."""
    out = []
    for e in parse_list(models.ImportError_, payload, "import errors"):
        file = e.filename or "(no file name)"
        key = str(e.import_error_id) if e.import_error_id is not None else file
        out.append(
            domain.FileImportError(
                key=key, file=file, when=e.timestamp, stack_trace=e.stack_trace or "", bundle=e.bundle_name
            )
        )
    # Newest first, unknown times last, then by file.
    out.sort(key=lambda e: (e.when is None, -e.when.timestamp() if e.when else 0.0, e.file))
    return out


def parse_cleared(payload: Any) -> list[str]:
    """Task instances a clear names (v1 ``{task_instances: [{task_id, dag_id, ...}]}``, v2 full TIs), as
    sorted task keys, an index of a mapped task as ``dag/task[3]``. v1 never says the index (see
    ``name_indexes``)."""
    refs = parse_list(models.TaskInstanceRef, items_of(payload, "task_instances", "clear result"), "clear")
    out = set()
    for r in refs:
        key = task_key(r.dag_id, r.task_id) if r.dag_id else r.task_id
        out.add(f"{key}[{r.map_index}]" if r.map_index is not None and r.map_index >= 0 else key)
    return sorted(out)


def name_indexes(
    cleared: list[str], task_runs: list[domain.TaskRun], states: set[domain.RunState]
) -> list[str]:
    """Cleared keys where a mapped task is named without its index (Airflow 2's clear) replaced by the
    run's indexes of that task in ``states`` (the ones a failed-only clear takes)."""
    indexes: dict[str, list[str]] = {}
    for tr in task_runs:
        if tr.map_index is not None and tr.state in states:
            indexes.setdefault(tr.task, []).append(f"{tr.task}[{tr.map_index}]")
    return sorted({name for key in cleared for name in indexes.get(key, [key])})


# ----------------------------------------------------------------------------------------- logs


def _v2_entry_lines(entry: dict[str, Any] | str) -> list[str]:
    if isinstance(entry, str):
        return entry.splitlines() or [""]
    event = entry.get("event")
    event_text = "" if event is None else str(event)
    head = " ".join(
        part
        for part in (
            str(entry["timestamp"]) if entry.get("timestamp") else "",
            str(entry["level"]).upper() if entry.get("level") else "",
        )
        if part
    )
    first, *rest = event_text.splitlines() or [""]
    lines = [f"{head} {first}" if head else first, *rest]
    details = entry.get("error_detail")
    if isinstance(details, list):
        for detail in details:
            if not isinstance(detail, dict):
                lines.append(f"  {detail}")
                continue
            if detail.get("is_cause"):
                lines.append("  The above exception was the direct cause of:")
            frames = detail.get("frames")
            if isinstance(frames, list) and frames:
                lines.append("  Traceback (most recent call last):")
                for frame in frames:
                    if isinstance(frame, dict):
                        lines.append(
                            f'    File "{frame.get("filename")}", line {frame.get("lineno")}, '
                            f"in {frame.get('name')}"
                        )
            # A multi-line message keeps the traceback's indent on every line: split flush left, its
            # later lines read as records of their own and leave the traceback.
            message = f"{detail.get('exc_type', 'Exception')}: {detail.get('exc_value', '')}"
            lines.extend(f"  {part}" for part in message.splitlines() or [""])
            notes = detail.get("exc_notes")
            if isinstance(notes, list):
                lines.extend(f"  {part}" for note in notes for part in str(note).splitlines() or [""])
    return lines


def _v1_text(content: str) -> str:
    """Airflow 2's JSON log ``content``: a Python repr of ``[(host, text), ...]`` (sometimes plain text)."""
    try:
        value = ast.literal_eval(content)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return content
    if isinstance(value, list | tuple):
        parts = []
        for item in value:
            if isinstance(item, tuple | list) and len(item) == 2:
                parts.append(str(item[1]))
            else:
                parts.append(str(item))
        return "\n".join(parts)
    return str(value)


def v1_token_finished(token: str | None) -> bool:
    """Whether an Airflow 2 continuation token says the log has ended.

    The token is itsdangerous-signed (not encrypted) JSON ``{end_of_log, log_pos, ...}``; a token we
    cannot read counts as finished, so the console never follows forever."""
    if not token:
        return True
    payload = token.split(".")[0] if not token.startswith(".") else token[1:].split(".")[0]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if token.startswith("."):
            raw = zlib.decompress(raw)
        data = json.loads(raw)
    except (ValueError, binascii.Error, zlib.error, UnicodeDecodeError):
        return True
    return not isinstance(data, dict) or bool(data.get("end_of_log", True))


def parse_log(payload: Any, api: str) -> domain.LogChunk:
    """One log page as readable lines. v2: ``timestamp LEVEL event`` plus exception detail, the
    continuation token is null at the end; v1: the repr-of-tuples text, the end is in the token."""
    page = parse(models.LogPage, payload, "log")
    if api == "v1":
        text = page.content if isinstance(page.content, str) else "\n".join(map(str, page.content))
        text = _v1_text(text)
        lines = tuple(text.splitlines())
        return domain.LogChunk(
            lines=lines,
            continuation=page.continuation_token,
            finished=v1_token_finished(page.continuation_token),
        )
    entries = [page.content] if isinstance(page.content, str) else page.content
    out: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            out.extend(entry.splitlines())
        else:
            out.extend(_v2_entry_lines(entry))
    token = page.continuation_token or None
    return domain.LogChunk(lines=tuple(out), continuation=token, finished=token is None)


def with_exception(run: domain.GraphRun, exception: str | None) -> domain.GraphRun:
    """``run`` with the exception its first failed task died of leading its first error message (the
    try and the other failures follow on the next line)."""
    if not exception or run.extra.get("exception"):  # none, or already there (a run enriched twice)
        return run
    words = run.first_error_message or ""
    message = f"{exception}\n{words}" if words else exception
    extra = {**run.extra, "exception": exception}
    return run.model_copy(update={"first_error_message": message, "extra": extra})


def parse_tries(payload: Any, task: models.DagTask | None = None) -> list[domain.TaskRun]:
    """Every try of one task instance, oldest first. A try waiting to retry gets its next retry time
    from ``task``'s retry delay (its end plus the delay), unless the delay grows exponentially (then
    Airflow's own formula, with jitter, decides: not said rather than guessed)."""
    wire = parse_list(models.TaskInstance, payload, "task instance tries")
    wire.sort(key=lambda t: t.try_number or 0)
    tries = [task_instance_to_domain(t) for t in wire]
    delay = timedelta_of(task.retry_delay) if task is not None else None
    backoff = bool(task.retry_exponential_backoff) if task is not None else False
    out = []
    for t in tries:
        if t.state is domain.RunState.RETRYING and t.completed_time and delay is not None and not backoff:
            t = t.model_copy(update={"next_retry_time": t.completed_time + delay})
        out.append(t)
    return out
