"""The contract every backend adapter fulfils.

The UI only ever sees domain objects and the typed errors of ``tui.errors``: it never builds a URL or
parses vendor JSON. No Textual here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from tui.action_plan import ActionKind, ActionPlan, ClearOptions, PlanFacts, RunTarget
from tui.domain import (
    Capabilities,
    Fact,
    FileImportError,
    Graph,
    GraphRun,
    LogChunk,
    Task,
    TaskRun,
    TaskState,
    UiLink,
)

# Why a backend without ``capabilities.import_errors`` has none: said by the console's key and by
# ``dagtop get import-errors``.
NO_IMPORT_ERRORS = "its graphs are not loaded from files that can fail to import"


class Wording(Protocol):
    """A backend's own words, so screens and services never ask which backend it is.

    ``task_fields``: the optional Task fields this backend has (shown even when empty), each with what
    an empty value means there (None: "—"); the rest are shown only when a task has them.
    ``root_kind``: what the task list calls a root with ``graph_size`` tasks ("DAG", "root·3", ...).
    ``root_is_task``: whether a graph's root is one of its tasks (Snowflake's root task, Qlik's first
    task of a chain) or the graph itself (an Airflow DAG, a Taipy scenario), which a count of its
    tasks leaves out (``Graph.task_count``).
    ``plan``: what an action will do, or why it will not (pure: ``facts`` were fetched beforehand).
    ``state_words``: how a started or suspended graph reads here (Airflow: "active", "paused"); a
    state without one reads as its own name.
    ``absent_columns``: the list columns (by column id: ``kind``, ``warehouse``, ``scope``, ``tags``,
    ``code``, ``version``, ...) this backend never fills, declared so a column never comes and goes
    with the data.
    ``row_noun``: what a row of the task list is ("task"; "DAG" where the list holds graphs only)."""

    task_fields: Mapping[str, str | None]
    state_words: Mapping[TaskState, str]
    absent_columns: frozenset[str]
    row_noun: str
    # Actions this backend does not have at all, each with why (help says it; the keys are absent).
    absent_actions: Mapping[ActionKind, str]
    root_is_task: bool

    def root_kind(self, graph_size: int) -> str: ...

    def plan(self, kind: ActionKind, task: Task, location: str, facts: PlanFacts) -> ActionPlan: ...


@runtime_checkable
class Backend(Protocol):
    """One connection to one scheduler, scoped (for Snowflake) to a database.schema."""

    kind: str
    capabilities: Capabilities
    wording: Wording

    @property
    def location(self) -> str:
        """Where this points, for headers and confirmations (URL or account, and scope)."""
        ...

    @property
    def request_rate(self) -> float | None:
        """The request budget the HTTP client keeps, in requests per second (``None``: unlimited)."""
        ...

    async def list_tasks(self) -> list[Task]: ...

    async def get_task(self, key: str) -> Task: ...

    async def get_graph(self, root: str) -> Graph: ...

    async def current_runs(self, root: str, limit: int = 100) -> list[GraphRun]: ...

    async def completed_runs(
        self, root: str, limit: int = 100, errors_only: bool = False
    ) -> list[GraphRun]: ...

    async def execute(self, key: str, retry_last: bool = False) -> str: ...

    async def suspend(self, key: str) -> str: ...

    async def resume(self, key: str) -> str: ...

    async def list_scopes(self) -> list[str]: ...

    async def plan_facts(self, kind: ActionKind, task: Task) -> PlanFacts:
        """What ``wording.plan`` needs to say about ``kind`` on ``task`` (a retry: its run and what
        it re-runs), fetched from the server; nothing is changed."""
        ...

    def ui_links(self, graph: Task, run: GraphRun | None = None) -> list[UiLink]:
        """Pages of the backend's own UI about ``graph`` (and ``run``), for a handoff; none when unknown."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class TaskRunBackend(Backend, Protocol):
    """Optional extras of a backend, present ONLY when its capabilities say so.

    ``capabilities.task_runs``: ``task_runs`` and ``retry_preview``; ``capabilities.logs``: ``run_log``;
    ``capabilities.trigger_conf``: ``trigger``. Callers check the capability flag, never ``hasattr``, then
    see the backend as this protocol (``typing.cast``).
    """

    async def trigger(self, root: str, conf: dict[str, Any] | None = None) -> GraphRun:
        """Start a run of graph ``root`` with ``conf`` (a JSON object) as its parameters."""
        ...

    async def task_runs(self, root: str, run_id: str) -> list[TaskRun]:
        """Every task's run inside graph run ``run_id`` of graph ``root``, in task order."""
        ...

    async def run_log(
        self, root: str, run_id: str, task: str, try_number: int, continuation: str | None = None
    ) -> LogChunk:
        """The log of one try of ``task`` (a task key) in a run; pass the chunk's ``continuation`` back
        to get what follows (for a running try) until ``finished``."""
        ...

    async def retry_preview(self, root: str) -> list[str]:
        """The task keys a retry of ``root``'s latest failed run would clear (nothing is changed)."""
        ...


@runtime_checkable
class ScopedBackend(Backend, Protocol):
    """A backend whose capabilities say ``scopes``: it looks at one of several scopes (DB.SCHEMA)."""

    @property
    def scope(self) -> str: ...

    def with_scope(self, scope: str) -> ScopedBackend:
        """A backend for another scope, sharing this one's connection."""
        ...


@runtime_checkable
class BatchRunsBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.batch_runs``: many graphs' runs in a few requests."""

    async def latest_runs(
        self, roots: Sequence[str], *, with_current: bool = True
    ) -> dict[str, tuple[GraphRun | None, list[GraphRun]]]:
        """For each root: its latest completed run (first error named) and, with ``with_current``,
        its executing and next scheduled runs, as ``completed_runs``/``current_runs`` would say."""
        ...


@runtime_checkable
class CancelBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.cancel``: stop one unfinished task run (a Taipy job)."""

    async def cancel(self, root: str, run_id: str, task: str) -> str:
        """Cancel ``task``'s run inside graph run ``run_id`` of ``root``, then re-read it and say what
        really happened. Raises ``ConflictError`` when the server accepted the cancel but the run went
        on (Taipy answers 200 for a RUNNING job and lets it finish): the message says so."""
        ...


@runtime_checkable
class BatchTaskRunsBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.batch_task_runs``: the task runs of many runs of one graph in a
    few requests (Airflow's taskInstances/list batch POST), so a grid of 25 runs is not 25 requests."""

    async def task_runs_of(self, root: str, run_ids: Sequence[str]) -> dict[str, list[TaskRun]]:
        """For each of ``run_ids`` of graph ``root``: its task runs, as ``task_runs`` would say."""
        ...


@runtime_checkable
class RunErrorsBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.run_errors``: a failed run's error read where it costs a request
    per run (Airflow: the failed task's log). Ask for the runs on screen only; answers are cached."""

    async def with_errors(self, root: str, runs: Sequence[GraphRun]) -> list[GraphRun]:
        """``runs`` with each failed run's first error message led by the exception its first failed
        task died of (when its log says); the other runs as they were."""
        ...


@runtime_checkable
class TriesBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.tries``: every try of one task run (Airflow task-instance tries)."""

    async def task_tries(self, root: str, run_id: str, task: str) -> list[TaskRun]:
        """Each try of ``task`` (a task key, or a ``TaskRun.label`` such as ``process[3]``) in graph run
        ``run_id``, oldest first: its outcome, start, end and, for one waiting to retry, when it runs
        again (``next_retry_time``) where the backend can say."""
        ...


@runtime_checkable
class ImportErrorsBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.import_errors``: graph files the scheduler failed to load."""

    async def import_errors(self) -> list[FileImportError]:
        """Every file that does not load now, newest attempt first, with its stack trace."""
        ...


@runtime_checkable
class RunActionsBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.run_actions``: mark a chosen graph run or task run success or
    failed, clear it (with what is down/upstream), delete a graph run (Airflow's DAG run actions)."""

    async def get_run(self, root: str, run_id: str) -> GraphRun:
        """One graph run of ``root`` by its id (``NotFoundError`` when the server has none)."""
        ...

    async def task_runs(self, root: str, run_id: str) -> list[TaskRun]: ...

    async def preview_run_action(
        self, kind: ActionKind, target: RunTarget, options: ClearOptions | None = None
    ) -> list[str] | None:
        """The task keys ``kind`` would change on ``target``, from the server's own dry run (nothing is
        changed); None where the server cannot say beforehand."""
        ...

    async def run_action(
        self, kind: ActionKind, target: RunTarget, options: ClearOptions | None = None
    ) -> str:
        """Send ``kind`` to ``target`` once, re-read, and say what the server shows now; a re-read that
        contradicts the request raises ``ConflictError``."""
        ...


@runtime_checkable
class ExplainBackend(Backend, Protocol):
    """Present ONLY when ``capabilities.explain``: why a task did not run or will not run next."""

    async def why_not_running(self, task: Task) -> list[Fact]:
        """Facts read from the server now about ``task`` (a task or a graph's root): what stops it
        (blocking), what the API cannot tell (``known=False``) and when it runs next where the server
        says. Nothing is changed; nothing is guessed."""
        ...
