"""``dagtop get`` (table and JSON) with the hostile corpus in every field, error messages included:
inert on the terminal, exact in JSON. tests/cli covers names and comments; this adds definitions,
conditions, configs and graph runs' error messages."""

from __future__ import annotations

import argparse
import json

import pytest

from tests.reliability.support import HOSTILE, RAW_CONTROLS, TOKEN, huge_config, ident
from tui.headless import register, run
from tui.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.tcp
ALL = "".join(HOSTILE.values())
NAME = "EVIL_" + HOSTILE["markup_click"] + HOSTILE["osc8"]


@pytest.fixture(scope="module")
def server():
    with SandboxServer(SandboxConfig(seed=7, tasks=40, token=TOKEN), host="127.0.0.1", port=0) as srv:
        engine = srv.app.state.sandbox
        database, schema = engine.scopes()[0]
        body = {"name": ident(NAME), "definition": ALL, "comment": ALL, "condition": ALL}
        engine.create_task(database, schema, {**body, "config": huge_config()})
        engine.record_failed_run(database, schema, ident(NAME), message=ALL)
        yield srv


@pytest.mark.parametrize("argv", [["get", "tasks"], ["get", "task", NAME], ["get", "runs", NAME]])
@pytest.mark.parametrize("output", ["table", "json"])
def test_get_output_is_inert_and_json_is_exact(server, argv, output, capsys, tmp_path) -> None:
    database, schema = server.app.state.sandbox.scopes()[0]
    env = {"DAGTOP_TOKEN": TOKEN, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"}
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    flags = ["--url", server.url, "--database", database, "--schema", schema, "-o", output]
    code = run(parser.parse_args([*argv, *flags]), env)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not RAW_CONTROLS.search(out.replace("\n", "")) and "\x1b" not in out + err
    assert TOKEN not in out + err
    if output == "json":
        data = json.loads(out)
        if argv[1] == "runs":
            assert any(r["first_error_message"] == ALL for r in data["runs"])
        elif argv[1] == "task":
            task = data["task"]
            assert (task["name"], task["definition"], task["condition"]) == (NAME, ALL, ALL)
        else:
            assert any(t["name"] == NAME and t["comment"] == ALL for t in data["tasks"])
    else:
        assert "[@click=app.quit]x[/]" in out and "\\x1b]8;;" in out
