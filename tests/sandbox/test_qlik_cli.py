"""`dagtop sandbox --dialect qlik`: the options reach the config, the banner says how to connect, and
the served API answers a validated Qlik task list."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import httpx
import pytest

from tests.sandbox.qlik_contract import QlikChecker
from tui.sandbox.cli import add_arguments, config_from_args


def parse(*argv: str):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return config_from_args(parser.parse_args(["--token", "k", *argv]))


def test_the_default_dialect_stays_snowflake() -> None:
    assert parse().dialect == "snowflake"


def test_qlik_options_reach_the_config() -> None:
    config = parse(
        "--dialect", "qlik", "--qlik-relative-links", "--qlik-require-resource-id", "--qlik-graph-api",
        "--qlik-rate-limit", "30",
    )  # fmt: skip
    assert config.dialect == "qlik" and config.qlik_links == "relative"
    assert config.qlik_require_resource_id and config.qlik_graph_api and config.qlik_rate_limit == 30
    plain = parse("--dialect", "qlik")
    assert plain.qlik_links == "absolute" and not plain.qlik_require_resource_id
    assert not plain.qlik_graph_api and plain.qlik_rate_limit == 600


@pytest.mark.tcp
def test_the_qlik_sandbox_runs_from_the_command_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.sandbox.cli", "--dialect", "qlik", "--token", "qk", "--tasks", "30"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or not lines[-1].startswith("started in"):
            line = proc.stdout.readline()
            assert line, "the sandbox exited before its banner"
            lines.append(line)
        assert "Qlik Cloud Tasks API" in lines[0] and lines[1].strip().endswith(": qk")
        url = lines[0].rsplit(" ", 1)[1].strip()
        checker = QlikChecker()
        with httpx.Client(
            headers={"Authorization": "Bearer qk"}, event_hooks={"response": [checker.hook]}
        ) as c:
            deadline = time.monotonic() + 10
            while True:
                try:
                    response = c.get(url + "/api/v1/tasks", params={"limit": 100})
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
        names = [t["name"] for t in response.json()["data"]]
        assert response.status_code == 200
        assert len([n for n in names if not n.endswith("_ON_FAILURE")]) == 30  # plus the Qlik-only watchers
        assert checker.seen == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
