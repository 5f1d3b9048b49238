"""``dagtop get`` writing into a real pipe: whole cells (no terminal to fit), line breaks as ⏎, and a
reader that leaves early (``| head``) ends dagtop quietly, as it ends Unix tools."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tui.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.tcp
TOKEN = "pipes-token-51ab"
# Longer than every column's cap on a terminal (COMMENT 50, FIRST ERROR 80), with a line break inside.
COMMENT = "first line of a long comment that a script wants whole, " * 2 + "\nsecond line"


@pytest.fixture(scope="module")
def server():
    with SandboxServer(SandboxConfig(seed=7, tasks=60, token=TOKEN), host="127.0.0.1", port=0) as srv:
        database, schema = srv.app.state.sandbox.scopes()[0]
        response = httpx.post(
            f"{srv.url}/api/v2/databases/{database}/schemas/{schema}/tasks",
            headers={"Authorization": f"Bearer {TOKEN}"},
            json={
                "name": "PIPED_COMMENT",
                "definition": "SELECT 1",
                "comment": COMMENT,
                "schedule": {"schedule_type": "MINUTES_TYPE", "minutes": 5},
            },
        )
        assert response.status_code == 200, response.text
        yield srv


@pytest.fixture
def argv(server, tmp_path: Path) -> list[str]:
    database, schema = server.app.state.sandbox.scopes()[0]
    return [sys.executable, "-m", "tui", "--url", server.url, "--database", database, "--schema", schema]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGTOP_", "SNOWFLAKE_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), DAGTOP_TOKEN=TOKEN, NO_COLOR="1")
    return env


def test_a_reader_that_leaves_early_ends_dagtop_quietly(argv, env):
    proc = subprocess.Popen([*argv, "get", "tasks"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The reader goes before dagtop writes a byte (as `head` does once it has its lines): the pipe
    # has no reader left, so dagtop's first write fails with EPIPE, every time.
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert stderr == ""  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_head_reads_its_lines_and_dagtop_ends_quietly(argv, env):
    dagtop = subprocess.Popen(
        [*argv, "get", "tasks"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    head = subprocess.run(
        ["head", "-n", "2"], stdin=dagtop.stdout, capture_output=True, text=True, timeout=60
    )
    dagtop.stdout.close()  # head holds the only reading end now, as in a shell's `dagtop ... | head`
    stderr = dagtop.stderr.read().decode()
    dagtop.stderr.close()
    assert dagtop.wait(timeout=60) in (0, 141)  # 0 when the table fitted the pipe before head left
    assert len(head.stdout.splitlines()) == 2 and stderr == ""


def test_piped_tables_print_every_cell_whole_with_line_breaks_as_return_signs(argv, env):
    proc = subprocess.run([*argv, "get", "tasks"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("PIPED_COMMENT"))
    assert row.endswith(COMMENT.replace("\n", " ⏎ "))
    assert "…" not in proc.stdout and "\\n" not in proc.stdout

    task = subprocess.run(
        [*argv, "get", "task", "PIPED_COMMENT"], env=env, capture_output=True, text=True, timeout=60
    )
    line = next(line for line in task.stdout.splitlines() if line.startswith("comment "))
    assert line.endswith(COMMENT.replace("\n", " ⏎ "))
