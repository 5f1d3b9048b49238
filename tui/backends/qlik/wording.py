"""What dagtop says about Qlik Cloud: its action plans (start a task; disable/enable it, which makes the
caller its owner), what a chain's first task is called, which Task fields it has, and why cancel is
missing."""

from __future__ import annotations

from collections.abc import Mapping

from tui.action_plan import ActionKind, ActionPlan, PlanFacts, blocked
from tui.domain import Task, TaskState
from tui.plural import plural

# Qlik (NOTES 3b): "updating a task transfers its ownership to the caller"; PUT is the only way to
# enable or disable a task in v1, and the scheduling API's PATCH does the same.
OWNERSHIP = (
    "Qlik transfers ownership of the task to you (the user of this API key): from now on it runs as you, "
    "with your access to its app and data, and its previous owner no longer owns it."
)


class QlikWording:
    root_is_task = True  # a chain starts at a real task
    task_fields: Mapping[str, str | None] = {
        "condition": "started on its schedule or by hand",
        "definition": None,
        "last_committed_on": None,
        # Shown on every task, even empty (as before any backend declared its fields).
        "scope": None,
        "comment": None,
        "config": None,
        "timeout_ms": None,
        "created_on": None,
    }
    state_words: Mapping[TaskState, str] = {}
    absent_columns = frozenset({"tags", "code"})
    row_noun = "task"
    absent_actions: Mapping[ActionKind, str] = {
        ActionKind.CANCEL: (
            "Qlik Cloud cannot cancel or stop a task run: neither the Tasks API (v1) nor the scheduling "
            "API has such an endpoint."
        ),
        ActionKind.RETRY_LAST: "Qlik Cloud has no retry of a failed run: start the task again (x).",
    }

    def root_kind(self, graph_size: int) -> str:
        return f"chain·{graph_size}" if graph_size > 1 else "task"

    def plan(self, kind: ActionKind, task: Task, location: str, facts: PlanFacts) -> ActionPlan:
        if kind is ActionKind.EXECUTE:
            what = f"Starts the task {task.name} now (source=manual)."
            after = facts.graph.downstream_of([task.key]) if facts.graph is not None else set()
            if after:
                what += f" The {plural(len(after), 'task')} chained after it run as their events fire."
            if task.state is TaskState.SUSPENDED:
                what += " It is disabled: Qlik may refuse to start it."
            return ActionPlan(kind, task, location, what)
        if kind in self.absent_actions:
            return blocked(kind, task, location, self.absent_actions[kind])
        if kind is ActionKind.SUSPEND:
            if task.state is TaskState.SUSPENDED:
                return blocked(kind, task, location, f"{task.name} is already disabled.")
            what = (
                f"Disables the task {task.name} (PUT with enabled=false): Qlik no longer starts it on its "
                f"schedule or its events, so the tasks chained after it stop running too. {OWNERSHIP}"
            )
            return ActionPlan(kind, task, location, what)
        if task.state is TaskState.STARTED:
            return blocked(kind, task, location, f"{task.name} is already enabled.")
        reason = f" (disabled: {task.state_reason})" if task.state_reason else ""
        what = (
            f"Enables the task {task.name}{reason} (PUT with enabled=true): Qlik starts it again on its "
            f"schedule or its events. {OWNERSHIP}"
        )
        return ActionPlan(kind, task, location, what)
