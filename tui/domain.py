"""Backend-neutral models: what the console shows, whatever scheduler it talks to.

Every backend maps its wire models to these. No Textual, no httpx here.
Unknown states from a server are kept verbatim in ``raw_state`` and shown as they came.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TaskState(enum.StrEnum):
    """Whether a task (or a graph's root) is scheduled to run."""

    STARTED = "started"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"
    # The task has no such state of its own: an Airflow task runs whenever its DAG does (the pause
    # flag is the DAG's). Shown as nothing at all, never as a guess.
    NONE = "none"


class RunState(enum.StrEnum):
    """The state of a graph run or a task run, normalised across backends."""

    SCHEDULED = "SCHEDULED"
    QUEUED = "QUEUED"
    EXECUTING = "EXECUTING"
    RETRYING = "RETRYING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    UPSTREAM_FAILED = "UPSTREAM_FAILED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"
    NOT_RUN = "NOT_RUN"
    # Not started yet in a run that is still going: it may well run (only a finished run's unrun tasks
    # "did not run"). Said by services/outcomes.py, never by a backend.
    WAITING = "WAITING"
    UNKNOWN = "UNKNOWN"

    @property
    def is_finished(self) -> bool:
        return self in _FINISHED

    @property
    def is_failure(self) -> bool:
        return self in (RunState.FAILED, RunState.UPSTREAM_FAILED, RunState.CANCELLED)

    @property
    def is_active(self) -> bool:
        return self in (RunState.QUEUED, RunState.EXECUTING, RunState.RETRYING)


_FINISHED = frozenset(
    {
        RunState.SUCCEEDED,
        RunState.FAILED,
        RunState.UPSTREAM_FAILED,
        RunState.CANCELLED,
        RunState.SKIPPED,
        RunState.NOT_RUN,
    }
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Schedule(_Frozen):
    """When a root runs. ``kind`` is "minutes", "cron", "text" or "none"."""

    kind: str = "none"
    minutes: int | None = None
    cron: str | None = None
    timezone: str | None = None
    text: str | None = None

    def describe(self) -> str:
        """The schedule in words, as the task list shows it."""
        if self.kind == "minutes" and self.minutes is not None:
            if self.minutes % 1440 == 0:
                days = self.minutes // 1440
                return "every day" if days == 1 else f"every {days} days"
            if self.minutes % 60 == 0:
                hours = self.minutes // 60
                return "every hour" if hours == 1 else f"every {hours} h"
            return "every minute" if self.minutes == 1 else f"every {self.minutes} min"
        if self.kind == "cron" and self.cron:
            return f"cron {self.cron} {self.timezone or 'UTC'}".strip()
        if self.kind == "text" and self.text:
            return self.text
        return ""


class Task(_Frozen):
    """One task of a graph. ``key`` is unique within a backend connection."""

    key: str
    name: str
    scope: str = ""  # e.g. "DB.SCHEMA" for Snowflake, "" for backends without scopes
    root: str  # key of the graph's root (itself for a root or standalone task)
    predecessors: tuple[str, ...] = ()  # keys of the tasks it waits for
    state: TaskState = TaskState.UNKNOWN
    raw_state: str = ""
    schedule: Schedule = Schedule()
    warehouse: str | None = None
    owner: str | None = None
    comment: str | None = None
    definition: str | None = None
    condition: str | None = None
    config: Mapping[str, Any] | None = None
    error_integration: str | None = None
    timeout_ms: int | None = None
    suspend_after_failures: int | None = None
    auto_retry_attempts: int | None = None
    created_on: datetime | None = None
    last_committed_on: datetime | None = None
    last_suspended_on: datetime | None = None
    finalizer_of: str | None = None
    # Data the task reads and writes (Taipy data nodes): keys into ``Graph.data_nodes``.
    # Why the task is in its state, in the backend's words (Qlik's disabledCode: MANUALLY, ...).
    state_reason: str | None = None
    # For each predecessor key, when its end fires this task, in words ("on success", "on failure",
    # "on any outcome"): shown on the graph's edges where a backend has such conditions (Qlik).
    edge_conditions: Mapping[str, str] = Field(default_factory=dict)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    # The task's or graph's own documentation as its author wrote it (Airflow ``doc_md``): markdown
    # source, shown as inert text, never rendered into markup or links.
    doc: str | None = None
    # What runs it and how, where a backend says (Airflow: the operator, its retries before it fails,
    # the pool whose slots it takes, the rule over its upstream outcomes that lets it start).
    operator: str | None = None
    retries: int | None = None
    pool: str | None = None
    trigger_rule: str | None = None
    # Labels its author gave the graph (Airflow DAG tags): shown and filtered with ``tag:NAME``.
    tags: tuple[str, ...] = ()
    extra: Mapping[str, Any] = Field(default_factory=dict)

    @property
    def is_root(self) -> bool:
        return self.root == self.key

    @property
    def qualified_name(self) -> str:
        return f"{self.scope}.{self.name}" if self.scope else self.name


class GraphRun(_Frozen):
    """One run of a whole graph (Snowflake TaskRun, Airflow DAG run, ...)."""

    graph: str  # key of the root task / DAG
    run_id: str
    state: RunState
    raw_state: str = ""
    scheduled_time: datetime | None = None
    started_time: datetime | None = None
    completed_time: datetime | None = None
    next_scheduled_time: datetime | None = None
    graph_version: int | None = None
    first_error_task: str | None = None
    first_error_code: str | None = None
    first_error_message: str | None = None
    attempt: int | None = None
    # A caveat shown with the run, in the backend's words (e.g. Taipy: "jobs grouped by submit time:
    # Taipy returns no submission id").
    note: str | None = None
    # Why the run exists, in the backend's words (Airflow: scheduled, manual, backfill,
    # asset_triggered), who started it, and the parameters it was started with.
    run_type: str | None = None
    triggered_by: str | None = None
    conf: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = Field(default_factory=dict)

    def duration(self, now: datetime | None = None) -> timedelta | None:
        """Elapsed time: to completion, or to ``now`` while it is still going. A finished run whose end
        the server does not say (Taipy keeps no end time) has no duration, not one that keeps growing."""
        if self.started_time is None:
            return None
        end = self.completed_time or (None if self.state.is_finished else now)
        return None if end is None else end - self.started_time


class TaskRun(_Frozen):
    """One task's run inside a graph run (Airflow task instance, Qlik task run, Taipy job)."""

    task: str
    graph_run: str
    state: RunState
    raw_state: str = ""
    try_number: int | None = None
    started_time: datetime | None = None
    completed_time: datetime | None = None
    log_ref: str | None = None
    map_index: int | None = None  # one index of a dynamically mapped task (Airflow); None when not mapped
    # When a try waiting to retry (RETRYING) will run again, where the backend can say.
    next_retry_time: datetime | None = None

    def duration(self, now: datetime | None = None) -> timedelta | None:
        """How long the try ran: to its end, or to ``now`` while it is still going."""
        if self.started_time is None:
            return None
        end = self.completed_time or (None if self.state.is_finished else now)
        return None if end is None else end - self.started_time

    @property
    def label(self) -> str:
        """The task run as a person names it: ``process[13]`` for a mapped index, else the task's key."""
        return self.log_ref or self.task


class UiLink(_Frozen):
    """A page of the backend's own UI about a graph or a run (Snowsight, the Airflow grid, Qlik's app)."""

    label: str
    url: str


class FileImportError(_Frozen):
    """A graph definition file the scheduler could not load (an Airflow DAG file that does not import):
    none of its graphs exist until it is fixed. Every field is server text."""

    key: str  # the server's id for the error, or the file when it has none
    file: str
    when: datetime | None = None  # when the scheduler last tried to load the file
    stack_trace: str = ""
    bundle: str | None = None  # where the file comes from (Airflow 3's DAG bundle)

    @property
    def last_line(self) -> str:
        """The exception itself (the stack trace's last non-empty line): what went wrong, in one line."""
        lines = [line for line in self.stack_trace.splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


class DataNode(_Frozen):
    """A piece of data between tasks (a Taipy data node): shown on the graph, where tasks read/write it."""

    key: str
    name: str
    last_edit: datetime | None = None
    detail: str | None = None  # e.g. the storage type ("pickle", "csv")


class Graph(_Frozen):
    """A task graph: its root and every task in it, with edges from predecessors."""

    root: str
    tasks: Mapping[str, Task]
    data_nodes: Mapping[str, DataNode] = Field(default_factory=dict)

    def children(self) -> dict[str, list[str]]:
        """Map each task key to its direct dependents, in a stable (name) order."""
        out: dict[str, list[str]] = {key: [] for key in self.tasks}
        for task in self.tasks.values():
            for parent in task.predecessors:
                if parent in out:
                    out[parent].append(task.key)
        for kids in out.values():
            kids.sort(key=lambda k: self.tasks[k].name)
        return out

    def task_count(self, root_is_task: bool = True) -> int:
        """How many tasks the graph has: without its root where the root is the graph itself (an
        Airflow DAG, a Taipy scenario: the backend's ``wording.root_is_task`` says)."""
        return len(self.tasks) - (0 if root_is_task or self.root not in self.tasks else 1)

    def downstream_of(self, keys: Iterable[str]) -> set[str]:
        """Every task reachable from ``keys`` (excluding them)."""
        kids = self.children()
        seen: set[str] = set()
        stack = [k for key in keys for k in kids.get(key, ())]
        while stack:
            key = stack.pop()
            if key not in seen:
                seen.add(key)
                stack.extend(kids.get(key, ()))
        return seen


class Capabilities(_Frozen):
    """What a backend can do; the UI hides or explains the rest."""

    execute: bool = True
    retry_last: bool = True
    suspend_resume: bool = True
    task_runs: bool = False
    logs: bool = False
    scopes: bool = False
    trigger_conf: bool = False  # execute accepts a JSON conf for the run (Airflow)
    # Actions act on the whole graph whichever of its tasks is selected (an Airflow DAG is triggered,
    # cleared, paused as one): the confirmation and the journal then name the graph, not the task.
    acts_on_graph: bool = False
    # Runs of many graphs in one request (Airflow's ``~`` batch reads): see backends/base.py.
    batch_runs: bool = False
    # Cancel one unfinished task run (a Taipy job): see ``CancelBackend`` in backends/base.py.
    cancel: bool = False
    # The task runs of many runs of one graph in a few requests (the grid): ``BatchTaskRunsBackend``.
    batch_task_runs: bool = False
    # The first error's message read from somewhere costly (an Airflow task's log): see
    # ``RunErrorsBackend`` in backends/base.py; callers ask for the runs they show, when they show them.
    run_errors: bool = False
    # Each try of one task run, with its outcome and times: see ``TriesBackend`` in backends/base.py.
    tries: bool = False
    # Graph definition files that failed to load (Airflow's import errors): ``ImportErrorsBackend``.
    import_errors: bool = False
    # Mark a chosen graph run or task run success/failed, clear it, delete a run: ``RunActionsBackend``.
    run_actions: bool = False
    # Why a task did not run or will not run next, as facts read from the server: ``ExplainBackend``.
    explain: bool = False


class LogChunk(_Frozen):
    """A piece of one task run's log (one try), as readable lines.

    ``continuation`` is the opaque token to fetch what comes next (None when there is none);
    ``finished`` says the log is complete (the try is over): stop following.
    """

    lines: tuple[str, ...] = ()
    continuation: str | None = None
    finished: bool = True
    # What the log view says above the lines, in the backend's words (e.g. Taipy REST serves no task
    # output: the lines are the job's stack trace).
    note: str | None = None


class Fact(_Frozen):
    """One thing the server says about why a task did not run, or will not run next (``W``).

    ``text`` is in words a user understands, ``source`` names the request and field it was read from
    (``GET /api/v2/dags/etl · is_paused``). ``blocking``: it stops the task from running (a suspended
    root, a paused DAG, a BLOCKED job). ``known`` is False where the API cannot tell (a Snowflake
    ``WHEN`` condition the REST API cannot evaluate): the text then says what cannot be told, never a
    guess. ``when``: the moment the fact is about (the next scheduled run), shown relative to now
    where the text says ``{when}`` (after the text when it does not).
    Texts may hold server words (names, reasons): shown inert, never as markup."""

    text: str
    source: str
    blocking: bool = False
    known: bool = True
    when: datetime | None = None
    # ``when`` is when something is due (the next run): once past, it reads "overdue", not "ago".
    due: bool = False
