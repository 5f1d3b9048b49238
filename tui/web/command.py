"""The command textual-serve runs for each browser session: the ordinary console, with its flags.

textual-serve runs it through a shell, so every argument is quoted. It carries what chooses the profile
(names, paths, URLs) and never a secret: argv is visible to every local user (``ps``). Secrets reach the
console the way they reach ``dagtop`` itself: the profile's files, the environment (inherited), or a
``--token-file``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Flags copied from ``dagtop serve``'s own arguments to each console; paths made absolute.
_CARRIED = (
    ("connection", "-c", False),
    ("config", "--config", True),
    ("backend", "--backend", False),
    ("url", "--url", False),
    ("database", "--database", False),
    ("schema", "--schema", False),
    ("token_file", "--token-file", True),
)


@dataclass(frozen=True)
class SharedSandbox:
    """The sandbox ``dagtop serve`` started for every session; its token sits in a private file."""

    url: str
    database: str
    schema: str
    token_file: Path
    clock: str  # see ``sandbox_clock_spec``


def console_argv(
    args: argparse.Namespace, *, read_only: bool, sandbox: SharedSandbox | None = None
) -> list[str]:
    """The console's argv (this Python, ``-m tui``) for a browser session."""
    argv = [sys.executable, "-m", "tui"]
    if sandbox is not None:
        # Only the config file (settings such as the theme) still applies; the connection is the sandbox.
        if getattr(args, "config", None):
            argv += ["--config", str(Path(args.config).expanduser().resolve())]
        argv += ["--url", sandbox.url, "--database", sandbox.database, "--schema", sandbox.schema]
        argv += ["--token-file", str(sandbox.token_file), "--served-sandbox", sandbox.clock]
    else:
        for attribute, flag, is_path in _CARRIED:
            value = getattr(args, attribute, None)
            if value:
                argv += [flag, str(Path(value).expanduser().resolve()) if is_path else str(value)]
    if read_only:
        argv.append("--read-only")
    if getattr(args, "utc", False):
        argv.append("--utc")
    return argv


def console_command(argv: list[str]) -> str:
    """The shell command line textual-serve runs (it uses ``create_subprocess_shell``)."""
    return shlex.join(argv)


def sandbox_clock_spec(simulated_now: datetime, speed: float, wall_now: float | None = None) -> str:
    """The sandbox's fast simulated clock as "SIMULATED,WALL,SPEED" (epoch seconds), for its consoles:
    each console reads the same simulated time the sandbox does, as ``dagtop`` does on its own sandbox
    (else the header would warn of a server clock minutes, then hours, ahead)."""
    wall = time.time() if wall_now is None else wall_now
    return f"{simulated_now.timestamp():.6f},{wall:.6f},{speed:g}"


def sandbox_clock(spec: str) -> Callable[[], datetime]:
    """The clock ``sandbox_clock_spec`` describes (ValueError on a malformed spec)."""
    simulated, wall, speed = (float(part) for part in spec.split(","))
    start = datetime.fromtimestamp(simulated, UTC)
    return lambda: start + timedelta(seconds=(time.time() - wall) * speed)
