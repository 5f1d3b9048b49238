"""Airflow in its own words (issue 14 item 9), on responses recorded from REAL Airflow 3.3.2 and 2.11.2
(tests/airflow/recorded/): fast, no server. The same on the live servers: tests/airflow/test_console.py.

A DAG reads active/paused and carries its tags; its tasks have no state of their own but Airflow's
operator, retries, pool and trigger rule; the columns Airflow never fills are declared absent;
``dagtop get task`` prints what Airflow has, not Snowflake's empty fields.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.harness_airflow import RECORDINGS, Recording, load
from tui import domain
from tui import render_text as rt
from tui.action_plan import ActionKind, PlanFacts
from tui.backends.airflow import mapping
from tui.backends.airflow.wording import AirflowWording
from tui.backends.snowflake.wording import SnowflakeWording
from tui.headless import _task_fields
from tui.screens.tasks import COLUMNS, layout

WORDING = AirflowWording()
SNOWFLAKE_ONLY = (
    "warehouse",
    "error_integration",
    "suspend_after_failures",
    "auto_retry_attempts",
    "finalizer_of",
    "last_committed_on",
    "last_suspended_on",
    "condition",
    "definition",
    "timeout_ms",
    "created_on",
    "config",
)


@pytest.fixture(params=RECORDINGS, scope="module")
def rec(request: pytest.FixtureRequest) -> Recording:
    return load(request.param)


def graph(rec: Recording, dag_id: str) -> domain.Graph:
    dag = mapping.parse_dag(rec.body("GET", f"/api/{rec.api}/dags/{dag_id}"))
    tasks: Any = rec.body("GET", f"/api/{rec.api}/dags/{dag_id}/tasks", "order_by=task_id")["tasks"]
    return mapping.build_graph(dag, tasks)


def test_get_task_of_a_dag_prints_airflows_fields_not_snowflakes(rec: Recording) -> None:
    flaky = graph(rec, "tui_mixed").tasks["tui_mixed/flaky"]
    table = _task_fields(flaky, WORDING, "UTC", None, False)
    fields = dict(
        line.split(None, 1) if " " in line.strip() else (line.strip(), "") for line in table.splitlines()[1:]
    )
    assert fields["operator"] == "@task" and fields["retries"] == "1" and fields["pool"] == "default_pool"
    assert fields["trigger_rule"] == "all_success" and fields["owner"] == "airflow"
    assert "state" not in fields  # the pause flag is the DAG's: a task has none to print
    # A task of a DAG runs with it: no schedule of its own, and the DAG is no task it waits for.
    assert "schedule" not in fields and fields["predecessors"] == ""
    assert not set(SNOWFLAKE_ONLY) & set(fields), table
    dumped = json.loads(rt.dump_json({"task": rt.task_json(flaky, WORDING.task_fields)}))["task"]
    assert (dumped["operator"], dumped["retries"], dumped["pool"]) == ("@task", 1, "default_pool")
    assert dumped["trigger_rule"] == "all_success" and dumped["state"] == "none" and dumped["raw_state"] == ""
    assert not set(SNOWFLAKE_ONLY) & set(dumped) and "tags" not in dumped


def test_get_task_of_the_dag_prints_its_pause_flag_and_tags(rec: Recording) -> None:
    dag = graph(rec, "tui_chain").tasks["tui_chain"]
    table = _task_fields(dag, WORDING, "UTC", None, False)
    assert any(line.split() == ["state", "paused"] for line in table.splitlines()), table
    assert any(line.split() == ["tags", "chain,", "tui"] for line in table.splitlines()), table
    assert not any(line.split()[0] in ("operator", "pool", *SNOWFLAKE_ONLY) for line in table.splitlines())
    dumped = rt.task_json(dag, WORDING.task_fields)
    assert (dumped["state"], dumped["raw_state"], sorted(dumped["tags"])) == (
        "suspended",
        "paused",
        ["chain", "tui"],
    )
    assert not set(SNOWFLAKE_ONLY) & set(dumped) and "operator" not in dumped


def test_unpausing_a_dag_without_a_schedule_says_it_runs_when_triggered(rec: Recording) -> None:
    fail = mapping.parse_dag(rec.body("GET", f"/api/{rec.api}/dags/tui_fail"))
    paused = fail.model_copy(update={"state": domain.TaskState.SUSPENDED})
    what = WORDING.plan(ActionKind.RESUME, paused, "here", PlanFacts()).consequence
    assert "no schedule, so it runs when triggered" in what and "(none)" not in what
    chain = mapping.parse_dag(rec.body("GET", f"/api/{rec.api}/dags/tui_chain"))
    what = WORDING.plan(ActionKind.RESUME, chain, "here", PlanFacts()).consequence
    assert f"runs again on its schedule ({chain.schedule.describe()})" in what


def test_columns_airflow_never_fills_are_declared_absent_and_snowflake_keeps_its_own() -> None:
    ids = [column for column, _, _ in layout(1000, "59m ago", False, WORDING.absent_columns)]
    assert ids == ["result", "name", "state", "last", "next", "schedule", "tags", "owner"]
    snowflake = [column for column, _, _ in layout(1000, "59m ago", False, SnowflakeWording.absent_columns)]
    assert snowflake == [c for c, _, _ in COLUMNS if c != "tags"]
    assert [c for c, _, _ in layout(1000, "59m ago", False)] == [c for c, _, _ in COLUMNS]
