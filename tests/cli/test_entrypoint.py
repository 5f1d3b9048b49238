"""The real ``python -m tui`` process: exit codes, no tracebacks, flags before or after the subcommand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.tcp
TOKEN = "entrypoint-token-9d1e"


@pytest.fixture
def home_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGTOP_", "SNOWFLAKE_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), NO_COLOR="1")
    return env


def dagtop(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *argv], env=env, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    return proc


def test_bad_config_exits_2_with_one_line(home_env, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[profiles.x]\nurl = \n")
    proc = dagtop(home_env, "get", "tasks", "--config", str(config), "-c", "x")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(f"dagtop: {config}: invalid TOML: ") and proc.stderr.count("\n") == 1


def test_get_through_the_real_entry_point(home_env, tmp_path):
    with SandboxServer(SandboxConfig(seed=7, tasks=60, token=TOKEN), host="127.0.0.1", port=0) as server:
        database, schema = server.app.state.sandbox.scopes()[0]
        home_env["DAGTOP_TOKEN"] = TOKEN
        flags = ["--url", server.url, "--database", database, "--schema", schema]
        # Connection flags work before the subcommand (main parser) and after it (subparser).
        before = dagtop(home_env, *flags, "get", "tasks", "-o", "json")
        after = dagtop(home_env, "get", "tasks", "-o", "json", *flags)
        assert before.returncode == after.returncode == 0
        # The same tasks (their latest runs may move on between the two: the sandbox keeps running).
        tasks = [
            [{**t, "last_run": None, "last_result": None} for t in json.loads(p.stdout)["tasks"]]
            for p in (before, after)
        ]
        assert tasks[0] == tasks[1] and tasks[0]
        missing = dagtop(home_env, *flags, "get", "task", "NOPE")
        assert missing.returncode == 1 and "HTTP 404" in missing.stderr


@pytest.mark.parametrize("command", [["get", "tasks"], []], ids=["get", "console"])
def test_a_config_with_several_problems_lists_each_on_its_own_line(home_env, tmp_path, command):
    config = tmp_path / "c.toml"
    config.write_text(
        '[profiles.x]\nurl = "https://a.example"\ndatabase = "D"\nschema = "S"\n'
        'poll_interval = "fast"\nread_only = "yes"\n'
    )
    proc = dagtop(home_env, *command, "--config", str(config), "-c", "x")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f'dagtop: {config}: profiles.x.poll_interval: expected a number, got "fast"',
        f'dagtop: {config}: profiles.x.read_only: expected true or false, got "yes"',
    ]
