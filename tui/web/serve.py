"""``dagtop serve``: check the flags and the profile, start the shared sandbox if needed, serve.

Safe by default: loopback only unless ``--host`` names another address (then a warning says who can
reach it), read-only unless ``--allow-actions``, and the page loads nothing from the internet.
With no profile configured every browser session watches ONE sandbox started here, so everyone looking
at the page sees the same simulated account (not one private sandbox per tab).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tui.web.command import SharedSandbox, console_argv, console_command, sandbox_clock_spec

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=None,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only; any other address lets "
        "everyone who can reach it use the console)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--allow-actions",
        action="store_true",
        help="let the browser run actions (execute, suspend, ...); default: every console is read-only",
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def run(args: argparse.Namespace) -> int:
    from tui.config import resolve_profile
    from tui.errors import ConfigError

    host = args.host or DEFAULT_HOST
    try:  # fail here, once, rather than in every browser tab
        profile, warnings = resolve_profile(args)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"dagtop: {line}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"dagtop: warning: {warning}", file=sys.stderr)
    read_only = not args.allow_actions or bool(getattr(args, "read_only", False))
    loopback = is_loopback(host)
    if not loopback:
        print(
            f"dagtop: warning: serving on {host}: anyone who can reach this address gets the console"
            + ("" if read_only else ", and can run actions (--allow-actions)"),
            file=sys.stderr,
        )
    with contextlib.ExitStack() as stack:
        sandbox = stack.enter_context(_shared_sandbox()) if profile is None else None
        argv = console_argv(args, read_only=read_only, sandbox=sandbox)
        return _serve(console_command(argv), host, args.port, loopback, read_only, sandbox is not None)


def _serve(command: str, host: str, port: int, loopback: bool, read_only: bool, sandbox: bool) -> int:
    from tui.web.server import DagtopServer

    shown = f"[{host}]" if ":" in host else host
    banner = (
        f"dagtop: serving the console on http://{shown}:{port}/ "
        f"({'read-only' if read_only else 'actions allowed'}; "
        f"{'the shared sandbox; ' if sandbox else ''}each browser tab gets its own console; Ctrl+C stops)"
    )
    server = DagtopServer(command, host=host, port=port, loopback=loopback, banner=banner)
    try:
        server.serve()
    except OSError as exc:
        print(f"dagtop: cannot listen on {shown}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


@contextlib.contextmanager
def _shared_sandbox() -> Iterator[SharedSandbox]:
    """One sandbox for every browser session, its token in a file only this user can read."""
    from tui.sandbox import FaultConfig, SandboxConfig, SandboxServer, ScaledClock

    token = secrets.token_urlsafe(24)
    print("dagtop: no profile configured; serving the sandbox (a local simulation of the Snowflake API)")
    with tempfile.TemporaryDirectory(prefix="dagtop-serve-") as private:  # mode 0700
        token_file = Path(private) / "sandbox-token"
        token_file.touch(mode=0o600)
        token_file.write_text(token)
        config = SandboxConfig(token=token, faults=FaultConfig.from_env())
        clock = ScaledClock(speed=config.speed)
        with SandboxServer(config, host="127.0.0.1", port=0, clock=clock) as server:
            database, schema = server.app.state.sandbox.scopes()[0]
            spec = sandbox_clock_spec(clock.now(), clock.speed)
            yield SharedSandbox(server.url, database, schema, token_file, spec)
