"""What an action on a task will do, said before it is done, and how it is carried out and journaled.

The plan is pure (no I/O): the confirmation shows its words; a plan that cannot run says why.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.backends.base import Backend
from tui.domain import Capabilities, Graph, GraphRun, Task, TaskState
from tui.errors import ActionOutcomeUnknown, BackendError, describe_error
from tui.services.journal import ActionJournal, action_steps


class ActionKind(enum.StrEnum):
    EXECUTE = "execute"
    RETRY_LAST = "retry-last"
    SUSPEND = "suspend"
    RESUME = "resume"


@dataclass(frozen=True)
class ActionPlan:
    kind: ActionKind
    task: Task
    location: str
    consequence: str
    blocked_reason: str | None = None
    # The task to use instead (a child's root), which the dialog offers to jump to.
    instead: str | None = None
    # The graph run a retry acts on (its id, when it failed, which task failed), when known.
    run: GraphRun | None = None

    @property
    def title(self) -> str:
        return {
            ActionKind.EXECUTE: "Execute",
            ActionKind.RETRY_LAST: "Retry last failed run of",
            ActionKind.SUSPEND: "Suspend",
            ActionKind.RESUME: "Resume",
        }[self.kind]


MAX_NAMED = 8  # a retry names this many tasks it re-runs, then says how many more


def plan_action(
    kind: ActionKind,
    task: Task,
    location: str,
    capabilities: Capabilities,
    *,
    backend: str = "snowflake",
    preview: list[str] | None = None,
    last_run: GraphRun | None = None,
    graph: Graph | None = None,
) -> ActionPlan:
    """Describe ``kind`` on ``task``: what happens, or what will not and why.

    ``preview`` lists what a retry would re-run, where the backend can say beforehand (Airflow's
    dry-run clear). ``last_run`` is the run a retry acts on (Snowflake: the graph's last completed
    run; Airflow: its latest failed run) and ``graph`` its graph, to say what is downstream."""
    if backend == "airflow":
        return _plan_airflow(kind, task, location, preview, last_run)
    name = task.qualified_name
    root = task.root.rsplit(".", 1)[-1]
    if kind in (ActionKind.EXECUTE, ActionKind.RETRY_LAST):
        if not capabilities.execute or (kind is ActionKind.RETRY_LAST and not capabilities.retry_last):
            return _blocked(kind, task, location, "This backend cannot do that.")
        if not task.is_root:
            verb = "executed" if kind is ActionKind.EXECUTE else "retried"
            why = (
                f"Nothing is {verb}: {task.name} is a child task, and only a graph's root (or a standalone "
                f"task) can be executed or retried. Use its root {root} instead (g goes to it)."
            )
            return _blocked(kind, task, location, why, instead=task.root)
        if kind is ActionKind.EXECUTE:
            what = f"Starts a run of the whole graph rooted at {name} now."
            if task.state is TaskState.SUSPENDED:
                what += " The root stays suspended; suspended child tasks are skipped."
            return ActionPlan(kind, task, location, what)
        return _plan_retry_last(task, location, last_run, graph)
    blocked: str | None = None
    if kind is ActionKind.SUSPEND:
        if not capabilities.suspend_resume:
            blocked = "This backend cannot suspend tasks."
        elif task.state is TaskState.SUSPENDED:
            blocked = f"{task.name} is already suspended."
        if task.is_root:
            what = f"Suspends {name}: no new scheduled runs of its whole graph start. "
            what += "A run in progress finishes."
        else:
            what = (
                f"Suspends the child task {name}: later graph runs skip it and everything downstream of it. "
                f"Snowflake allows this only while the root {root} is suspended."
            )
    else:
        if not capabilities.suspend_resume:
            blocked = "This backend cannot resume tasks."
        elif task.state is TaskState.STARTED:
            blocked = f"{task.name} is already started."
        if task.is_root:
            schedule = task.schedule.describe() or "none"
            what = f"Resumes {name}: its graph runs again on its schedule ({schedule})."
        else:
            what = (
                f"Resumes the child task {name} so graph runs include it again. "
                f"Snowflake allows this only while the root {root} is suspended."
            )
    return ActionPlan(kind, task, location, what, blocked)


def _blocked(kind: ActionKind, task: Task, location: str, why: str, instead: str | None = None) -> ActionPlan:
    """A plan that cannot run: one message, said once (as the consequence and as the reason)."""
    return ActionPlan(kind, task, location, why, why, instead=instead)


def _names(keys: set[str], graph: Graph) -> str:
    names = sorted(graph.tasks[k].name for k in keys if k in graph.tasks)
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def _plan_retry_last(task: Task, location: str, run: GraphRun | None, graph: Graph | None) -> ActionPlan:
    """Snowflake's retryLast re-runs the last graph run from its failed or cancelled tasks."""
    kind = ActionKind.RETRY_LAST
    if run is None:
        why = f"Nothing is retried: {task.name}'s graph has no completed run (retryLast needs a failed one)."
        return _blocked(kind, task, location, why)
    if not run.state.is_failure:
        why = (
            f"Nothing is retried: the last run of {task.name} (run {run.run_id}) is "
            f"{run.raw_state or run.state}, and retryLast only retries a last run"
            " that FAILED or was CANCELLED."
        )
        return ActionPlan(kind, task, location, why, why, run=run)
    what = (
        f"Starts a new run of {task.name}'s graph from the tasks that failed or were cancelled in run "
        f"{run.run_id}"
    )
    if run.first_error_task:
        first = run.first_error_task  # a bare task name
        what += f" (the first to fail: {first})"
        if graph is not None:
            failed_key = next((k for k, t in graph.tasks.items() if t.name == first), None)
            downstream = graph.downstream_of([failed_key]) if failed_key else set()
            if downstream:
                what += f", and what depends on them ({_names(downstream, graph)})"
    what += ". Tasks that succeeded are not run again."
    return ActionPlan(kind, task, location, what, run=run)


def _plan_airflow(
    kind: ActionKind, task: Task, location: str, preview: list[str] | None, last_run: GraphRun | None
) -> ActionPlan:
    dag = task.root.split("/", 1)[0]
    blocked: str | None = None
    if kind is ActionKind.EXECUTE:
        what = f"Triggers a new run of the DAG {dag} now."
        if task.state is TaskState.SUSPENDED:
            what += " The DAG is paused: the run stays queued until it is unpaused."
        if not task.is_root:
            what = f"{task.name} is a task of {dag}: this triggers a run of the whole DAG {dag}."
    elif kind is ActionKind.RETRY_LAST:
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
        if preview is not None and not preview:
            blocked = f"Nothing is cleared: {run} of {dag} has no failed task instance to clear."
        return ActionPlan(kind, task, location, what, blocked, run=last_run)
    elif kind is ActionKind.SUSPEND:
        what = f"Pauses the DAG {dag}: no new runs are scheduled; running task instances finish."
        if task.state is TaskState.SUSPENDED:
            blocked = f"{dag} is already paused."
    else:
        schedule = task.schedule.describe() or "none"
        what = f"Unpauses the DAG {dag}: it runs again on its schedule ({schedule})."
        if task.state is TaskState.STARTED:
            blocked = f"{dag} is not paused."
    return ActionPlan(kind, task, location, what, blocked)


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str
    outcome_unknown: bool = False
    sent: bool = True  # False: refused before anything left the machine (the journal cannot be written)


async def plan_for(
    kind: ActionKind, task: Task, backend: Backend, location: str, backend_name: str
) -> ActionPlan:
    """``plan_action`` with what only the backend can say beforehand (what a retry would re-run)."""
    preview: list[str] | None = None
    if kind is ActionKind.RETRY_LAST and backend.capabilities.task_runs:
        preview = await backend.retry_preview(task.root)  # type: ignore[attr-defined]
    return plan_action(kind, task, location, backend.capabilities, backend=backend_name, preview=preview)


async def carry_out(
    plan: ActionPlan,
    backend: Backend,
    *,
    journal: ActionJournal | None,
    profile: str,
    clock: Callable[[], datetime],
    conf: dict[str, Any] | None = None,
) -> ActionResult:
    """Send the action once, journal it before and after, and say what the server said.

    The one way an action is performed, from the console and from ``dagtop exec/suspend/resume``: the
    journal names the target by the task's key, the same fully-qualified form from both."""
    target = plan.task.key
    step = action_steps(
        journal, profile=profile, location=plan.location, target=target, action=plan.kind.value, clock=clock
    )
    try:
        step("sent")
    except OSError as exc:
        # No trace, no action: an action that cannot be journaled is not sent.
        reason = f"not sent: the action journal cannot be written ({exc.strerror or exc})"
        return ActionResult(False, reason, sent=False)
    try:
        if plan.kind is ActionKind.EXECUTE and conf and backend.capabilities.trigger_conf:
            run = await backend.trigger(target, conf=conf)  # type: ignore[attr-defined]
            message = f"triggered run {run.run_id} with conf {json.dumps(conf, ensure_ascii=True)}"
        elif plan.kind is ActionKind.EXECUTE:
            message = await backend.execute(target)
        elif plan.kind is ActionKind.RETRY_LAST:
            message = await backend.execute(target, retry_last=True)
        elif plan.kind is ActionKind.SUSPEND:
            message = await backend.suspend(target)
        else:
            message = await backend.resume(target)
        result = ActionResult(True, message or "done")
    except ActionOutcomeUnknown as exc:
        result = ActionResult(False, exc.describe(), outcome_unknown=True)
    except BackendError as exc:
        result = ActionResult(False, exc.describe())
    except Exception as exc:  # e.g. a token command that fails: the request may or may not have gone out
        words = f"{describe_error(exc)}; the action may or may not have happened"
        result = ActionResult(False, words, outcome_unknown=True)
    try:
        step("ok" if result.ok else ("unknown" if result.outcome_unknown else "failed"), result.message)
    except OSError as exc:
        note = f" (its outcome could not be journaled: {exc.strerror or exc})"
        return ActionResult(result.ok, result.message + note, result.outcome_unknown)
    return result
