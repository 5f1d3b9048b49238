"""Hostile text from a REAL Taipy server: a task raises an exception full of markup and terminal escapes
(tests/taipy/app/dagtop_taipy_funcs.py EVIL), which Taipy serves as the job's stack trace. The adapter
keeps it exactly; ``dagtop get`` shows it inert on a terminal and exact in JSON.

Sequence names cannot carry it: Taipy refuses a non-identifier name (a bare HTML 500), also checked."""

from __future__ import annotations

import argparse
import json
import time

import pytest

from tests.reliability.support import RAW_CONTROLS
from tests.taipy.app.dagtop_taipy_funcs import EVIL
from tests.taipy.fixtures import Live
from tui.backends.taipy import TaipyBackend
from tui.errors import ActionOutcomeUnknown, BackendError
from tui.headless import register, run

pytestmark = pytest.mark.tcp


@pytest.fixture(scope="module")
def hostile(taipy_server: Live) -> str:
    """A hostile scenario, submitted once; its evil job FAILED with its trace stored."""
    scenario = taipy_server.server.create_scenario("hostile")
    taipy_server.server.call("POST", f"/scenarios/submit/{scenario}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # FAILED comes before the trace is stored: wait for both
        jobs = [j for j in taipy_server.server.jobs() if str(j["id"]).startswith("JOB_evil_")]
        if jobs and jobs[0]["stacktrace"]:
            return scenario
        time.sleep(0.1)
    raise TimeoutError("the evil job never failed with a stack trace")


@pytest.mark.anyio
async def test_the_trace_is_kept_exactly(taipy_server: Live, hostile: str) -> None:
    backend = TaipyBackend.connect(taipy_server.url)
    try:
        (run_,) = await backend.completed_runs(hostile)
        log = await backend.run_log(hostile, run_.run_id, run_.first_error_task or "", 1)
        with pytest.raises((BackendError, ActionOutcomeUnknown)) as caught:
            await backend.http.send_action(
                "POST",
                "/api/v1/sequences/",
                None,
                {"scenario_id": hostile, "sequence_name": "EVIL_" + EVIL, "task_ids": []},
            )
    finally:
        await backend.aclose()
    assert "\n".join(log.lines) == "RuntimeError: " + EVIL.replace("\r\n", "\n")
    assert run_.first_error_message == "RuntimeError: " + EVIL
    assert "HTTP 500" in str(caught.value) or "500" in caught.value.describe()


@pytest.mark.parametrize("argv", [["get", "tasks"], ["get", "runs", "hostile"]])
@pytest.mark.parametrize("output", ["table", "json"])
def test_get_output_is_inert_and_json_is_exact(
    taipy_server: Live, hostile: str, argv: list[str], output: str, capsys, tmp_path
) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"}
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    flags = ["--backend", "taipy", "--url", taipy_server.url, "-o", output]
    code = run(parser.parse_args([*argv, *flags]), env)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not RAW_CONTROLS.search(out.replace("\n", "")) and "\x1b" not in out + err
    if output == "json":
        data = json.loads(out)
        if argv[1] == "runs":
            assert [r["first_error_message"] for r in data["runs"]] == ["RuntimeError: " + EVIL]
    elif argv[1] == "runs":  # the first error, made visible (cut to the column's width)
        assert "RuntimeError: [@click=app.quit]x" in out
