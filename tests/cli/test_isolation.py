"""Tests never touch the developer's home: HOME, XDG directories and the journal are temporary, and the
CLI journals where the environment it is given says, not where the process's environment does."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import platformdirs
import pytest

from tests.conftest import file_state
from tui.headless import register, run
from tui.locations import config_file, saved_logs_dir
from tui.sandbox import SandboxConfig, SandboxServer
from tui.services.journal import default_journal_path

pytestmark = pytest.mark.tcp

TOKEN = "isolation-token-7e57"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def server():
    with SandboxServer(SandboxConfig(seed=7, tasks=40, token=TOKEN), host="127.0.0.1", port=0) as srv:
        yield srv


def _exec_argv(server) -> list[str]:
    database, schema = server.app.state.sandbox.scopes()[0]
    return ["exec", "CUSTOMER_360", "--yes", "--url", server.url, "--database", database, "--schema", schema]


def test_every_test_has_a_temporary_home(tmp_path_factory):
    home = Path.home().resolve()
    assert home.is_relative_to(tmp_path_factory.getbasetemp().resolve()), home
    # Everything dagtop would write or read by default lands under it: config, journal, saved logs.
    for path in (config_file(), default_journal_path(), saved_logs_dir(), platformdirs.user_cache_path()):
        assert path.resolve().is_relative_to(home), path
    assert not [name for name in os.environ if name.startswith("SNOWFLAKE_")]
    assert {"DAGTOP_TOKEN", "DAGTOP_PROFILE", "DAGTOP_CONFIG"}.isdisjoint(os.environ)


def test_an_action_in_a_test_leaves_the_real_journal_alone(server, real_journal, capsys):
    path, before = real_journal
    env = dict(os.environ, DAGTOP_TOKEN=TOKEN)
    assert run(parse(*_exec_argv(server)), env) == 0, capsys.readouterr().err
    written = [json.loads(line)["result"] for line in default_journal_path().read_text().splitlines()]
    assert written == ["sent", "ok"]
    assert file_state(path) == before, f"a test wrote to the real journal {path}"


def test_the_cli_journals_where_the_env_it_is_given_says(server, tmp_path, monkeypatch, capsys):
    process_journal = tmp_path / "process.jsonl"
    given_journal = tmp_path / "given.jsonl"
    monkeypatch.setenv("DAGTOP_JOURNAL", str(process_journal))
    env = dict(os.environ, DAGTOP_TOKEN=TOKEN, DAGTOP_JOURNAL=str(given_journal))
    assert run(parse(*_exec_argv(server)), env) == 0, capsys.readouterr().err
    assert [json.loads(line)["result"] for line in given_journal.read_text().splitlines()] == ["sent", "ok"]
    assert not process_journal.exists()
