"""The notification hook: a command (argv, never a shell) given the notification as JSON on stdin.

Run off the UI thread by the caller, with a timeout; its output never reaches the terminal (the
console owns it); a failure is reported once until the hook works again, and never raises.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tui.services.log_spill import live_secrets
from tui.services.notify.text import inert

_ERR_CHARS = 2000  # of the hook's stderr kept to say why it failed


@dataclass(frozen=True)
class HookResult:
    ok: bool
    problem: str = ""  # why not, in words (inert, secrets masked)


def hook_env(secrets: Callable[[], list[str]] = live_secrets, env: Mapping[str, str] = os.environ) -> dict:
    """The hook's environment: ours, without any variable holding a live connection secret."""
    hidden = set(secrets())
    return {k: v for k, v in env.items() if v not in hidden and k != "DAGTOP_TOKEN"}


def run_hook(argv: Sequence[str], payload: Mapping[str, Any], timeout: float) -> HookResult:
    """Run ``argv`` with ``payload`` as JSON on stdin; wait at most ``timeout`` seconds."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        done = subprocess.run(
            list(argv),
            input=data,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            env=hook_env(),
            check=False,
            start_new_session=True,  # a ctrl+c meant for the console is not sent to the hook
        )
    except subprocess.TimeoutExpired:
        return HookResult(False, f"{inert(argv[0])} took longer than {timeout:g} s: stopped")
    except OSError as exc:
        return HookResult(False, f"cannot run {inert(argv[0])}: {inert(exc.strerror or exc)}")
    if done.returncode != 0:
        err = done.stderr[-_ERR_CHARS:].decode("utf-8", "replace").strip().splitlines()
        said = f": {inert(err[-1])}" if err else ""
        return HookResult(False, f"{inert(argv[0])} exited with status {done.returncode}{said}")
    return HookResult(True)


class HookRunner:
    """Runs the hook and remembers whether its failure was told: told once, again only after it worked."""

    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        self.argv = list(argv)
        self.timeout = timeout
        self._failing = False

    def __call__(self, payload: Mapping[str, Any]) -> str | None:
        """Run it; the failure to show (only the first of a series), else None."""
        result = run_hook(self.argv, payload, self.timeout)
        if result.ok:
            self._failing = False
            return None
        if self._failing:
            return None
        self._failing = True
        return result.problem
