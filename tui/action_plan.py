"""What an action on a task will do, as data: the kinds of action and the plan a confirmation shows.

On the bottom floor so each backend can word its own plans (``tui/backends/<name>/wording.py``) and the
service, the console and the CLI all read the same plan. No I/O, no Textual.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tui.domain import Graph, GraphRun, Task, TaskRun


class ActionKind(enum.StrEnum):
    EXECUTE = "execute"
    RETRY_LAST = "retry-last"
    SUSPEND = "suspend"
    RESUME = "resume"
    CANCEL = "cancel"  # one unfinished task run (a Taipy job); capabilities.cancel
    # On one chosen graph run, or one task run in it (capabilities.run_actions; RunActionsBackend).
    MARK_SUCCESS = "mark-success"
    MARK_FAILED = "mark-failed"
    CLEAR = "clear"
    DELETE_RUN = "delete-run"


# The actions on a chosen run or task run (run detail, grid): they name a RunTarget, never a guess.
RUN_ACTIONS = frozenset(
    {ActionKind.MARK_SUCCESS, ActionKind.MARK_FAILED, ActionKind.CLEAR, ActionKind.DELETE_RUN}
)


@dataclass(frozen=True)
class ClearOptions:
    """What a clear takes besides its target (Airflow's clearTaskInstances flags)."""

    downstream: bool = True
    upstream: bool = False
    only_failed: bool = False

    def words(self) -> str:
        parts = [
            f"downstream {'on' if self.downstream else 'off'}",
            f"upstream {'on' if self.upstream else 'off'}",
            "only failed" if self.only_failed else "any state",
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class RunTarget:
    """The graph run an action acts on and, for a task run's action, which one (else the whole run)."""

    run: GraphRun
    task_run: TaskRun | None = None

    @property
    def label(self) -> str:
        """``run <id>`` or ``<task run label> in run <id>``: the journal's and the dialog's words."""
        if self.task_run is None:
            return f"run {self.run.run_id}"
        return f"{self.task_run.label} in run {self.run.run_id}"


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
    # The task run a cancel (or a run action) acts on.
    task_run: TaskRun | None = None
    # A run action's target, what it would change beforehand (the server's dry run: task keys, None
    # where the server cannot say) and a clear's options.
    target: RunTarget | None = None
    affected: tuple[str, ...] | None = None
    clear: ClearOptions | None = None

    @property
    def typed_word(self) -> str:
        """What a production profile types to confirm: the run id for a delete, else the task's name."""
        if self.kind is ActionKind.DELETE_RUN and self.target is not None:
            return self.target.run.run_id
        return self.task.name

    @property
    def title(self) -> str:
        return {
            ActionKind.EXECUTE: "Execute",
            ActionKind.RETRY_LAST: "Retry last failed run of",
            ActionKind.SUSPEND: "Suspend",
            ActionKind.RESUME: "Resume",
            ActionKind.CANCEL: "Cancel",
            ActionKind.MARK_SUCCESS: "Mark success:",
            ActionKind.MARK_FAILED: "Mark failed:",
            ActionKind.CLEAR: "Clear",
            ActionKind.DELETE_RUN: "Delete run of",
        }[self.kind]


@dataclass(frozen=True)
class PlanFacts:
    """What only the server can say before an action, fetched by the backend for its own wording.

    ``last_run``: the run a retry acts on; ``preview``: the task keys a retry would re-run, where the
    backend can say beforehand; ``graph``: the task's graph, to say what is downstream."""

    last_run: GraphRun | None = None
    preview: list[str] | None = None
    graph: Graph | None = None
    # The task run a cancel acts on (chosen by the user on the run detail screen).
    task_run: TaskRun | None = None


def blocked(kind: ActionKind, task: Task, location: str, why: str, instead: str | None = None) -> ActionPlan:
    """A plan that cannot run: one message, said once (as the consequence and as the reason)."""
    return ActionPlan(kind, task, location, why, why, instead=instead)
