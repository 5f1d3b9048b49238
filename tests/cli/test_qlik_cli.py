"""``dagtop get/exec/suspend/resume --backend qlik --url URL`` end to end, against the Qlik dialect of
the sandbox served over loopback HTTP: the API key from DAGTOP_TOKEN, tasks named by name or id."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest

from tui.headless import register, run
from tui.sandbox import ManualClock, SandboxConfig, SandboxServer

pytestmark = pytest.mark.tcp

KEY = "qlik-cli-api-key-5c0ffee"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def server():
    from datetime import UTC, datetime

    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    with SandboxServer(SandboxConfig(seed=7, tasks=40, token=KEY, dialect="qlik"), clock=clock) as srv:
        clock.advance(6 * 3600)
        yield srv


@pytest.fixture
def dagtop(server, tmp_path: Path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for var in ("DAGTOP_CONFIG", "DAGTOP_PROFILE", "SNOWFLAKE_HOME", "SNOWFLAKE_CONNECTIONS"):
        monkeypatch.delenv(var, raising=False)
    env = {**os.environ, "DAGTOP_TOKEN": KEY}

    def _run(*argv: str) -> tuple[int, str, str]:
        code = run(parse(*argv[:1], *argv[1:], "--backend", "qlik", "--url", server.url), env)
        out, err = capsys.readouterr()
        assert KEY not in out + err and "Traceback" not in err
        return code, out, err

    return _run


def _tasks(dagtop) -> list[dict]:
    code, out, err = dagtop("get", "tasks", "-o", "json")
    assert code == 0, err
    return json.loads(out)["tasks"]


def test_get_tasks_lists_every_qlik_task_with_its_chain(dagtop, server):
    tasks = _tasks(dagtop)
    assert {t["key"] for t in tasks} == set(server.app.state.qlik.state.refs)
    roots = {t["key"] for t in tasks if t["is_root"]}
    assert all(t["root"] in roots for t in tasks)
    assert any(t["condition"] and t["condition"].startswith("on success of ") for t in tasks)


def test_get_runs_of_a_chain_by_name(dagtop):
    root = next(t for t in _tasks(dagtop) if t["is_root"] and t["last_run"])
    code, out, err = dagtop("get", "runs", root["name"], "--completed", "-o", "json")
    assert code == 0, err
    runs = json.loads(out)["runs"]
    assert runs and {r["state"] for r in runs} <= {"SUCCEEDED", "FAILED"}


def test_exec_starts_the_task_and_names_its_new_run(dagtop, server):
    root = next(t for t in _tasks(dagtop) if t["is_root"] and t["state"] == "started")
    code, out, err = dagtop("exec", root["name"], "--yes")
    assert code == 0, err
    assert f"started task {root['name']}: run " in out
    starts = [t for m, t, _ in server.app.state.request_log if m == "POST"]
    assert starts[-1] == f"/api/v1/tasks/{root['key']}/actions/start?source=manual"


def test_suspend_and_resume_disable_and_enable_by_id(dagtop, server):
    task = next(t for t in _tasks(dagtop) if t["state"] == "started" and not t["is_root"])
    code, out, err = dagtop("suspend", task["key"], "--yes")
    assert code == 0, err
    assert "Qlik made" in out and "its owner" in out
    assert next(t for t in _tasks(dagtop) if t["key"] == task["key"])["state"] == "suspended"
    assert dagtop("resume", task["key"], "--yes")[0] == 0
    assert next(t for t in _tasks(dagtop) if t["key"] == task["key"])["state"] == "started"
    puts = [t for m, t, _ in server.app.state.request_log if m == "PUT"]
    assert puts[-2:] == [f"/api/v1/tasks/{task['key']}"] * 2
