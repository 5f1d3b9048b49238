"""``dagtop exec`` and ``dagtop cancel`` on the real Taipy server (``--backend taipy --url URL``, no
token): a scenario submitted, a waiting job cancelled, a running one refused with Taipy's reason, and
``SCENARIO/TASK`` names as people type them."""

from __future__ import annotations

import argparse
import time

import pytest

from tests.taipy.fixtures import Live
from tui.headless import register, run


def _dagtop(live: Live, *argv: str, capsys: pytest.CaptureFixture[str], tmp_path) -> tuple[int, str, str]:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"}
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    code = run(parser.parse_args([*argv, "--backend", "taipy", "--url", live.url]), env)
    out, err = capsys.readouterr()
    return code, out, err


def _wait_status(live: Live, prefix: str, status: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(str(j["id"]).startswith(prefix) and j["status"] == status for j in live.server.jobs()):
            return
        time.sleep(0.1)
    raise TimeoutError(f"no {prefix} job became {status}")


def test_exec_then_cancel_a_waiting_job_and_not_a_running_one(live: Live, capsys, tmp_path) -> None:
    scenario = live.server.create_scenario("actions")
    tasks = {t["config_id"]: t["id"] for t in live.server.call("GET", "/tasks/") if t["owner_id"] == scenario}  # type: ignore[union-attr,index]
    code, out, err = _dagtop(live, "exec", scenario, "--yes", capsys=capsys, tmp_path=tmp_path)
    assert (code, out.strip()) == (0, f"Scenario {scenario} was submitted."), err
    _wait_status(live, "JOB_slow_", "Status.RUNNING")

    code, out, err = _dagtop(live, "cancel", tasks["last"], "--yes", capsys=capsys, tmp_path=tmp_path)
    assert code == 0, err
    assert out.startswith("job JOB_last_") and out.strip().endswith("cancelled (status CANCELED)")

    code, out, err = _dagtop(live, "cancel", tasks["slow"], "--yes", capsys=capsys, tmp_path=tmp_path)
    assert code == 1 and out == ""
    assert err.startswith("dagtop: not sent: slow is RUNNING: Taipy cancels only jobs that have not started")
    live.server.wait_jobs()


def test_scenario_slash_task_names_and_a_shared_name_asks_which(live: Live, capsys, tmp_path) -> None:
    code, out, err = _dagtop(live, "get", "task", "pipeline/double", capsys=capsys, tmp_path=tmp_path)
    assert code == 0, err
    assert "dagtop_taipy_funcs.double" in out
    for _ in range(2):  # two more: whatever other tests made, several scenarios are now called actions
        live.server.create_scenario("actions")
    code, out, err = _dagtop(live, "get", "task", "actions/prep", capsys=capsys, tmp_path=tmp_path)
    assert code == 1 and err.startswith("dagtop: several scenarios are called actions: name one (actions ")
