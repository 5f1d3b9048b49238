"""``dagtop get`` and the scripted actions, against a real sandbox server over loopback HTTP."""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import time
import unicodedata
from pathlib import Path

import httpx
import pytest

from tui.headless import register, run
from tui.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.tcp

TOKEN = "cli-test-token-5c0ffee"
HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m\rgotcha\u202e"


def live_controls(text: str) -> list[str]:
    """Characters a terminal would act on or that disguise text: Unicode controls (Cc: C0, DEL, C1),
    format characters (Cf: bidi overrides, zero-width marks) and surrogates (Cs); line breaks aside.
    Judged by Unicode's own categories, not by the code under test."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in {"Cc", "Cf", "Cs"}]


def parse(*argv: str) -> argparse.Namespace:
    """Mirror tui/cli.py: one subparser per command, dispatched to headless.run."""
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def server():
    with SandboxServer(SandboxConfig(seed=7, tasks=60, token=TOKEN), host="127.0.0.1", port=0) as srv:
        database, schema = srv.app.state.sandbox.scopes()[0]
        # A task whose comment and name are built to take over a terminal.
        response = httpx.post(
            f"{srv.url}/api/v2/databases/{database}/schemas/{schema}/tasks",
            headers={"Authorization": f"Bearer {TOKEN}"},
            json={
                "name": '"EVIL' + HOSTILE.replace('"', '""') + '"',
                "definition": "SELECT 1",
                "comment": "comment " + HOSTILE,
                "schedule": {"schedule_type": "MINUTES_TYPE", "minutes": 5},
            },
        )
        assert response.status_code == 200, response.text
        yield srv


@pytest.fixture
def scope(server):
    return server.app.state.sandbox.scopes()[0]


@pytest.fixture
def env(tmp_path: Path, server, scope, monkeypatch) -> dict[str, str]:
    """A private HOME whose dagtop config points at the sandbox; the token lives in a 0600 file."""
    home = tmp_path / "home"
    (home / ".config" / "dagtop").mkdir(parents=True)
    token_file = home / "sandbox.token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    database, schema = scope
    (home / ".config" / "dagtop" / "config.toml").write_text(
        'default_profile = "sb"\n'
        f'[profiles.sb]\nurl = "{server.url}"\ndatabase = "{database}"\nschema = "{schema}"\n'
        f'token_file = "{token_file}"\n'
        f'[profiles.ro]\nurl = "{server.url}"\ndatabase = "{database}"\nschema = "{schema}"\n'
        f'token_file = "{token_file}"\nread_only = true\n'
        f'[profiles.prod]\nurl = "{server.url}"\ndatabase = "{database}"\nschema = "{schema}"\n'
        f'token_file = "{token_file}"\nproduction = true\n'
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for var in ("DAGTOP_CONFIG", "DAGTOP_TOKEN", "DAGTOP_PROFILE", "SNOWFLAKE_HOME", "SNOWFLAKE_CONNECTIONS"):
        monkeypatch.delenv(var, raising=False)
    return dict(os.environ)


@pytest.fixture
def dagtop(env, capsys):
    """Run a command in-process: (exit code, stdout, stderr), checking no output ever leaks."""

    def _run(*argv: str) -> tuple[int, str, str]:
        code = run(parse(*argv), env)
        out, err = capsys.readouterr()
        assert TOKEN not in out + err
        assert "Traceback" not in err
        return code, out, err

    return _run


def _roots(dagtop) -> list[dict]:
    code, out, _ = dagtop("get", "tasks", "-o", "json")
    assert code == 0
    return [
        t for t in json.loads(out)["tasks"] if t["is_root"] and not t["name"].lstrip('"').startswith("EVIL")
    ]


# ---------------------------------------------------------------------------------------------- get


def test_get_tasks_table(dagtop):
    code, out, err = dagtop("get", "tasks")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == [
        "NAME", "STATE", "RESULT", "LAST", "RUN", "ROOT", "SCHEDULE", "FIRST", "ERROR", "WAREHOUSE", "COMMENT"
    ]  # fmt: skip
    assert len(lines) > 10
    # Columns are aligned: STATE starts at the same offset on every row.
    offset = lines[0].index("STATE")
    assert all(line[offset - 2 : offset] == "  " for line in lines[1:])
    assert "\x1b" not in out  # not a terminal: no colour


def test_get_tasks_json_shape(dagtop):
    code, out, _ = dagtop("get", "tasks", "-o", "json")
    assert code == 0
    tasks = json.loads(out)["tasks"]
    documented = {
        "key", "name", "scope", "root", "is_root", "predecessors", "state", "raw_state", "schedule",
        "warehouse", "owner", "comment", "doc", "definition", "condition", "config", "error_integration",
        "timeout_ms", "suspend_after_failures", "auto_retry_attempts", "finalizer_of", "created_on",
        "last_committed_on", "last_suspended_on",
    }  # fmt: skip
    assert all(set(t) == documented | {"last_result", "last_run"} for t in tasks)
    assert {t["state"] for t in tasks} <= {"started", "suspended", "unknown"}
    stamps = [t["created_on"] for t in tasks if t["created_on"]]
    assert stamps and all(s.endswith("Z") for s in stamps)


def dependents(dagtop, name: str) -> list[dict]:
    return json.loads(dagtop("get", "dependents", name, "-o", "json")[1])["tasks"]


def test_get_tasks_says_each_graphs_latest_result_time_and_first_error(dagtop, server, scope):
    database, schema = scope
    engine = server.app.state.sandbox
    # A graph whose latest run failed at a known task, with a known message.
    root = max(_roots(dagtop), key=lambda t: len(dependents(dagtop, t["name"])))
    graph = dependents(dagtop, root["name"])
    assert len(graph) >= 3
    culprit = graph[-1]["name"]
    message = "Division by zero in step 3"
    # The sandbox keeps running (60x): stop new runs and let a running one end, so the failed run
    # recorded next stays the graph's latest until `get` reads it.
    engine.suspend(database, schema, root["name"])
    deadline = time.monotonic() + 30
    while any(r["state"] == "EXECUTING" for r in engine.current_graphs(database, schema, root["name"])):
        assert time.monotonic() < deadline, "the sandbox run never ended"
        time.sleep(0.05)
    engine.record_failed_run(database, schema, root["name"], message=message, task=culprit)
    code, out, _ = dagtop("get", "tasks", "-o", "json")
    assert code == 0
    tasks = {t["name"]: t for t in json.loads(out)["tasks"]}
    last = tasks[root["name"]]["last_run"]
    assert tasks[root["name"]]["last_result"] == "FAILED" and last["state"] == "FAILED"
    assert last["first_error_message"] == message and last["completed_time"].endswith("Z")
    assert last["first_error_task"] == culprit
    # The console's rule for the rest of the graph, worked out here from the predecessors: the failed
    # task FAILED, what it waited for SUCCEEDED, what waits on it did not run, the rest is unknown.
    preds = {t["name"]: {p.rsplit(".", 1)[-1] for p in t.get("predecessors") or []} for t in graph}
    ancestors, todo = set(), [culprit]
    while todo:
        for p in preds.get(todo.pop(), ()):
            if p not in ancestors:
                ancestors.add(p)
                todo.append(p)
    below, grew = {culprit}, True
    while grew:
        grew = False
        for name, ps in preds.items():
            if name not in below and ps & below:
                below.add(name)
                grew = True
    expected = {
        t["name"]: "FAILED" if t["name"] == culprit else "SUCCEEDED" if t["name"] in ancestors
        else "NOT_RUN" if t["name"] in below else "UNKNOWN"
        for t in graph[1:]
    }  # fmt: skip
    assert "SUCCEEDED" in expected.values()  # the culprit has ancestors: the rule is exercised
    assert {n: tasks[n]["last_result"] for n in expected} == expected
    # The table says the same: the result, when, and the first error.
    code, out, _ = dagtop("get", "tasks")
    row = next(line for line in out.splitlines() if line.startswith(root["name"] + " "))
    assert "FAILED" in row and "Division by zero" in row and culprit in row
    engine.resume(database, schema, root["name"])


def test_get_task_both_formats(dagtop):
    root = _roots(dagtop)[0]
    code, out, _ = dagtop("get", "task", root["name"], "-o", "json")
    assert code == 0 and json.loads(out)["task"]["key"] == root["key"]
    code, out, _ = dagtop("get", "task", root["name"])
    assert code == 0
    fields = dict(line.split(None, 1) for line in out.splitlines()[1:] if len(line.split(None, 1)) == 2)
    assert fields["key"] == root["key"] and fields["state"] == root["state"]


def test_get_dependents_in_dependency_order(dagtop):
    root = max(_roots(dagtop), key=lambda t: t["name"])
    code, out, _ = dagtop("get", "dependents", root["name"], "-o", "json")
    assert code == 0
    data = json.loads(out)
    assert data["task"] == root["key"]
    tasks = data["tasks"]
    assert tasks[0]["key"] == root["key"] and tasks[0]["depth"] == 0
    seen = set()
    for task in tasks:
        assert all(p in seen for p in task["predecessors"] if task["depth"])
        seen.add(task["key"])
    code, out, _ = dagtop("get", "dependents", root["name"])
    assert out.splitlines()[1].startswith(root["name"])


def test_get_runs_phases_limit_and_errors(dagtop):
    root = _roots(dagtop)[0]["name"]
    code, out, _ = dagtop("get", "runs", root, "-o", "json", "--limit", "2")
    runs = json.loads(out)["runs"]
    assert code == 0 and {r["phase"] for r in runs} <= {"current", "completed"}
    assert sum(r["phase"] == "completed" for r in runs) <= 2
    code, out, _ = dagtop("get", "runs", root, "-o", "json", "--current")
    assert {r["phase"] for r in json.loads(out)["runs"]} <= {"current"}
    code, out, _ = dagtop("get", "runs", root, "-o", "json", "--errors-only", "--limit", "50")
    runs = json.loads(out)["runs"]
    assert all(r["phase"] == "completed" and r["state"] in ("FAILED", "CANCELLED") for r in runs)
    code, out, _ = dagtop("get", "runs", root)
    assert code == 0 and out.splitlines()[0].split()[:3] == ["PHASE", "RUN", "STATE"]


def test_runs_of_a_child_show_its_graph(dagtop):
    code, out, _ = dagtop("get", "tasks", "-o", "json")
    child = next(t for t in json.loads(out)["tasks"] if not t["is_root"])
    code, out, err = dagtop("get", "runs", child["name"], "-o", "json")
    assert code == 0 and json.loads(out)["root"] == child["root"]
    assert "is not a root" in err


def test_errors_only_with_current_is_a_usage_error(dagtop):
    code, _, err = dagtop("get", "runs", "X", "--current", "--errors-only")
    assert code == 2 and "--errors-only" in err


def test_unknown_task_is_a_backend_error_with_the_servers_message(dagtop):
    code, out, err = dagtop("get", "task", "NO_SUCH_TASK")
    assert code == 1 and out == ""
    assert err.startswith("dagtop: HTTP 404") and "NO_SUCH_TASK" in err and "request id" in err


def test_wrong_token_is_exit_1_and_never_echoed(dagtop, env, monkeypatch):
    env["DAGTOP_TOKEN"] = "wrong-token-value"
    code, out, err = dagtop("get", "tasks")
    assert code == 1 and "HTTP 401" in err
    assert "wrong-token-value" not in out + err


def test_bad_config_is_exit_2_with_one_line(dagtop, env, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[profiles.x]\nurl = "https://a.example"\ndatabase = "D"\nschema = "S"\npoll_interval = "fast"\n'
    )
    env["DAGTOP_CONFIG"] = str(bad)
    code, out, err = dagtop("get", "tasks", "-c", "x")
    assert (code, out) == (2, "")
    assert err == f'dagtop: {bad}: profiles.x.poll_interval: expected a number, got "fast"\n'


def test_no_configuration_is_a_usage_error_saying_how_to_connect(dagtop, env, tmp_path):
    env["DAGTOP_CONFIG"] = str(tmp_path / "empty.toml")
    (tmp_path / "empty.toml").write_text("")
    code, out, err = dagtop("get", "tasks")
    assert (code, out) == (2, "")
    assert "no connection configured" in err and "-c NAME" in err and "--url" in err and "--sandbox" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_only_an_explicit_sandbox_flag_reads_the_sandbox(dagtop, env, tmp_path, where):
    env["DAGTOP_CONFIG"] = str(tmp_path / "empty.toml")
    (tmp_path / "empty.toml").write_text("")
    argv = ["get", "--sandbox", "tasks"] if where == "before" else ["get", "tasks", "--sandbox"]
    code, out, err = dagtop(*argv)
    assert code == 0 and "temporary sandbox" in err and out.startswith("NAME")
    code, _, err = dagtop("get", "tasks", "--sandbox", "-c", "sb")
    assert code == 2 and "--sandbox" in err


# ---------------------------------------------------------------------------------------------- safety


def test_hostile_server_text_is_inert_in_tables(dagtop):
    code, out, _ = dagtop("get", "tasks")
    assert code == 0
    assert live_controls(out) == []
    assert "\\x1b]52;c;ZXZpbA==\\x07" in out  # visible, not interpreted
    code, out, _ = dagtop("get", "task", '"EVIL' + HOSTILE.replace('"', '""') + '"')
    assert code == 0 and "comment" in out
    assert live_controls(out) == []


def test_hostile_server_text_is_escaped_but_exact_in_json(dagtop):
    code, out, _ = dagtop("get", "tasks", "-o", "json")
    assert code == 0
    assert live_controls(out) == []
    comments = [t["comment"] for t in json.loads(out)["tasks"]]
    assert "comment " + HOSTILE in comments


# ---------------------------------------------------------------------------------------------- actions


def _state(dagtop, name: str) -> str:
    return json.loads(dagtop("get", "task", name, "-o", "json")[1])["task"]["state"]


def test_suspend_and_resume_with_yes(dagtop):
    name = _roots(dagtop)[-1]["name"]
    assert dagtop("suspend", name, "--yes")[0] == 0
    assert _state(dagtop, name) == "suspended"
    assert dagtop("resume", name, "--yes")[0] == 0
    assert _state(dagtop, name) == "started"


def test_exec_with_yes_and_retry_last_flag_parses(dagtop):
    name = _roots(dagtop)[0]["name"]
    code, out, _ = dagtop("exec", name, "--yes")
    assert code == 0 and out.strip()
    assert parse("exec", name, "--retry-last", "--yes").retry_last is True


def test_exec_of_a_child_is_refused_before_anything_is_sent(dagtop, server):
    code, out, _ = dagtop("get", "tasks", "-o", "json")
    child = next(t for t in json.loads(out)["tasks"] if not t["is_root"])
    before = len(server.app.state.request_log)
    code, _, err = dagtop("exec", child["name"], "--yes")
    # The same plan as the console's: a child cannot be executed, and the root to use is named.
    assert code == 1 and err.startswith("dagtop: not sent: ") and "child task" in err
    assert [e for e in server.app.state.request_log[before:] if e[0] == "POST"] == []


def test_exec_retry_last_names_the_failed_run_its_first_failure_and_what_reruns_like_the_console(
    dagtop, monkeypatch, server, scope
):
    # The console's retry dialog names the run retryLast acts on, the task that failed first and what
    # depends on it (tests/console/test_confirm.py); `dagtop exec --retry-last` plans through the same
    # function, so it says the same before asking.
    database, schema = scope
    engine = server.app.state.sandbox
    root = max(_roots(dagtop), key=lambda t: len(dependents(dagtop, t["name"])))
    # The child with most tasks downstream of it fails first: the plan names them.
    children = [t["name"] for t in dependents(dagtop, root["name"]) if t["depth"] > 0]
    culprit = max(children, key=lambda name: len(dependents(dagtop, name)))
    downstream = sorted(t["name"] for t in dependents(dagtop, culprit) if t["depth"] > 0)
    assert downstream, "the seeded sandbox has a graph at least three tasks deep"
    # The sandbox keeps running: stop new runs and let a running one end, so the failed run recorded
    # next stays the graph's last completed run until the plan reads it.
    engine.suspend(database, schema, root["name"])
    deadline = time.monotonic() + 30
    while any(r["state"] == "EXECUTING" for r in engine.current_graphs(database, schema, root["name"])):
        assert time.monotonic() < deadline, "the sandbox run never ended"
        time.sleep(0.05)
    run_id = engine.record_failed_run(database, schema, root["name"], task=culprit)
    before = len(server.app.state.request_log)
    monkeypatch.setattr("sys.stdin", _Tty("n\n"))
    try:
        code, _, err = dagtop("exec", root["name"], "--retry-last")
    finally:
        engine.resume(database, schema, root["name"])
    assert code == 3 and "nothing was sent" in err, err  # declined: the consequence said, nothing sent
    assert [e for e in server.app.state.request_log[before:] if e[0] == "POST"] == []
    said = (
        f"failed or were cancelled in run {run_id} (the first to fail: {culprit}), and what depends on them ("
    )
    assert said in err, err
    assert ", ".join(downstream[:3]) in err


def test_the_journal_names_the_target_fully_qualified_however_it_was_typed(dagtop, env, scope, tmp_path):
    journal = tmp_path / "journal.jsonl"
    env["DAGTOP_JOURNAL"] = str(journal)
    name = _roots(dagtop)[0]["name"]
    database, schema = scope
    typings = (name, name.lower(), f"{database}.{schema}.{name}", f"{database.lower()}.{schema}.{name}")
    for verb, typed in zip(("suspend", "resume") * 2, typings, strict=True):
        code, _, err = dagtop(verb, typed, "--yes")
        assert code == 0, err
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert {e["target"] for e in entries} == {f"{database}.{schema}.{name}"}
    assert [e["result"] for e in entries] == ["sent", "ok"] * 4
    # Who and where, in every entry; the steps of one action share an id.
    assert all(e["user"] and e["host"] for e in entries)
    assert [e["id"] for e in entries[::2]] == [e["id"] for e in entries[1::2]]
    assert len({e["id"] for e in entries}) == 4


def test_action_without_a_terminal_needs_yes(dagtop, monkeypatch):
    name = _roots(dagtop)[0]["name"]
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, _, err = dagtop("suspend", name)
    assert code == 2 and "pass --yes" in err
    assert _state(dagtop, name) == "started"


def test_read_only_refuses_actions(dagtop):
    name = _roots(dagtop)[0]["name"]
    code, _, err = dagtop("suspend", name, "--yes", "-c", "ro")
    assert code == 2 and "read-only" in err
    code, _, err = dagtop("suspend", name, "--yes", "--read-only")
    assert code == 2 and "--read-only" in err
    assert _state(dagtop, name) == "started"


def test_actions_never_run_against_the_temporary_sandbox(dagtop, env, tmp_path):
    env["DAGTOP_CONFIG"] = str(tmp_path / "empty.toml")
    (tmp_path / "empty.toml").write_text("")
    code, _, err = dagtop("suspend", "ANY", "--yes")
    assert code == 2 and "no connection configured" in err


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_confirmation(dagtop, monkeypatch):
    name = _roots(dagtop)[0]["name"]
    monkeypatch.setattr("sys.stdin", _Tty("n\n"))
    code, _, err = dagtop("suspend", name)
    # Declined is not a usage error: its own exit code, so a script can tell "no" from "wrong".
    assert code == 3 and "Proceed? [y/N]" in err and "nothing was sent" in err
    assert _state(dagtop, name) == "started"
    monkeypatch.setattr("sys.stdin", _Tty("y\n"))
    assert dagtop("suspend", name)[0] == 0
    assert dagtop("resume", name, "--yes")[0] == 0


def test_production_wants_the_task_name_typed(dagtop, monkeypatch):
    name = _roots(dagtop)[0]["name"]
    monkeypatch.setattr("sys.stdin", _Tty("y\n"))
    code, _, err = dagtop("suspend", name, "-c", "prod")
    assert code == 3 and "PRODUCTION" in err and "Type the task name" in err
    assert _state(dagtop, name) == "started"
    monkeypatch.setattr("sys.stdin", _Tty(name + "\n"))
    assert dagtop("suspend", name, "-c", "prod")[0] == 0
    assert dagtop("resume", name, "--yes")[0] == 0


def test_there_is_no_token_option_anywhere():
    for argv in (["get", "tasks", "--token", "x"], ["exec", "T", "--token", "x"]):
        with pytest.raises(SystemExit) as info:
            parse(*argv)
        assert info.value.code == 2


def test_an_action_that_cannot_be_journaled_is_not_sent(dagtop, env, server, tmp_path):
    blocked = tmp_path / "journal-is-a-directory"
    blocked.mkdir()
    env["DAGTOP_JOURNAL"] = str(blocked)
    name = _roots(dagtop)[0]["name"]
    before = len(server.app.state.request_log)
    code, _, err = dagtop("suspend", name, "--yes")
    assert code == 2 and "journal cannot be written" in err
    sent = [entry for entry in server.app.state.request_log[before:] if entry[0] == "POST"]
    assert sent == []


def test_could_not_connect_names_the_host_and_port(dagtop, env):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env["DAGTOP_TOKEN"] = "t"
    code, out, err = dagtop("get", "tasks", "-c", "sb", "--url", f"http://127.0.0.1:{port}")
    assert (code, out) == (1, "")
    assert f"could not connect to 127.0.0.1:{port}" in err, err


def test_get_import_errors_on_a_backend_without_them_says_why(dagtop):
    """Import errors are Airflow's: elsewhere the command says why (exit 2), never an empty list that
    reads as "all files load" (the real servers: tests/airflow/test_import_errors_docs.py)."""
    from tui.backends.base import NO_IMPORT_ERRORS

    for output in ("table", "json"):
        code, out, err = dagtop("get", "import-errors", "-o", output)
        assert (code, out) == (2, "")
        assert f"snowflake has no import errors: {NO_IMPORT_ERRORS}" in err


# ---------------------------------------------------------------------------------------------- why


def test_why_says_what_stops_a_task_with_sources_inert_text_and_json(dagtop):
    """`dagtop why NAME`: the console's W printed once. The hostile task was created suspended (as
    Snowflake creates tasks) and has a schedule; its name is shown inert."""
    evil = '"EVIL' + HOSTILE.replace('"', '""') + '"'
    code, out, err = dagtop("why", evil)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("1 thing stops EVIL") and lines[0].endswith("from running (✗ below).")
    assert lines[1].startswith("✗ it is suspended: ") and "the graph's schedule does not fire" in lines[1]
    assert lines[2].startswith("    from GET /api/v2/databases/") and "· state, last_suspended_on" in lines[2]
    assert live_controls(out) == [] and "\\x1b]52;c;ZXZpbA==\\x07" in out
    code, out, _ = dagtop("why", evil, "-o", "json")
    assert code == 0 and live_controls(out) == []
    body = json.loads(out)
    assert body["task"].endswith('."EVIL' + HOSTILE.replace('"', '""') + '"')
    first = body["facts"][0]
    assert (first["blocking"], first["known"], first["due"]) == (True, True, False)
    assert first["source"].endswith("· state, last_suspended_on")
