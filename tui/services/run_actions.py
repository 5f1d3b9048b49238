"""Plans for the actions on one chosen graph run or task run (mark success/failed, clear, delete a run).

Console and CLI plan them here and carry them out with ``carry_out`` (tui/services/actions.py): the plan
names the exact target, says what the server's dry run would change, and blocks what cannot work.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from tui.action_plan import RUN_ACTIONS, ActionKind, ActionPlan, ClearOptions, RunTarget, blocked
from tui.backends.base import Backend, RunActionsBackend
from tui.domain import Task

_STATES = {ActionKind.MARK_SUCCESS: "success", ActionKind.MARK_FAILED: "failed"}


def run_action_absent(kind: ActionKind, backend: Backend) -> str | None:
    """Why this backend has no ``kind`` on a chosen run (None: it has it, or ``kind`` is another action)."""
    if kind not in RUN_ACTIONS or backend.capabilities.run_actions:
        return None
    return NO_RUN_ACTIONS


# One reason for the four, so help says it once.
NO_RUN_ACTIONS = "No mark, clear or delete of a chosen run here."


async def plan_run_action(
    kind: ActionKind,
    task: Task,
    target: RunTarget,
    backend: Backend,
    location: str | None = None,
    options: ClearOptions | None = None,
) -> ActionPlan:
    """``kind`` on ``target``, with what the server's dry run says it would change."""
    location = location or backend.location
    absent = run_action_absent(kind, backend)
    if absent is not None:
        return blocked(kind, task, location, absent)
    if kind is ActionKind.CLEAR:
        options = options or ClearOptions()
    why = _already(kind, target)
    if why is not None:
        return replace(blocked(kind, task, location, why), target=target)
    preview = await cast(RunActionsBackend, backend).preview_run_action(kind, target, options)
    affected = None if preview is None else tuple(preview)
    plan = ActionPlan(kind, task, location, "", target=target, affected=affected, clear=options)
    return reword(plan)


def reword(plan: ActionPlan) -> ActionPlan:
    """The plan's consequence for its target, options and dry-run list (again after an option changes)."""
    target = plan.target
    assert target is not None
    where = f"{target.label} of {target.run.graph}"
    if plan.kind is ActionKind.DELETE_RUN:
        what = (
            f"Deletes run {target.run.run_id} of {target.run.graph} and its task runs from the server. "
            "This cannot be undone."
        )
    elif plan.kind is ActionKind.CLEAR:
        options = plan.clear or ClearOptions()
        what = f"Clears {where} so the scheduler runs it again ({options.words()}); the run is queued again."
    else:
        what = f"Marks {where} {_STATES[plan.kind]}."
    if plan.affected is not None:
        names = ", ".join(key.split("/", 1)[-1] for key in plan.affected) or "nothing"
        what += f" Would change: {names}."
    return replace(plan, consequence=what)


def _already(kind: ActionKind, target: RunTarget) -> str | None:
    """A mark to the state its target is in already changes nothing: say so instead of sending it."""
    state = _STATES.get(kind)
    if state is None:
        return None
    now = target.task_run.raw_state if target.task_run is not None else target.run.raw_state
    if now == state:
        return f"{target.label} is already {state}."
    return None
