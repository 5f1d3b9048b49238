"""``dagtop get`` and scripted actions: what the console shows, printed once, for scripts and SSH.

Commands::

    dagtop get tasks                      every task in the scope
    dagtop get task NAME                  one task, every field
    dagtop get dependents NAME            NAME and everything downstream of it, in dependency order
    dagtop get runs NAME [--current|--completed] [--errors-only] [--limit N]
                                          graph runs of NAME's graph (both phases by default)
    dagtop get import-errors              graph files the scheduler cannot load (Airflow)
    dagtop why NAME                       why NAME did not run or will not run next: tui/headless_why.py
    dagtop exec NAME [--retry-last] [--yes]
    dagtop suspend NAME [--yes]
    dagtop resume NAME [--yes]
    dagtop delete-run GRAPH RUN_ID [--yes]        and `mark`, `clear` of a chosen run: tui/headless_runs.py

``get`` takes ``-o table`` (default: aligned columns, colour only on a terminal and never with
``NO_COLOR``) or ``-o json``. With no connection configured ``get`` exits 2 saying how to connect;
only ``--sandbox`` reads a temporary sandbox (and says so on stderr); actions never run without a
configured connection. Actions ask for confirmation
on a terminal (a production profile wants the task name typed) unless ``--yes``; without a terminal
they need ``--yes``. A read-only profile or ``--read-only`` refuses them.

Exit codes: 0 done; 1 the backend failed or refused (its message, verbatim but made inert, on stderr),
an action's outcome is unknown, or dagtop refused an action that cannot work; 2 usage or configuration
error (including an action without ``--yes`` and no terminal to ask on); 3 the confirmation was declined
(nothing was sent); 130 interrupted; 141 stdout was closed early (``| head``), quietly, as Unix tools do.

Tables fit a terminal (long cells end in ``…``); piped or redirected, every cell is printed whole.
A line break inside a cell shows as ``⏎``, as in the console.

JSON output (stable; times are ISO-8601 UTC ending in ``Z``, ``null`` when unknown)::

    get tasks       {"tasks": [TASK + {"last_result", "last_run"}, ...]}
                    # last_run: the graph's latest completed RUN (or null); last_result: the task's
                    # result in it, by the console's rule (FAILED for the task that failed, NOT_RUN
                    # for the others of a failed graph, else the run's state; null with no run)
    get task        {"task": TASK}
    get dependents  {"task": KEY, "tasks": [TASK + {"depth": N}, ...]}   # depth 0 is NAME itself
    get runs        {"root": KEY, "runs": [RUN, ...]}
    get import-errors
                    {"import_errors": [{"key", "file", "bundle", "when", "error" (the exception's
                    line), "stack_trace"}, ...]}   # newest first; a backend without them exits 2

    TASK = {"key", "name", "scope", "root", "is_root", "predecessors": [KEY...], "state"
            ("started"|"suspended"|"unknown"), "raw_state" (as the server said), "schedule":
            {"kind", "minutes", "cron", "timezone", "text", "description"}, "warehouse", "owner",
            "comment", "doc", "definition", "condition", "config", "error_integration", "timeout_ms",
            "suspend_after_failures", "auto_retry_attempts", "finalizer_of", "created_on",
            "last_committed_on", "last_suspended_on", "operator", "retries", "pool",
            "trigger_rule", "tags": [NAME...]}
            # "state" is "none" for a task without a state of its own (an Airflow task: the pause
            # flag is its DAG's). The fields after "schedule" appear when the backend has them
            # (every Snowflake field for Snowflake; operator, retries, pool, trigger_rule and tags
            # for Airflow) or the task carries a value.
    RUN  = {"graph", "run_id", "phase" ("current"|"completed"), "state" (domain RunState),
            "raw_state", "scheduled_time", "started_time", "completed_time",
            "next_scheduled_time", "duration_seconds", "graph_version", "attempt",
            "first_error_task", "first_error_code", "first_error_message", "run_type",
            "triggered_by", "conf", "note"}
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
from collections.abc import Awaitable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from tui import render_text as rt
from tui import task_fields
from tui.backends.base import NO_IMPORT_ERRORS, Backend, RunErrorsBackend, Wording
from tui.config import (
    Profile,
    Settings,
    add_connection_arguments,
    load_settings,
    resolve_profile,
    sandbox_profile,
)
from tui.domain import FileImportError, Graph, GraphRun, Task
from tui.errors import ActionOutcomeUnknown, BackendError, ConfigError
from tui.services.task_query import TaskRow
from tui.text_safety import safe_text

COMMANDS = frozenset({"get", "why", "exec", "suspend", "resume", "cancel", "delete-run", "mark", "clear"})
READS = frozenset({"get", "why"})  # commands that only read: --sandbox, -o json
_VERBS = {"exec": "execute", "suspend": "suspend", "resume": "resume", "cancel": "cancel"}


# Exit codes (documented in the README and in ``dagtop --help``).
EXIT_OK, EXIT_BACKEND, EXIT_USAGE, EXIT_DECLINED = 0, 1, 2, 3
EXIT_STDOUT_CLOSED = 141  # what a shell reports for a tool that SIGPIPE ended: `set -o pipefail` sees it


class UsageError(Exception):
    """The command cannot run as asked (exit code 2)."""


class Declined(Exception):
    """The user answered no at the confirmation: nothing was sent (exit code 3)."""


# --------------------------------------------------------------------------------------------- parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number of at least 1")
    return value


_SANDBOX_HELP = "read a temporary local sandbox (seed 7, simulated data), not a real scheduler"


def _leaf(parent: Any, name: str, help_text: str, *, output: bool = True) -> argparse.ArgumentParser:
    parser = parent.add_parser(name, help=help_text, description=help_text)
    if output:
        parser.add_argument(
            "-o", "--output", choices=["table", "json"], default="table", help="output format"
        )
        parser.add_argument("--sandbox", action="store_true", default=argparse.SUPPRESS, help=_SANDBOX_HELP)
    add_connection_arguments(parser, defaults=False, actions=not output)
    return parser


def register(subparsers: Any) -> None:
    """Add ``get``, ``exec``, ``suspend``, ``resume`` and ``cancel`` to the CLI's subcommands."""
    get = subparsers.add_parser(
        "get",
        help="print tasks, dependents or runs",
        description="Print what the console shows, once, for scripts and SSH sessions: every task with "
        "its graph's latest result, one task, a task and everything downstream of it, or a graph's runs; "
        "as an aligned table or as JSON (-o json).",
    )
    get.add_argument("--sandbox", action="store_true", default=argparse.SUPPRESS, help=_SANDBOX_HELP)
    add_connection_arguments(get, defaults=False, actions=False)
    what = get.add_subparsers(dest="what", metavar="WHAT", required=True)
    _leaf(what, "tasks", "every task in the scope")
    _leaf(what, "task", "one task, every field").add_argument("name", metavar="NAME")
    _leaf(what, "dependents", "a task and everything downstream of it").add_argument("name", metavar="NAME")
    _leaf(what, "import-errors", "graph files the scheduler cannot load (Airflow DAG files), with the error")
    runs = _leaf(what, "runs", "graph runs of a task's graph (current and completed)")
    runs.add_argument("name", metavar="NAME")
    phase = runs.add_mutually_exclusive_group()
    phase.add_argument("--current", action="store_true", help="only runs executing or scheduled")
    phase.add_argument("--completed", action="store_true", help="only finished runs")
    runs.add_argument("--errors-only", action="store_true", help="only failed runs (implies --completed)")
    runs.add_argument("--limit", type=_positive, default=100, metavar="N", help="at most N runs per phase")

    for command, help_text in (
        ("exec", "execute a root task's graph now"),
        ("suspend", "suspend a task"),
        ("resume", "resume a task"),
        ("cancel", "cancel a task's unfinished run (a Taipy job that has not started)"),
    ):
        parser = _leaf(subparsers, command, help_text, output=False)
        parser.add_argument("name", metavar="NAME")
        if command == "exec":
            parser.add_argument("--retry-last", action="store_true", help="retry the last failed graph run")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    from tui.headless_runs import register as register_run_actions
    from tui.headless_why import register as register_why

    register_why(subparsers, _leaf)
    register_run_actions(subparsers, _leaf)


# --------------------------------------------------------------------------------------------- run


def run(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    """Run a parsed ``get``/``exec``/``suspend``/``resume``/``cancel`` command; returns the exit code."""
    env = os.environ if env is None else env
    try:
        return _run(args, env)
    except (ConfigError, UsageError) as exc:
        for line in str(exc).splitlines() or [""]:  # a config with several problems: one line each
            _err(f"dagtop: {safe_text(line)}")
        return 2
    except Declined as exc:
        _err(f"dagtop: {safe_text(exc)}")
        return EXIT_DECLINED
    except ActionOutcomeUnknown as exc:
        _err(f"dagtop: {safe_text(exc.describe())}")
        _err("dagtop: the action may or may not have happened; check with: dagtop get runs NAME")
        return 1
    except BackendError as exc:
        _err(f"dagtop: {safe_text(exc.describe())}")
        return 1
    except KeyboardInterrupt:
        _err("dagtop: interrupted")
        return 130
    except _StdoutClosed:
        _silence_stdout()
        return EXIT_STDOUT_CLOSED


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.command not in COMMANDS:
        raise UsageError(f"unknown command {args.command!r}")
    if args.command == "get" and getattr(args, "errors_only", False) and getattr(args, "current", False):
        raise UsageError("--errors-only shows completed runs; it cannot go with --current")
    settings = load_settings(args, env)
    if args.command in READS and getattr(args, "sandbox", False):
        # Only an explicit --sandbox reads simulated data: a script with a typo must not get fake data.
        chosen = [f for f in ("connection", "url", "backend") if getattr(args, f, None)]
        if chosen:
            raise UsageError(f"--sandbox reads the temporary sandbox; it cannot go with --{chosen[0]}")
        with _temporary_sandbox() as sandbox:
            return _get(sandbox, args, settings, env)
    profile, warnings = resolve_profile(args, env)
    for warning in warnings:
        _err(f"dagtop: warning: {warning}")
    if args.command in READS:
        if profile is None:
            raise UsageError(
                "no connection configured. Connect with -c NAME (a profile in "
                "~/.config/dagtop/config.toml or a Snowflake CLI connection), or --url URL (with "
                "--database/--schema for Snowflake) and the token in DAGTOP_TOKEN; or pass --sandbox to "
                "read a temporary local sandbox"
            )
        return _get(profile, args, settings, env)
    return _act(profile, args, env)


@contextmanager
def _temporary_sandbox() -> Iterator[Profile]:
    from tui.sandbox import SandboxConfig, SandboxServer

    token = secrets.token_urlsafe(24)
    with SandboxServer(SandboxConfig(seed=7, tasks=200, token=token), host="127.0.0.1", port=0) as server:
        database, schema = server.app.state.sandbox.scopes()[0]
        _err("dagtop: --sandbox: showing a temporary sandbox (seed 7, simulated), not a real scheduler")
        yield sandbox_profile(server.url, token, database, schema)


def _open(profile: Profile) -> Backend:
    from tui.backends.factory import open_backend

    return open_backend(profile)


def _call(profile: Profile, work: Any) -> Any:
    """Open the backend, await ``work(backend)``, always close it."""
    import anyio

    async def main() -> Any:
        backend = _open(profile)
        try:
            return await work(backend)
        finally:
            await backend.aclose()

    return anyio.run(main)


# --------------------------------------------------------------------------------------------- get


def _get(profile: Profile, args: argparse.Namespace, settings: Settings, env: Mapping[str, str]) -> int:
    json_out = args.output == "json"
    color = not json_out and rt.use_color(sys.stdout, env)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    tz = "UTC" if getattr(args, "utc", False) else settings.timezone  # the main parser's --utc
    what = getattr(args, "what", args.command)  # `dagtop why NAME` reads as a get of its own

    if what == "why":
        from tui import headless_why

        async def why(backend: Backend) -> Any:
            if (absent := headless_why.absent(backend)) is not None:
                raise UsageError(absent)
            return await headless_why.fetch(backend, args.name)

        found = _call(profile, why)
        return _print(headless_why.as_json(found) if json_out else headless_why.as_text(found, tz, color))

    if what == "tasks":
        return _get_tasks(profile, tz, width, color, json_out)

    if what == "import-errors":
        return _get_import_errors(profile, tz, width, color, json_out)

    if what == "task":
        task, wording = _call(profile, lambda b: _with_wording(b, b.get_task(args.name)))
        if json_out:
            return _print(rt.dump_json({"task": rt.task_json(task, wording.task_fields)}))
        return _print(_task_fields(task, wording, tz, width, color))

    if what == "dependents":

        async def dependents(backend: Backend) -> tuple[Task, Graph, Wording]:
            task = await backend.get_task(args.name)
            return task, await backend.get_graph(task.root), backend.wording

        task, graph, wording = _call(profile, dependents)
        ordered = _downstream_in_order(graph, task)
        if json_out:
            items = [{**rt.task_json(t, wording.task_fields), "depth": d} for t, d in ordered]
            return _print(rt.dump_json({"task": task.key, "tasks": items}))
        rows = [
            [
                "  " * d + t.name,
                rt.task_state_cell(t),
                ", ".join(_name(graph, p) for p in t.predecessors) if d else "",
            ]
            for t, d in ordered
        ]
        return _print(_table(["TASK", "STATE", "AFTER"], rows, caps=[60, 10, 60], width=width, color=color))

    return _get_runs(profile, args, tz, width, color, json_out)


def _get_tasks(profile: Profile, tz: str, width: int | None, color: bool, json_out: bool) -> int:
    """Every task with its graph's latest completed run: the result as it concerns the task (the
    console's rule, ``TaskRow.result``), when, and the first error. The columns a backend never
    fills (``wording.absent_columns``: Airflow's WAREHOUSE) are left out; TAGS where it has tags."""
    from tui.services.snapshots import graph_statuses, rows_for

    async def fetch(backend: Backend) -> tuple[list[TaskRow], Wording]:
        tasks = await backend.list_tasks()
        roots = sorted({t.root for t in tasks})
        return rows_for(tasks, await graph_statuses(backend, roots, with_current=False)), backend.wording

    rows, wording = _call(profile, fetch)
    now = datetime.now(UTC)
    if json_out:
        items = [
            {
                **rt.task_json(r.task, wording.task_fields),
                "last_result": r.result.value if r.result else None,
                "last_run": rt.run_json(r.last_run, "completed", now) if r.last_run else None,
            }
            for r in rows
        ]
        return _print(rt.dump_json({"tasks": items}))
    names = {r.task.key: r.task.name for r in rows}

    def error(run: GraphRun | None) -> rt.Cell:
        parts = (run.first_error_task, run.first_error_code, run.first_error_message) if run else ()
        text = " ".join(x for x in parts if x)
        return (text, "31") if text else ""

    # (column id, header, cap, cell)
    columns: list[tuple[str, str, int, Any]] = [
        ("name", "NAME", 40, lambda r: r.task.name),
        ("state", "STATE", 10, lambda r: rt.task_state_cell(r.task)),
        (
            "result",
            "RESULT",
            12,
            lambda r: rt.result_cell(r.result, r.last_run.raw_state if r.last_run else ""),
        ),
        ("last", "LAST RUN", 25, lambda r: _last_time(r.last_run, tz)),
        ("root", "ROOT", 30, lambda r: "" if r.task.is_root else names.get(r.task.root, r.task.root)),
        ("schedule", "SCHEDULE", 30, lambda r: r.task.schedule.describe()),
        ("error", "FIRST ERROR", 60, lambda r: error(r.last_run)),
        ("warehouse", "WAREHOUSE", 20, lambda r: r.task.warehouse or ""),
        ("tags", "TAGS", 30, lambda r: ", ".join(r.task.tags)),
        ("comment", "COMMENT", 50, lambda r: r.task.comment or ""),
    ]
    columns = [c for c in columns if c[0] not in wording.absent_columns]
    table = [[cell(r) for _, _, _, cell in columns] for r in rows]
    headers, caps = [c[1] for c in columns], [c[2] for c in columns]
    return _print(_table(headers, table, caps=caps, width=width, color=color))


def _last_time(run: GraphRun | None, tz: str) -> str:
    return rt.format_time(run.completed_time or run.scheduled_time, tz) if run else ""


def _get_import_errors(profile: Profile, tz: str, width: int | None, color: bool, json_out: bool) -> int:
    """Files the scheduler cannot load: the file, when it last tried, the exception (JSON: with the
    whole stack trace). A backend without import errors is an error (exit 1), not an empty list."""
    from typing import cast

    from tui.backends.base import ImportErrorsBackend

    async def fetch(backend: Backend) -> list[FileImportError]:
        if not backend.capabilities.import_errors:
            raise UsageError(f"{backend.kind} has no import errors: {NO_IMPORT_ERRORS}")
        return await cast(ImportErrorsBackend, backend).import_errors()

    errors: list[FileImportError] = _call(profile, fetch)
    if json_out:
        return _print(rt.dump_json({"import_errors": [rt.import_error_json(e) for e in errors]}))
    rows = [[e.file, rt.format_time(e.when, tz), (e.last_line, "31")] for e in errors]
    if not rows:
        _err("dagtop: no import errors: every graph file loads")
    table = rt.render_table(
        ["FILE", "WHEN", "ERROR"], rows, max_widths=[60, 25, 120], width=width, color=color
    )
    return _print(table)


def _get_runs(
    profile: Profile, args: argparse.Namespace, tz: str, width: int | None, color: bool, json_out: bool
) -> int:
    want_current = not (args.completed or args.errors_only)
    want_completed = not args.current

    async def fetch(backend: Backend) -> tuple[Task, list[tuple[str, GraphRun]]]:
        task = await backend.get_task(args.name)
        runs: list[tuple[str, GraphRun]] = []
        if want_current:
            runs += [("current", r) for r in await backend.current_runs(task.root, limit=args.limit)]
        if want_completed:
            done = await backend.completed_runs(task.root, limit=args.limit, errors_only=args.errors_only)
            if backend.capabilities.run_errors:  # the exception a failed run died of (Airflow: its log)
                done = await cast(RunErrorsBackend, backend).with_errors(task.root, done)
            runs += [("completed", r) for r in done]
        return task, runs

    task, runs = _call(profile, fetch)
    if not task.is_root:
        root = safe_text(task.root)
        _err(f"dagtop: {safe_text(task.name)} is not a root: showing the runs of its graph ({root})")
    now = datetime.now(UTC)
    if json_out:
        return _print(rt.dump_json({"root": task.root, "runs": [rt.run_json(r, p, now) for p, r in runs]}))
    rows = []
    for phase, r in runs:
        error = " ".join(x for x in (r.first_error_task, r.first_error_code, r.first_error_message) if x)
        rows.append(
            [
                phase,
                str(r.run_id),
                rt.run_state_cell(r),
                rt.format_time(r.scheduled_time, tz),
                rt.format_time(r.started_time, tz),
                rt.format_time(r.completed_time, tz),
                rt.format_duration(r.duration(now)),
                (error, "31") if error else "",
            ]
        )
    headers = ["PHASE", "RUN", "STATE", "SCHEDULED", "STARTED", "COMPLETED", "DURATION", "FIRST ERROR"]
    caps = [9, 24, 12, 25, 25, 25, 9, 80]
    return _print(_table(headers, rows, caps=caps, width=width, color=color))


async def _with_wording(backend: Backend, task: Awaitable[Task]) -> tuple[Task, Wording]:
    return await task, backend.wording


def _task_fields(task: Task, wording: Wording, tz: str, width: int | None, color: bool) -> str:
    """Every field the backend has (``wording.task_fields``) or the task carries, in the console's
    order: an Airflow task lists its operator, retries, pool and trigger rule, not Snowflake's empty
    warehouse and integrations."""
    # A task of a DAG runs with it: no schedule of its own, and the DAG is no task it waits for.
    in_graph = not task.is_root and not wording.root_is_task
    fields: list[tuple[str, Any]] = [
        ("key", task.key),
        ("name", task.name),
        ("scope", task.scope),
        ("root", task.root),
        ("state", rt.task_state_cell(task)),
        ("schedule", None if in_graph else task.schedule.describe()),
        ("predecessors", ", ".join(p for p in task.predecessors if not (in_graph and p == task.root))),
        ("warehouse", task.warehouse),
        ("owner", task.owner),
        ("operator", task.operator),
        ("retries", task.retries),
        ("pool", task.pool),
        ("trigger_rule", task.trigger_rule),
        ("tags", ", ".join(task.tags)),
        ("comment", task.comment),
        ("doc", task.doc),
        ("condition", task.condition),
        ("definition", task.definition),
        ("config", rt.dump_json(dict(task.config), indent=None) if task.config else None),
        ("error_integration", task.error_integration),
        ("timeout_ms", task.timeout_ms),
        ("suspend_after_failures", task.suspend_after_failures),
        ("auto_retry_attempts", task.auto_retry_attempts),
        ("finalizer_of", task.finalizer_of),
        ("created_on", rt.format_time(task.created_on, tz)),
        ("last_committed_on", rt.format_time(task.last_committed_on, tz)),
        ("last_suspended_on", rt.format_time(task.last_suspended_on, tz)),
    ]
    shown = set(task_fields.shown(task, wording.task_fields))
    fields = [
        (k, v)
        for k, v in fields
        if (k not in task_fields.OPTIONAL or k in shown)
        and not (k == "state" and v == "")
        and not (k == "schedule" and v is None)
    ]
    rows = [[k, v if isinstance(v, tuple) else ("" if v is None else str(v))] for k, v in fields]
    return _table(["FIELD", "VALUE"], rows, caps=[22, 200], width=width, color=color)


def _table(
    headers: list[str], rows: list[list[rt.Cell]], *, caps: list[int], width: int | None, color: bool
) -> str:
    """A table that fits a terminal (``width``, cells capped at ``caps``), or, when stdout is not a
    terminal (``width`` is None: a pipe, a file), every cell whole: a script must get the full run id."""
    return rt.render_table(headers, rows, max_widths=caps if width else None, width=width, color=color)


def _name(graph: Graph, key: str) -> str:
    task = graph.tasks.get(key)
    return task.name if task else key


def _downstream_in_order(graph: Graph, task: Task) -> list[tuple[Task, int]]:
    """``task`` and everything downstream, each at its longest distance from ``task``, then by name."""
    keys = {task.key} | graph.downstream_of([task.key])
    depth = {task.key: 0}
    kids = graph.children()
    pending = {k: sum(1 for p in graph.tasks[k].predecessors if p in keys) for k in keys if k in graph.tasks}
    pending[task.key] = 0
    ready = [task.key]
    while ready:
        key = ready.pop()
        for kid in kids.get(key, ()):
            if kid in keys:
                depth[kid] = max(depth.get(kid, 0), depth[key] + 1)
                pending[kid] -= 1
                if pending[kid] == 0:
                    ready.append(kid)
    # A cycle (bad data) leaves some keys unvisited: show them last rather than drop them.
    ordered = sorted(
        (k for k in keys if k in graph.tasks),
        key=lambda k: (depth.get(k, len(keys)), graph.tasks[k].name),
    )
    if task.key not in graph.tasks:
        return [(task, 0)] + [(graph.tasks[k], depth.get(k, len(keys))) for k in ordered]
    return [(graph.tasks[k], depth.get(k, len(keys))) for k in ordered]


def _print(text: str) -> int:
    try:
        print(text, flush=True)
    except BrokenPipeError:  # the reader left (`dagtop get tasks | head`): stop, as Unix tools do
        raise _StdoutClosed from None
    return 0


class _StdoutClosed(Exception):
    """Whoever read stdout closed it: nothing more can be printed (exit code 141, as SIGPIPE's)."""


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit does not fail again and
    print "Exception ignored ... BrokenPipeError" (the recipe of Python's signal documentation)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture): nothing to do
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


# --------------------------------------------------------------------------------------------- actions


def _act(profile: Profile | None, args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Resolve NAME to its task, plan, confirm, then carry out exactly as the console does."""
    from tui import headless_runs
    from tui.services.actions import ActionKind, carry_out, plan_for
    from tui.services.journal import ActionJournal, default_journal_path

    on_run = args.command in headless_runs.COMMANDS
    verb = _VERBS.get(args.command, args.command)
    name = f"run {args.run_id} of {args.graph}" if on_run else args.name
    retry_last = getattr(args, "retry_last", False)
    if getattr(args, "read_only", False) or (profile is not None and profile.read_only):
        where = "--read-only" if getattr(args, "read_only", False) else f"profile {profile.name} is read-only"
        raise UsageError(f"{where}: refusing to {verb} {name}")
    if profile is None:
        raise UsageError(
            f"no connection configured: pass -c NAME, or --url with DAGTOP_TOKEN, to {verb} {name}"
        )
    if not args.yes and not sys.stdin.isatty():
        raise UsageError(f"refusing to {verb} {name} without confirmation (not a terminal): pass --yes")
    if on_run:
        return _finish(
            profile, headless_runs.act_on_run(profile, args, env, _NotSent, Declined), verb, args.graph
        )
    kind = ActionKind.RETRY_LAST if retry_last else ActionKind(verb)
    journal = ActionJournal(default_journal_path(env))

    async def act(backend: Backend) -> Any:
        task = await backend.get_task(name)
        plan = await plan_for(kind, task, backend)
        if plan.blocked_reason:
            raise _NotSent(plan.blocked_reason)
        if not args.yes:
            _confirm(profile, plan, name)
        return await carry_out(
            plan, backend, journal=journal, profile=profile.name, clock=lambda: datetime.now(UTC)
        )

    return _finish(profile, act, verb, name)


def _finish(profile: Profile, act: Any, verb: str, name: str) -> int:
    """Carry out ``act`` on the profile's backend and say the result (exit code as documented)."""
    try:
        result = _call(profile, act)
    except _NotSent as exc:
        _err(f"dagtop: not sent: {safe_text(exc)}")
        return 1
    if not result.sent:
        raise UsageError(result.message)
    if result.ok:
        return _print(safe_text(result.message) or f"{verb}: done")
    _err(f"dagtop: {safe_text(result.message)}")
    if result.outcome_unknown:
        _err(f"dagtop: the action may or may not have happened; check with: dagtop get runs {name}")
    return 1


class _NotSent(Exception):
    """The plan says the action cannot work (e.g. executing a child task): nothing is sent (exit 1)."""


def _confirm(profile: Profile, plan: Any, typed: str) -> None:
    env_label = "PRODUCTION " if profile.production else ""
    what = f"{plan.title.lower()} {safe_text(plan.task.key)}"
    _err(f"About to {what} on {env_label}{profile.name}: {safe_text(plan.location)}")
    _err(safe_text(plan.consequence))
    if profile.production:
        sys.stderr.write(f"Type the task name ({safe_text(plan.task.name)}) to confirm: ")
        sys.stderr.flush()
        ok = sys.stdin.readline().strip() in {plan.task.name, plan.task.key, typed}
    else:
        sys.stderr.write("Proceed? [y/N] ")
        sys.stderr.flush()
        ok = sys.stdin.readline().strip().lower() in ("y", "yes")
    if not ok:
        raise Declined(f"not confirmed: nothing was sent ({plan.kind.value} {plan.task.key})")
