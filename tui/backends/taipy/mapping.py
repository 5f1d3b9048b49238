"""Taipy wire payloads -> domain objects. Pure functions: no I/O, fuzzable.

Anything the server sends that does not fit becomes a ProtocolError, never another exception.

Keys are Taipy's own entity ids: a graph's root is a scenario (``SCENARIO_<config>_<uuid>``) or one of its
sequences (``SEQUENCE_<name>_<scenario id>``), a task is ``TASK_<config>_<uuid>``, a graph run is the id of
the first job of a submission (``JOB_<task config>_<uuid>``). Taipy returns no submission id and no task
id on a job (REAL_SERVERS.md gotchas 3 and 13): jobs are grouped into submissions by creation time and
matched to tasks by the task config named inside the job id. Both are inferred, and the runs say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from tui import domain
from tui.backends.taipy import models
from tui.errors import ProtocolError

M = TypeVar("M", bound=BaseModel)
# Jobs of one submission are created in one call, milliseconds apart; a gap longer than this starts
# another submission.
SUBMISSION_GAP = timedelta(seconds=1)
GROUPING_NOTE = "jobs grouped by submit time: Taipy returns no submission id"
LOG_NOTE = "Taipy REST serves no task output; this is the job's stack trace"
NO_TRACE_NOTE = "Taipy REST serves no task output, and this job has no stack trace (it did not fail)"
FAILED_NO_TRACE_NOTE = (
    "Taipy REST serves no task output, and this failed job's stack trace is not stored yet: refresh"
)
_UUID_LEN = 36
# A scenario's state: neither started nor suspended, it runs when submitted (never on a schedule).
ON_DEMAND = "on demand"

# ----------------------------------------------------------------------------------------- parsing


def _problem(what: str, exc: ValidationError) -> ProtocolError:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return ProtocolError(f"unexpected {what} from Taipy: {where or 'body'}: {first.get('msg', exc.title)}")


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


# ----------------------------------------------------------------------------------------- ids and words


def config_of(entity_id: str, prefix: str) -> str | None:
    """The config id inside ``<PREFIX>_<config>_<uuid>`` (config ids may hold underscores)."""
    head = f"{prefix}_"
    if not entity_id.startswith(head) or len(entity_id) <= len(head) + _UUID_LEN + 1:
        return None
    if entity_id[-_UUID_LEN - 1] != "_":
        return None
    return entity_id[len(head) : -_UUID_LEN - 1] or None


def word(raw: str | None) -> str:
    """``"Status.FAILED"`` -> ``"FAILED"``: Taipy renders its enums with the class prefix (gotcha 2)."""
    text = (raw or "").strip()
    prefix, dot, rest = text.partition(".")
    return rest if dot and prefix.isidentifier() and rest else text


_JOB_STATES = {
    "SUBMITTED": domain.RunState.QUEUED,
    "BLOCKED": domain.RunState.QUEUED,  # waiting for its input data nodes
    "PENDING": domain.RunState.QUEUED,  # waiting for a worker
    "RUNNING": domain.RunState.EXECUTING,
    "CANCELED": domain.RunState.CANCELLED,
    "FAILED": domain.RunState.FAILED,
    "COMPLETED": domain.RunState.SUCCEEDED,
    "SKIPPED": domain.RunState.SKIPPED,  # outputs already up to date
    "ABANDONED": domain.RunState.NOT_RUN,  # an upstream job failed or was cancelled
}


def job_state(raw: str | None) -> domain.RunState:
    return _JOB_STATES.get(word(raw).upper(), domain.RunState.UNKNOWN)


# ----------------------------------------------------------------------------------------- scenarios


def scenario_name(scenario: models.Scenario) -> str:
    name = (scenario.properties or {}).get("name")
    if isinstance(name, str) and name.strip():
        return name
    return scenario.config_id or config_of(scenario.id, "SCENARIO") or scenario.id


def sequence_key(scenario_id: str, name: str) -> str:
    return f"SEQUENCE_{name}_{scenario_id}"


def shown_names(scenarios: Sequence[models.Scenario]) -> dict[str, str]:
    """Each scenario's shown name; scenarios that share one get the start of their uuid added."""
    base = {s.id: scenario_name(s) for s in scenarios}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    return {sid: (f"{n} {sid[-_UUID_LEN:][:8]}" if counts[n] > 1 else n) for sid, n in base.items()}


def scenario_roots(
    scenarios: Sequence[models.Scenario],
    tasks: Sequence[models.Task],
    cycles: Mapping[str, models.Cycle],
) -> list[domain.Task]:
    """Every scenario as a root, each followed by its sequences (roots too: submitted on their own)."""
    names = shown_names(scenarios)
    owned: dict[str, int] = {}
    for task in tasks:
        if task.owner_id:
            owned[task.owner_id] = owned.get(task.owner_id, 0) + 1
    out: list[domain.Task] = []
    for sc in sorted(scenarios, key=lambda s: (names[s.id], s.id)):
        out.append(scenario_task(sc, names[sc.id], owned.get(sc.id, 0), cycles.get(sc.cycle or "")))
        for seq_name, seq in sorted((sc.sequences or {}).items()):
            out.append(sequence_task(sc, names[sc.id], seq_name, seq))
    return out


def scenario_task(sc: models.Scenario, name: str, size: int, cycle: models.Cycle | None) -> domain.Task:
    comment = []
    if cycle is not None:
        frequency = word(cycle.frequency).lower() or "?"
        what = "primary scenario" if sc.primary_scenario else "scenario"
        comment.append(f"{what} of the {frequency} cycle {cycle.name or cycle.id}")
    elif sc.primary_scenario:
        comment.append("primary scenario")
    if sc.sequences:
        comment.append("sequences: " + ", ".join(sorted(sc.sequences)))
    if sc.tags:
        comment.append("tags: " + ", ".join(sc.tags))
    extra: dict[str, Any] = {"kind": "scenario", "tasks": size}
    if cycle is not None:
        extra["cycle"] = cycle.name or cycle.id
        extra["frequency"] = word(cycle.frequency)
    if sc.primary_scenario is not None:
        extra["primary"] = sc.primary_scenario
    return domain.Task(
        key=sc.id,
        name=name,
        root=sc.id,
        raw_state=ON_DEMAND,
        comment="; ".join(comment) or None,
        created_on=sc.creation_date,
        extra=extra,
    )


def sequence_task(
    sc: models.Scenario, scenario_shown: str, name: str, seq: models.SequenceInScenario
) -> domain.Task:
    key = sequence_key(sc.id, name)
    return domain.Task(
        key=key,
        name=f"{scenario_shown}/{name}",
        root=key,
        raw_state=ON_DEMAND,
        comment=f"sequence {name} of scenario {scenario_shown} ({len(seq.tasks)} tasks)",
        created_on=sc.creation_date,
        extra={"kind": "sequence", "scenario": sc.id, "sequence": name},
    )


# ----------------------------------------------------------------------------------------- graphs


def data_order(tasks: Sequence[models.Task]) -> tuple[list[models.Task], dict[str, list[str]]]:
    """Tasks in data-flow order (a producer before its readers; ties by config id) and each task's
    predecessors: the tasks whose outputs it reads."""
    producers: dict[str, list[str]] = {}
    for t in tasks:
        for dn in t.output_ids:
            producers.setdefault(dn, []).append(t.id)
    preds = {
        t.id: sorted({p for dn in t.input_ids for p in producers.get(dn, ()) if p != t.id}) for t in tasks
    }
    by_id = {t.id: t for t in tasks}
    done: list[models.Task] = []
    placed: set[str] = set()
    pending = sorted(tasks, key=lambda t: (t.config_id, t.id))
    while pending:
        ready = [t for t in pending if all(p in placed for p in preds[t.id])] or pending[:1]  # a cycle
        for t in ready:
            done.append(t)
            placed.add(t.id)
        pending = [t for t in pending if t.id not in placed]
    return [by_id[t.id] for t in done], preds


def build_graph(
    root: domain.Task,
    tasks: Sequence[models.Task],
    datanodes: Iterable[models.DataNode],
) -> domain.Graph:
    """The root (scenario or sequence), then its tasks in data-flow order; a task that reads nothing
    another task writes hangs off the root. Data nodes are kept with their last edit time."""
    ordered, preds = data_order(tasks)
    out: dict[str, domain.Task] = {root.key: root}
    for t in ordered:
        function = ".".join(p for p in (t.function_module, t.function_name) if p) or None
        out[t.id] = domain.Task(
            key=t.id,
            name=t.config_id,
            root=root.key,
            predecessors=tuple(preds[t.id]) or (root.key,),
            definition=function,
            reads=tuple(t.input_ids),
            writes=tuple(t.output_ids),
            raw_state=ON_DEMAND,
            extra={"kind": "task"},
        )
    used = {dn for t in tasks for dn in (*t.input_ids, *t.output_ids)}
    nodes = {
        dn.id: domain.DataNode(
            key=dn.id,
            name=dn.config_id,
            last_edit=dn.last_edit_date,
            detail=word(dn.storage_type) or None,
        )
        for dn in datanodes
        if dn.id in used
    }
    return domain.Graph(root=root.key, tasks=out, data_nodes=nodes)


# ----------------------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    """The jobs of one submit (inferred), in creation order."""

    jobs: tuple[models.Job, ...]

    @property
    def run_id(self) -> str:
        return self.jobs[0].id

    @property
    def configs(self) -> frozenset[str]:
        return frozenset(c for j in self.jobs if (c := config_of(j.id, "JOB")))


def group_jobs(
    jobs: Iterable[models.Job], config_sets: Iterable[frozenset[str]], gap: timedelta = SUBMISSION_GAP
) -> list[Submission]:
    """Jobs grouped into submissions, oldest first: consecutive jobs created at most ``gap`` apart,
    each task config once, and all of them tasks of one scenario config (``config_sets``: the task
    configs of each scenario). A job outside every scenario's configs stands alone."""
    sets = [s for s in config_sets if s]
    ordered = sorted(jobs, key=lambda j: (j.creation_date is None, j.creation_date or 0, j.id))  # type: ignore[operator]
    groups: list[list[models.Job]] = []
    seen: set[str] = set()
    for job in ordered:
        cfg = config_of(job.id, "JOB") or job.id
        last = groups[-1][-1] if groups else None
        joins = (
            last is not None
            and job.creation_date is not None
            and last.creation_date is not None
            and job.creation_date - last.creation_date <= gap
            and cfg not in seen
            and any(seen | {cfg} <= s for s in sets)
        )
        if joins:
            groups[-1].append(job)
            seen.add(cfg)
        else:
            groups.append([job])
            seen = {cfg}
    return [Submission(tuple(g)) for g in groups]


def _aggregate(states: Sequence[domain.RunState], raws: Sequence[str]) -> tuple[domain.RunState, str]:
    """A submission's state: running while any job runs, waiting while any waits, else the worst end."""
    for state in (
        domain.RunState.EXECUTING,
        domain.RunState.QUEUED,
        domain.RunState.FAILED,
        domain.RunState.CANCELLED,
        domain.RunState.UNKNOWN,
    ):
        if state in states:
            return state, raws[states.index(state)]
    if states and all(s is domain.RunState.SKIPPED for s in states):
        return domain.RunState.SKIPPED, "SKIPPED"
    if states and all(s is domain.RunState.NOT_RUN for s in states):
        return domain.RunState.NOT_RUN, "ABANDONED"
    return domain.RunState.SUCCEEDED, "COMPLETED"


def job_ends(
    groups: Iterable[Submission],
    tasks: Iterable[models.Task],
    datanodes: Iterable[models.DataNode],
    config_sets: Mapping[str, frozenset[str]],
) -> dict[str, datetime]:
    """When COMPLETED jobs ended, where Taipy lets it be known: a job keeps no end time, but its task's
    output data nodes keep their last edit. That edit belongs to the newest job of the task created
    before it, among the submissions that fit the task's scenario (``config_sets``: each scenario's task
    configs; scenarios sharing a task config share generate jobs by name only). If that job COMPLETED,
    the edit is its end. Older runs' ends are overwritten by newer runs, so only the latest are known."""
    edits = {dn.id: dn.last_edit_date for dn in datanodes if dn.last_edit_date is not None}
    groups = list(groups)
    ends: dict[str, datetime] = {}
    for task in tasks:
        written = [edits[dn] for dn in task.output_ids if dn in edits]
        fits = config_sets.get(task.owner_id or "", frozenset())
        if not written or task.config_id not in fits:
            continue
        edit = max(written)
        before = [
            j
            for g in groups
            if g.configs <= fits
            for j in g.jobs
            if config_of(j.id, "JOB") == task.config_id and j.creation_date and j.creation_date <= edit
        ]
        if not before:
            continue
        job = max(before, key=lambda j: (j.creation_date, j.id))
        if word(job.status) == "COMPLETED" and (job.id not in ends or edit < ends[job.id]):
            ends[job.id] = edit
    return ends


def task_runs(
    sub: Submission, task_by_config: Mapping[str, str], ends: Mapping[str, datetime] | None = None
) -> list[domain.TaskRun]:
    """The submission's jobs as task runs (task key from the config named in the job id). Started:
    when it was submitted (Taipy keeps no start time); completed: from ``job_ends`` where known."""
    ends = ends or {}
    return [
        domain.TaskRun(
            task=task_by_config.get(config_of(j.id, "JOB") or "", j.id),
            graph_run=sub.run_id,
            state=job_state(j.status),
            raw_state=word(j.status),
            try_number=1,
            started_time=j.creation_date,
            completed_time=ends.get(j.id),
            log_ref=None,
        )
        for j in sub.jobs
    ]


def graph_run(
    root: str,
    sub: Submission,
    task_by_config: Mapping[str, str],
    names: Mapping[str, str],
    also: Sequence[str] = (),
    ends: Mapping[str, datetime] | None = None,
) -> domain.GraphRun:
    """One submission as a graph run of ``root``. ``names``: task key -> name (for the note);
    ``also``: other scenarios this submission may belong to (same task configs)."""
    runs = task_runs(sub, task_by_config, ends)
    state, raw = _aggregate([r.state for r in runs], [r.raw_state for r in runs])
    failed = [(r, j) for r, j in zip(runs, sub.jobs, strict=True) if r.state is domain.RunState.FAILED]
    first_task = first_message = None
    if failed:  # named as the task list does (its config id): find_task maps it to the key
        first_task = names.get(failed[0][0].task, failed[0][0].task)
        # Taipy keeps traceback.format_exception's pieces: the last one is the exception and its message.
        entries = [e.strip() for e in failed[0][1].stacktrace if e.strip()]
        first_message = entries[-1] if entries else None
    notes = [GROUPING_NOTE]
    if also:
        others = ", ".join(also)
        notes.append(f"may also be a run of {others} (same task configs; jobs do not name their scenario)")
    abandoned = [names.get(r.task, r.task) for r in runs if r.raw_state == "ABANDONED"]
    if abandoned and failed:
        culprit = names.get(failed[0][0].task, failed[0][0].task)
        notes.append(f"{', '.join(abandoned)} not run (ABANDONED) because {culprit} failed")
    started = sub.jobs[0].creation_date
    # Ended when its last job did, if every job's end is known (only a run whose outputs are the latest).
    finished = [r.completed_time for r in runs]
    completed = max(finished) if state.is_finished and finished and None not in finished else None  # type: ignore[type-var]
    return domain.GraphRun(
        graph=root,
        run_id=sub.run_id,
        state=state,
        raw_state=raw,
        scheduled_time=started,
        started_time=started,
        completed_time=completed,
        first_error_task=first_task,
        first_error_message=first_message,
        note="; ".join(notes),
        extra={"jobs": len(sub.jobs)},
    )


def trace_lines(job: models.Job) -> list[str]:
    """The job's stack trace as lines: split on newlines only (a ``\r`` or ``\x85`` inside a message is
    the server's text, kept for the renderer to make visible)."""
    return [ln.removesuffix("\r") for entry in job.stacktrace for ln in entry.rstrip("\n").split("\n")]


def job_log(job: models.Job) -> domain.LogChunk:
    """A job's stack trace as its log, saying that Taipy serves nothing else. A FAILED job can be read
    before its trace is stored (Taipy saves the status first): the note says so instead of "no trace"."""
    lines = tuple(trace_lines(job))
    if lines:
        note = LOG_NOTE
    elif job_state(job.status) is domain.RunState.FAILED:
        note = FAILED_NO_TRACE_NOTE
    else:
        note = NO_TRACE_NOTE
    return domain.LogChunk(lines=lines, continuation=None, finished=True, note=note)
