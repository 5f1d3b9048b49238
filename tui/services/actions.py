"""What an action on a task will do, said before it is done, and how it is carried out and journaled.

``plan_for`` asks the server what a plan needs (the run a retry acts on), then the backend words it:
the confirmation (console or CLI) shows those words; a plan that cannot run says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from tui.action_plan import RUN_ACTIONS, ActionKind, ActionPlan, PlanFacts, blocked
from tui.backends.base import Backend, CancelBackend, RunActionsBackend, TaskRunBackend
from tui.domain import Capabilities, Task, TaskRun
from tui.errors import ActionOutcomeUnknown, BackendError, ConflictError, NotFoundError, describe_error
from tui.services.journal import ActionJournal, action_steps

__all__ = ["ActionKind", "ActionPlan", "ActionResult", "carry_out", "plan_action", "plan_for"]


def unsupported(kind: ActionKind, capabilities: Capabilities, absent: str | None = None) -> str | None:
    """Why this backend cannot do ``kind`` at all, or None when it can. ``absent``: the backend's own
    words for an action it does not have (``wording.absent_actions``), said instead of ours."""
    if absent:
        return absent
    if kind is ActionKind.CANCEL:
        return None if capabilities.cancel else "This backend cannot cancel a run."
    if kind is ActionKind.SUSPEND or kind is ActionKind.RESUME:
        return None if capabilities.suspend_resume else f"This backend cannot {kind.value} tasks."
    if not capabilities.execute or (kind is ActionKind.RETRY_LAST and not capabilities.retry_last):
        return "This backend cannot do that."
    return None


def plan_action(
    kind: ActionKind, task: Task, location: str, backend: Backend, facts: PlanFacts | None = None
) -> ActionPlan:
    """Describe ``kind`` on ``task``: what happens, or what will not and why, in the backend's own words.

    Pure: ``facts`` (the run a retry acts on, what it re-runs) come from ``backend.plan_facts``."""
    reason = unsupported(kind, backend.capabilities, backend.wording.absent_actions.get(kind))
    if reason is not None:
        return blocked(kind, task, location, reason)
    facts = facts or PlanFacts()
    if kind is ActionKind.CANCEL:
        why = _cannot_cancel(task, facts.task_run)
        if why is not None:
            return blocked(kind, task, location, why)
        plan = backend.wording.plan(kind, task, location, facts)
        # The plan names what it cancels, whatever the wording filled in.
        return plan if plan.task_run is not None else replace(plan, task_run=facts.task_run)
    return backend.wording.plan(kind, task, location, facts)


def _cannot_cancel(task: Task, task_run: TaskRun | None) -> str | None:
    """A cancel acts on one named, unfinished task run."""
    if task_run is None:
        return f"{task.name} has no unfinished run to cancel."
    if task_run.state.is_finished:
        word = task_run.raw_state or task_run.state.value
        return f"{task_run.label} is already finished ({word}): there is nothing to cancel."
    return None


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str
    outcome_unknown: bool = False
    sent: bool = True  # False: refused before anything left the machine (the journal cannot be written)


async def plan_for(
    kind: ActionKind,
    task: Task,
    backend: Backend,
    location: str | None = None,
    task_run: TaskRun | None = None,
) -> ActionPlan:
    """The one way to plan an action, in the console and in ``dagtop exec/suspend/resume``.

    A backend that acts on whole graphs (Airflow) names the graph, not the selected task; a retry
    names the run it acts on and what it re-runs, fetched from the server beforehand; a cancel names
    the task run the user chose (``task_run``), else the one the backend finds unfinished (the CLI)."""
    location = location or backend.location
    absent = backend.wording.absent_actions.get(kind)
    if unsupported(kind, backend.capabilities, absent) is not None:
        return plan_action(kind, task, location, backend)  # says why, without asking the server
    if kind is ActionKind.CANCEL:  # one task run: never widened to its graph
        facts = await backend.plan_facts(kind, task)  # the task's unfinished run, for `dagtop cancel`
        if task_run is not None:  # the one the user chose on screen wins
            facts = replace(facts, task_run=task_run)
        return plan_action(kind, task, location, backend, facts)
    if backend.capabilities.acts_on_graph and not task.is_root:
        task = await backend.get_task(task.root)  # the target is the graph: name it
    return plan_action(kind, task, location, backend, await backend.plan_facts(kind, task))


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
    if plan.kind is ActionKind.CANCEL and plan.task_run is not None:  # the journal names the task run
        target = f"{target} in run {plan.task_run.graph_run}"
    if plan.target is not None:  # a run action: the graph, then the run or task run chosen
        target = f"{plan.target.run.graph}: {plan.target.label}"
        if plan.clear is not None:
            target += f" ({plan.clear.words()})"
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
            run = await cast(TaskRunBackend, backend).trigger(target, conf=conf)
            message = f"triggered run {run.run_id} with conf {json.dumps(conf, ensure_ascii=True)}"
        elif plan.kind is ActionKind.EXECUTE:
            message = await backend.execute(target)
        elif plan.kind is ActionKind.RETRY_LAST:
            message = await backend.execute(target, retry_last=True)
        elif plan.kind is ActionKind.SUSPEND:
            message = await backend.suspend(target)
        elif plan.kind is ActionKind.RESUME:
            message = await backend.resume(target)
        elif plan.kind in RUN_ACTIONS:
            message = await _run_action(plan, backend)
        else:
            message = await _cancel(plan, backend)
        result = ActionResult(True, message or "done")
    except ActionOutcomeUnknown as exc:
        result = ActionResult(False, exc.describe(), outcome_unknown=True)
    except ConflictError as exc:  # a cancel the server "accepted" while the run went on says so
        words = exc.describe()
        result = ActionResult(False, f"not cancelled: {words}" if plan.kind is ActionKind.CANCEL else words)
    except NotFoundError as exc:  # a 404: the run (or task run) is not there any more
        gone = plan.target.label if plan.target is not None else plan.task.name
        result = ActionResult(False, f"not found: {gone} is not on the server ({exc.describe()})")
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


async def _cancel(plan: ActionPlan, backend: Backend) -> str:
    if plan.task_run is None:  # a wording bug, not a user error: never cancel something unnamed
        raise ValueError("a cancel plan must name the task run it cancels")
    run = plan.task_run
    return await cast(CancelBackend, backend).cancel(plan.task.root, run.graph_run, run.task)


async def _run_action(plan: ActionPlan, backend: Backend) -> str:
    if plan.target is None:  # a planning bug: never act on something unnamed
        raise ValueError("a run action's plan must name its run")
    return await cast(RunActionsBackend, backend).run_action(plan.kind, plan.target, plan.clear)
