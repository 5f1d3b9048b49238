"""``dagtop delete-run``, ``dagtop mark`` and ``dagtop clear``: the console's run actions, scripted.

Commands::

    dagtop delete-run GRAPH RUN_ID [--yes]
    dagtop mark GRAPH RUN_ID [TASK] --state success|failed [--yes]
    dagtop clear GRAPH RUN_ID [TASK] [--upstream] [--no-downstream] [--only-failed] [--yes]

They plan as the console does (the server's dry run named on the confirmation), ask on a terminal
unless ``--yes`` (a production profile wants the task name typed; a delete, the run id), and are sent
once and journaled by ``carry_out``. Exit codes as ``dagtop exec``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from tui.action_plan import ActionKind, ActionPlan, ClearOptions, RunTarget
from tui.config import Profile
from tui.text_safety import safe_text

COMMANDS = frozenset({"delete-run", "mark", "clear"})


def register(subparsers: Any, leaf: Any) -> None:
    """Add the run actions to the CLI's subcommands (``leaf``: headless's parser maker)."""
    delete = leaf(subparsers, "delete-run", "delete a graph run (an Airflow DAG run)", output=False)
    mark = leaf(
        subparsers, "mark", "mark a graph run, or one task's run in it, success or failed", output=False
    )
    clear = leaf(
        subparsers, "clear", "clear a graph run, or one task's run in it, so it runs again", output=False
    )
    for parser in (delete, mark, clear):
        parser.add_argument("graph", metavar="GRAPH")
        parser.add_argument("run_id", metavar="RUN_ID")
    for parser in (mark, clear):
        parser.add_argument("task", metavar="TASK", nargs="?", help="a task (name[3] for a mapped index)")
    mark.add_argument("--state", choices=["success", "failed"], required=True)
    clear.add_argument("--upstream", action="store_true", help="also clear what it depends on")
    clear.add_argument("--no-downstream", action="store_true", help="not what depends on it")
    clear.add_argument("--only-failed", action="store_true", help="only failed task runs")
    for parser in (delete, mark, clear):
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def kind_of(args: argparse.Namespace) -> ActionKind:
    if args.command == "mark":
        return ActionKind.MARK_SUCCESS if args.state == "success" else ActionKind.MARK_FAILED
    return ActionKind.CLEAR if args.command == "clear" else ActionKind.DELETE_RUN


def act_on_run(
    profile: Profile,
    args: argparse.Namespace,
    env: Mapping[str, str],
    not_sent: type[Exception],
    declined: type[Exception],
) -> Any:
    """The work ``headless`` runs on the profile's backend: find the run (and task run), plan with the
    dry run, confirm (``declined`` on a no), carry out; ``not_sent`` when the plan cannot work."""
    from tui.backends.base import Backend, RunActionsBackend
    from tui.services.actions import carry_out
    from tui.services.journal import ActionJournal, default_journal_path
    from tui.services.run_actions import plan_run_action, run_action_absent

    kind = kind_of(args)
    options = None
    if kind is ActionKind.CLEAR:
        options = ClearOptions(not args.no_downstream, args.upstream, args.only_failed)
    journal = ActionJournal(default_journal_path(env))

    async def act(backend: Backend) -> Any:
        absent = run_action_absent(kind, backend)
        if absent is not None:
            raise not_sent(absent)
        runs = cast(RunActionsBackend, backend)
        graph = await backend.get_task(args.graph)
        run = await runs.get_run(graph.root, args.run_id)
        task, target = graph, RunTarget(run)
        if getattr(args, "task", None):
            task, target = await _task_target(backend, graph.root, run, args.task)
        plan = await plan_run_action(kind, task, target, backend, options=options)
        if plan.blocked_reason:
            raise not_sent(plan.blocked_reason)
        if not args.yes:
            confirm(profile, plan, declined)
        return await carry_out(
            plan, backend, journal=journal, profile=profile.name, clock=lambda: datetime.now(UTC)
        )

    return act


async def _task_target(backend: Any, root: str, run: Any, name: str) -> tuple[Any, RunTarget]:
    """The task run called ``name`` (``task`` or ``task[3]``) in ``run``."""
    from tui.errors import NotFoundError

    for task_run in await backend.task_runs(root, run.run_id):
        bare = task_run.task.split("/", 1)[-1]
        label = f"{bare}[{task_run.map_index}]" if task_run.map_index is not None else bare
        if name in (label, task_run.task) or (task_run.map_index is None and name == bare):
            return await backend.get_task(task_run.task), RunTarget(run, task_run)
    raise NotFoundError(f"no task run {name!r} in run {run.run_id} of {root}", status=404)


def confirm(profile: Profile, plan: ActionPlan, declined: type[Exception]) -> None:
    env_label = "PRODUCTION " if profile.production else ""
    target = plan.target
    assert target is not None
    what = f"{plan.title.lower().rstrip(':')} {safe_text(target.label)} of {safe_text(target.run.graph)}"
    print(f"About to {what} on {env_label}{profile.name}: {safe_text(plan.location)}", file=sys.stderr)
    print(safe_text(plan.consequence), file=sys.stderr)
    if profile.production:
        word = "run id" if plan.kind is ActionKind.DELETE_RUN else "task name"
        sys.stderr.write(f"Type the {word} ({safe_text(plan.typed_word)}) to confirm: ")
        sys.stderr.flush()
        ok = sys.stdin.readline().strip() == plan.typed_word
    else:
        sys.stderr.write("Proceed? [y/N] ")
        sys.stderr.flush()
        ok = sys.stdin.readline().strip().lower() in ("y", "yes")
    if not ok:
        raise declined(f"not confirmed: nothing was sent ({plan.kind.value} {target.label})")
