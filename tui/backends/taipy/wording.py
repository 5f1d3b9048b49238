"""What dagtop says about Taipy: what a submit will run (a scenario, one of its sequences, or a single
task), what a cancel can and cannot do, and the actions Taipy does not have at all."""

from __future__ import annotations

from collections.abc import Mapping

from tui.action_plan import ActionKind, ActionPlan, PlanFacts, blocked
from tui.domain import Task, TaskState

# A cancel really stops only a job that has not started (REAL_SERVERS.md gotcha 11).
CANCELLABLE = frozenset({"SUBMITTED", "BLOCKED", "PENDING"})
NO_RETRY = (
    "Taipy keeps no failed run to retry: submit the scenario, sequence or task again (execute) to run it "
    "anew."
)


class TaipyWording:
    # None of the Snowflake-only Task fields: an empty one is not shown at all.
    task_fields: Mapping[str, str | None] = {
        "scope": None,
        "comment": None,
        "config": None,
        "timeout_ms": None,
        "created_on": None,
    }
    root_is_task = False  # the root is the scenario, not one of its tasks
    state_words: Mapping[TaskState, str] = {}
    absent_columns = frozenset({"tags", "code"})
    row_noun = "task"
    absent_actions: Mapping[ActionKind, str] = {
        ActionKind.SUSPEND: "Taipy has no suspend: scenarios run only when submitted, never on a "
        "schedule, so there is nothing to pause.",
        ActionKind.RESUME: "Taipy has no resume: nothing is ever suspended (scenarios run only when "
        "submitted).",
        ActionKind.RETRY_LAST: NO_RETRY,
    }

    def root_kind(self, graph_size: int) -> str:
        return "scenario"  # its tasks come with the graph view (a sequence's row is named scenario/name)

    def plan(self, kind: ActionKind, task: Task, location: str, facts: PlanFacts) -> ActionPlan:
        if kind is ActionKind.EXECUTE:
            return ActionPlan(kind, task, location, _submit_consequence(task, facts))
        if kind is ActionKind.CANCEL:
            return _plan_cancel(task, location, facts)
        return blocked(kind, task, location, self.absent_actions[kind])


def _tasks_named(facts: PlanFacts) -> list[str]:
    graph = facts.graph
    if graph is None:
        return []
    return [t.name for t in graph.tasks.values() if not t.is_root]


def _submit_consequence(task: Task, facts: PlanFacts) -> str:
    kind = task.extra.get("kind")
    names = ", ".join(_tasks_named(facts)) or "its tasks"
    if kind == "scenario":
        return f"Submits the scenario {task.name}: all its tasks run, in data-flow order ({names})."
    if kind == "sequence":
        scenario, _, sequence = task.name.rpartition("/")
        return (
            f"Submits the sequence {sequence} of scenario {scenario}: only its tasks run ({names}); the "
            "scenario's other tasks do not."
        )
    scenario = task.extra.get("scenario_name") or task.root
    return (
        f"Submits the single task {task.name} of scenario {scenario}: only this task runs, nothing "
        "upstream of it (if its inputs were never written, the job waits BLOCKED)."
    )


def _plan_cancel(task: Task, location: str, facts: PlanFacts) -> ActionPlan:
    run = facts.task_run
    if run is None:
        return blocked(ActionKind.CANCEL, task, location, f"{task.name} has no unfinished job to cancel.")
    what = f"Cancels the job of {task.name} in run {run.graph_run} ({run.raw_state})"
    if run.raw_state in CANCELLABLE:
        return ActionPlan(
            ActionKind.CANCEL,
            task,
            location,
            what + "; jobs waiting on its outputs are abandoned.",
            task_run=run,
        )
    if run.raw_state == "RUNNING":
        why = (
            f"{task.name} is RUNNING: Taipy cancels only jobs that have not started (SUBMITTED, BLOCKED, "
            "PENDING); it answers 'cancelled' to a running job and lets it finish."
        )
    else:
        why = f"{task.name}'s job is already {run.raw_state or 'finished'}: there is nothing to cancel."
    return ActionPlan(ActionKind.CANCEL, task, location, why, why, task_run=run)
