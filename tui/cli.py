"""The `dagtop` command: the console by default, plus `sandbox`, `serve`, `get`, `exec`, `suspend`, ....

Textual and the backends are imported lazily so `dagtop --help` and `dagtop get` stay fast.
Exit codes: see ``EPILOG`` (0 ok, 1 backend error, 2 usage or configuration error, 3 declined).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tui import __version__

HEADLESS_COMMANDS = frozenset(
    {"get", "why", "exec", "suspend", "resume", "cancel", "delete-run", "mark", "clear"}
)

EPILOG = """\
environment:
  DAGTOP_TOKEN           the token for the profile or --url (there is no --token: argv is visible)
  DAGTOP_PROFILE         the profile to use when there is no -c
  DAGTOP_CONFIG          dagtop's config file (default: {config})
  DAGTOP_JOURNAL         the action journal (default: {journal})
  DAGTOP_LOG             the debug log (tracebacks of unexpected errors, redacted): a file,
                         or 1 for dagtop.log in the state directory; default off
  DAGTOP_SANDBOX_TOKEN   the token of `dagtop sandbox` (default: random)
  DAGTOP_SANDBOX_FAULTS  faults the sandbox injects, e.g. '429=0.05,503=0.02,drop=0.01'
  SNOWFLAKE_HOME, SNOWFLAKE_CONNECTIONS, SNOWFLAKE_DEFAULT_CONNECTION_NAME
                         where the Snowflake CLI's connections are read from (dagtop -c NAME)
  NO_COLOR               no colour in `dagtop get` tables

exit codes:
  0    done
  1    the backend failed or refused (its message on stderr), or an action's outcome is unknown
  2    usage or configuration error; nothing was sent
  3    an action's confirmation was declined; nothing was sent
  130  interrupted
  141  stdout was closed early (dagtop get ... | head): dagtop stops quietly, as Unix tools do

examples:
  dagtop -c prod                                     the console on the profile "prod"
  dagtop get tasks -c prod -o json                   every task and its graph's latest result, as JSON
  dagtop exec ORDERS_PIPELINE --retry-last -c prod   retry the last failed run (asks first)
  dagtop get runs pipeline --backend taipy --url http://127.0.0.1:5000
                                                     a Taipy scenario's runs (no token needed)
  dagtop serve -c prod                               the console in a browser: http://127.0.0.1:8000/
                                                     (this machine only, read-only)
  dagtop -c prod --record incident.dagtop.gz         the console, every answer kept (secrets masked)
  dagtop replay incident.dagtop.gz                   that session again, read-only: . , ! > p
"""


def build_parser() -> argparse.ArgumentParser:
    from tui.config import add_connection_arguments
    from tui.headless import register
    from tui.locations import config_file, display_path, state_dir
    from tui.sandbox.cli import add_arguments as add_sandbox_arguments
    from tui.web.serve import add_arguments as add_serve_arguments

    parser = argparse.ArgumentParser(
        prog="dagtop",
        description="A keyboard-driven console for task graphs. With no profile configured it opens "
        "on the built-in sandbox, a local simulation of the Snowflake Tasks REST API.",
        epilog=EPILOG.format(
            config=display_path(config_file({})), journal=display_path(state_dir() / "actions.jsonl")
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dagtop {__version__}")
    add_connection_arguments(parser)
    parser.add_argument("--utc", action="store_true", help="show times in UTC instead of local time")
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="append a debug log (tracebacks of unexpected errors, secrets redacted) to FILE",
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="record every answer the console receives to FILE (gzip'd JSON lines, secrets stripped), "
        "for `dagtop replay FILE`",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    replay = sub.add_parser(
        "replay",
        help="open the console on a recording (dagtop --record FILE), read-only, with a time control",
        description="Replay a recording made with `dagtop --record FILE`: the same console, read-only, "
        "its clock the recording's. Keys: . and , next/previous poll, ! the first failure, > play "
        "(again: 1x, 4x, 16x), p pause.",
    )
    replay.add_argument("file", metavar="FILE", help="the recording")
    sandbox = sub.add_parser(
        "sandbox",
        help="run the local sandbox task-graph service (Snowflake or Qlik dialect) in the foreground",
        description="Run the sandbox: a local simulation of the Snowflake Tasks REST API v2 or, with "
        "--dialect qlik, of Qlik Cloud's Tasks API (/api/v1/tasks), for trying dagtop and for tests.",
    )
    add_sandbox_arguments(sandbox)
    serve = sub.add_parser(
        "serve",
        help="serve the console to a web browser (loopback only and read-only unless told otherwise)",
        description="Serve the console to web browsers with textual-serve: each browser tab gets its own "
        "console. Listens on 127.0.0.1 only unless --host says otherwise; every console is read-only "
        "unless --allow-actions; the page loads nothing from the internet. With no profile configured, "
        "every tab watches one sandbox started here.",
    )
    add_serve_arguments(serve)
    add_connection_arguments(serve, defaults=False, actions=False)
    # The consoles `dagtop serve` starts on its shared sandbox: say SANDBOX in the header, as `dagtop`
    # does on its own sandbox (an internal flag; the connection still comes from --url).
    parser.add_argument("--served-sandbox", metavar="CLOCK", help=argparse.SUPPRESS)
    register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _debug_log(args.log)
    if args.record and args.command is not None:  # only the console polls, screen by screen
        print(f"dagtop: --record records the console; not `dagtop {args.command}`", file=sys.stderr)
        return 2
    if args.command == "sandbox":
        from tui.sandbox.cli import run as run_sandbox

        return run_sandbox(args)
    if args.command == "serve":
        from tui.web.serve import run as run_serve

        return run_serve(args)
    if args.command == "replay":
        from tui.replay import launch_replay

        return launch_replay(args.file, utc=args.utc)
    if args.command in HEADLESS_COMMANDS:
        from tui.headless import run as run_headless

        return run_headless(args)
    return run_console(args)


def _debug_log(option: str | None) -> None:
    from tui.services.debug_log import enable, log_path

    path = log_path(option, os.environ)
    if path is not None:
        try:
            enable(path)
        except OSError as exc:  # a debug aid must not stop the console
            print(f"dagtop: warning: no debug log at {path}: {exc.strerror or exc}", file=sys.stderr)


def run_console(args: argparse.Namespace) -> int:
    from tui.config import load_settings, resolve_profile
    from tui.errors import ConfigError

    try:
        settings = load_settings(args)
        profile, warnings = resolve_profile(args)
    except ConfigError as exc:
        for line in str(exc).splitlines():  # a config with several problems: one line each
            print(f"dagtop: {line}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"dagtop: warning: {warning}", file=sys.stderr)
    clock = None
    if args.served_sandbox and profile is not None:
        from tui.web.command import sandbox_clock

        profile = profile.model_copy(update={"name": "sandbox", "sandbox": True})
        clock = sandbox_clock(args.served_sandbox)
        # Its token file is the sandbox's alone: a profile switched to in the console brings its own.
        args = argparse.Namespace(**{**vars(args), "token_file": None})

    from tui.console import launch

    return launch(profile, settings, utc=args.utc, args=args, clock=clock)
