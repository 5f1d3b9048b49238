"""``dagtop get tasks`` reads every graph's latest result, at any account size, within the profile's
request budget; against a real sandbox server over loopback HTTP with more than 200 graphs."""

from __future__ import annotations

import argparse
import json
import os
import time

import pytest

from tui.backends.factory import open_backend
from tui.config import Profile
from tui.headless import register, run
from tui.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.tcp

TOKEN = "sweep-test-token-0b5e55ed"
MESSAGE = "the graph that sorts last failed"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def test_get_tasks_covers_every_graph_past_200_and_keeps_the_budget(tmp_path, monkeypatch, capsys):
    with SandboxServer(SandboxConfig(seed=7, tasks=2400, graphs=1200, token=TOKEN), port=0) as server:
        engine = server.app.state.sandbox
        database, schema = engine.scopes()[0]
        roots = sorted(t["name"] for t in engine.list_tasks(database, schema, root_only=True))
        assert len(roots) > 200
        last = roots[-1]
        # The sandbox runs on (60x): stop new runs, let a running one end, then record the failure.
        engine.suspend(database, schema, last)
        deadline = time.monotonic() + 30
        while any(r["state"] == "EXECUTING" for r in engine.current_graphs(database, schema, last)):
            assert time.monotonic() < deadline, "the sandbox run never ended"
            time.sleep(0.05)
        engine.record_failed_run(database, schema, last, message=MESSAGE)

        home = tmp_path / "home"
        (home / ".config" / "dagtop").mkdir(parents=True)
        token_file = home / "sb.token"
        token_file.write_text(TOKEN)
        token_file.chmod(0o600)
        (home / ".config" / "dagtop" / "config.toml").write_text(
            'default_profile = "sb"\n'
            f'[profiles.sb]\nurl = "{server.url}"\ndatabase = "{database}"\nschema = "{schema}"\n'
            f'token_file = "{token_file}"\nrequest_budget = 30000\n'
        )
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        for var in ("DAGTOP_CONFIG", "DAGTOP_TOKEN", "DAGTOP_PROFILE", "SNOWFLAKE_HOME"):
            monkeypatch.delenv(var, raising=False)
        log = server.app.state.request_log
        before = len(log)
        code = run(parse("get", "tasks", "-o", "json"), dict(os.environ))
        out, err = capsys.readouterr()
        assert code == 0, err
        tasks = {t["name"]: t for t in json.loads(out)["tasks"]}
        assert tasks[last]["last_result"] == "FAILED"
        assert tasks[last]["last_run"]["first_error_message"] == MESSAGE
        # Every graph was asked once for its latest completed run (no current runs: get reports results).
        asked = [t for _, t, _ in log[before:] if "/complete-graphs" in t]
        assert sorted(a.split("/tasks/")[1].split("/")[0] for a in asked) == roots


def test_the_profile_budget_is_what_the_http_client_keeps():
    profile = Profile(url="http://127.0.0.1:1", database="D", schema="S", request_budget=600, token="t")
    backend = open_backend(profile)
    assert backend.request_rate == 10.0  # 600 a minute
    default = open_backend(Profile(url="http://127.0.0.1:1", database="D", schema="S", token="t"))
    assert default.request_rate == 20.0
