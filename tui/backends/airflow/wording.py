"""What dagtop says about Airflow: its action plans (DAGs are triggered, cleared, paused as one), what a
root row is called, which Task fields it has, and the facts a retry dialog names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.action_plan import ActionKind, ActionPlan, PlanFacts
from tui.domain import GraphRun, Task, TaskState

if TYPE_CHECKING:
    from tui.backends.airflow.adapter import AirflowBackend


class AirflowWording:
    # None of Snowflake's Task fields: an empty one is not shown at all. A task's operator, retries,
    # pool and trigger rule are shown because every task has them (a DAG has none of them).
    task_fields: Mapping[str, str | None] = {}
    absent_actions: Mapping[ActionKind, str] = {}
    root_is_task = False  # the root is the DAG: `fanout 152 tasks`, not 153
    # The pause flag as the Airflow UI says it; a task has none of its own (TaskState.NONE).
    state_words: Mapping[TaskState, str] = {TaskState.STARTED: "active", TaskState.SUSPENDED: "paused"}
    # Every row is a DAG (KIND says nothing, `get tasks` has no ROOT to name); no warehouses, scopes,
    # error codes or graph versions.
    absent_columns = frozenset({"kind", "root", "warehouse", "scope", "code", "version"})
    row_noun = "DAG"  # the list holds DAGs; their tasks come with the graph

    def root_kind(self, graph_size: int) -> str:
        return "DAG"  # its tasks come with the graph view, not with the list

    def plan(self, kind: ActionKind, task: Task, location: str, facts: PlanFacts) -> ActionPlan:
        dag = task.root.split("/", 1)[0]
        if kind is ActionKind.RETRY_LAST:
            return _plan_clear(task, location, dag, facts.preview, facts.last_run)
        blocked: str | None = None
        if kind is ActionKind.EXECUTE:
            what = f"Triggers a new run of the DAG {dag} now."
            if task.state is TaskState.SUSPENDED:
                what += " The DAG is paused: the run stays queued until it is unpaused."
            if not task.is_root:
                what = f"{task.name} is a task of {dag}: this triggers a run of the whole DAG {dag}."
        elif kind is ActionKind.SUSPEND:
            what = f"Pauses the DAG {dag}: no new runs are scheduled; running task instances finish."
            if task.state is TaskState.SUSPENDED:
                blocked = f"{dag} is already paused."
        else:
            schedule = task.schedule.describe()
            what = f"Unpauses the DAG {dag}: it runs again on its schedule ({schedule})."
            if not schedule:  # `schedule=None`: only a trigger (by hand, the API, an asset) starts it
                what = f"Unpauses the DAG {dag}: it has no schedule, so it runs when triggered."
            if task.state is TaskState.STARTED:
                blocked = f"{dag} is not paused."
        return ActionPlan(kind, task, location, what, blocked)


def _plan_clear(
    task: Task, location: str, dag: str, preview: list[str] | None, last_run: GraphRun | None
) -> ActionPlan:
    """A retry clears the failed task instances of the latest failed run (and what waits on them)."""
    names = ", ".join(key.split("/", 1)[-1] for key in preview or []) or "none"
    if last_run is not None and last_run.first_error_task:  # a task key: say its bare name
        last_run = last_run.model_copy(
            update={"first_error_task": last_run.first_error_task.split("/", 1)[-1]}
        )
    run = f"run {last_run.run_id}" if last_run else "the latest failed run"
    what = (
        f"Clears the failed task instances of {run} of {dag} so the scheduler runs them "
        f"(and what depends on them) again. Would clear: {names}."
    )
    blocked = None
    if preview is not None and not preview:
        blocked = f"Nothing is cleared: {run} of {dag} has no failed task instance to clear."
    return ActionPlan(ActionKind.RETRY_LAST, task, location, what, blocked, run=last_run)


async def plan_facts(backend: AirflowBackend, kind: ActionKind, task: Task) -> PlanFacts:
    """A retry names the latest failed run, the task instance that failed first, and a dry run of
    the clear; other actions need nothing beforehand."""
    if kind is not ActionKind.RETRY_LAST or not task.is_root:
        return PlanFacts()
    failed = await backend.completed_runs(task.root, limit=1, errors_only=True)
    preview = await backend.retry_preview(task.root)
    run = failed[0] if failed else None
    if run is not None and run.first_error_task is None:  # name the task instance that failed first
        instances = await backend.task_runs(task.root, run.run_id)
        never = datetime.max.replace(tzinfo=UTC)
        bad = sorted(
            (ti for ti in instances if ti.state.is_failure),
            key=lambda ti: ti.completed_time or ti.started_time or never,
        )
        if bad:
            run = run.model_copy(update={"first_error_task": bad[0].task})
    return PlanFacts(last_run=run, preview=preview)
