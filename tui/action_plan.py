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
    # The task run a cancel acts on.
    task_run: TaskRun | None = None

    @property
    def title(self) -> str:
        return {
            ActionKind.EXECUTE: "Execute",
            ActionKind.RETRY_LAST: "Retry last failed run of",
            ActionKind.SUSPEND: "Suspend",
            ActionKind.RESUME: "Resume",
            ActionKind.CANCEL: "Cancel",
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
