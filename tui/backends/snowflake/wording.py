"""What dagtop says about Snowflake Tasks: its action plans (only a root runs; a child is suspended only
under a suspended root; retryLast re-runs a failed last run), what a root row is called, which Task
fields it has, and the facts a retry dialog names."""

from __future__ import annotations

from collections.abc import Mapping

from tui.action_plan import ActionKind, ActionPlan, PlanFacts, blocked
from tui.backends.base import Backend
from tui.domain import Graph, GraphRun, Task, TaskState

MAX_NAMED = 8  # a retry names this many tasks it re-runs, then says how many more


class SnowflakeWording:
    # Every optional Task field is Snowflake's; a task without a warehouse runs serverless.
    task_fields: Mapping[str, str | None] = {
        "warehouse": "serverless",
        "error_integration": None,
        "suspend_after_failures": None,
        "auto_retry_attempts": None,
        "finalizer_of": None,
        "last_committed_on": None,
        "last_suspended_on": None,
        "condition": None,
        "definition": None,
        # Shown on every task, even empty (as before any backend declared its fields).
        "scope": None,
        "comment": None,
        "config": None,
        "timeout_ms": None,
        "created_on": None,
    }
    state_words: Mapping[TaskState, str] = {}
    absent_columns = frozenset({"tags"})  # every other column is Snowflake's own
    row_noun = "task"
    absent_actions: Mapping[ActionKind, str] = {}
    root_is_task = True  # the root task runs like the others: it counts

    def root_kind(self, graph_size: int) -> str:
        return f"root·{graph_size}" if graph_size > 1 else "single"

    def plan(self, kind: ActionKind, task: Task, location: str, facts: PlanFacts) -> ActionPlan:
        if kind is ActionKind.EXECUTE or kind is ActionKind.RETRY_LAST:
            return _plan_run(kind, task, location, facts)
        if kind is ActionKind.SUSPEND:
            return _plan_suspend(task, location)
        return _plan_resume(task, location)


def _root_name(task: Task) -> str:
    return task.root.rsplit(".", 1)[-1]


def _plan_run(kind: ActionKind, task: Task, location: str, facts: PlanFacts) -> ActionPlan:
    if not task.is_root:
        verb = "executed" if kind is ActionKind.EXECUTE else "retried"
        why = (
            f"Nothing is {verb}: {task.name} is a child task, and only a graph's root (or a standalone "
            f"task) can be executed or retried. Use its root {_root_name(task)} instead (g goes to it)."
        )
        return blocked(kind, task, location, why, instead=task.root)
    if kind is ActionKind.RETRY_LAST:
        return _plan_retry_last(task, location, facts.last_run, facts.graph)
    what = f"Starts a run of the whole graph rooted at {task.qualified_name} now."
    if task.state is TaskState.SUSPENDED:
        what += " The root stays suspended; suspended child tasks are skipped."
    return ActionPlan(kind, task, location, what)


def _plan_suspend(task: Task, location: str) -> ActionPlan:
    name = task.qualified_name
    reason = f"{task.name} is already suspended." if task.state is TaskState.SUSPENDED else None
    if task.is_root:
        what = f"Suspends {name}: no new scheduled runs of its whole graph start. A run in progress finishes."
    else:
        what = (
            f"Suspends the child task {name}: later graph runs skip it and everything downstream of it. "
            f"Snowflake allows this only while the root {_root_name(task)} is suspended."
        )
    return ActionPlan(ActionKind.SUSPEND, task, location, what, reason)


def _plan_resume(task: Task, location: str) -> ActionPlan:
    name = task.qualified_name
    reason = f"{task.name} is already started." if task.state is TaskState.STARTED else None
    if task.is_root:
        schedule = task.schedule.describe() or "none"
        what = f"Resumes {name}: its graph runs again on its schedule ({schedule})."
    else:
        what = (
            f"Resumes the child task {name} so graph runs include it again. "
            f"Snowflake allows this only while the root {_root_name(task)} is suspended."
        )
    return ActionPlan(ActionKind.RESUME, task, location, what, reason)


def _names(keys: set[str], graph: Graph) -> str:
    names = sorted(graph.tasks[k].name for k in keys if k in graph.tasks)
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def _plan_retry_last(task: Task, location: str, run: GraphRun | None, graph: Graph | None) -> ActionPlan:
    """retryLast re-runs the last graph run from its failed or cancelled tasks."""
    kind = ActionKind.RETRY_LAST
    if run is None:
        why = f"Nothing is retried: {task.name}'s graph has no completed run (retryLast needs a failed one)."
        return blocked(kind, task, location, why)
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


async def plan_facts(backend: Backend, kind: ActionKind, task: Task) -> PlanFacts:
    """retryLast acts on the graph's last completed run; the graph says what is downstream of its
    failure. Other actions need nothing beforehand."""
    if kind is not ActionKind.RETRY_LAST or not task.is_root:
        return PlanFacts()
    runs = await backend.completed_runs(task.root, limit=1)
    last = runs[0] if runs else None
    graph = await backend.get_graph(task.root) if last is not None and last.state.is_failure else None
    return PlanFacts(last_run=last, graph=graph)
