"""`W` on REAL Airflow 3.3.2 and 2.11.2: a paused DAG with a run queued behind the pause, its task
instance's own dependency report, and a task upstream_failed in the latest run of tui_fail.

tui_chain is scheduled daily and stays paused in the live tests (DAGs are paused at creation): a run
triggered on it stays queued, as the recordings have it (tests/airflow/record.py).
"""

from __future__ import annotations

import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tests.airflow.test_live import backend
from tui.backends.base import ExplainBackend
from tui.domain import Fact
from tui.services.why import explain

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


def _with(facts: tuple[Fact, ...], words: str) -> Fact:
    found = [f for f in facts if words in f.text]
    assert len(found) == 1, [f.text for f in facts]
    return found[0]


def _queued_chain_run(live: Live) -> str:
    """A queued run of the paused tui_chain (triggered once per server; triggering does not unpause)."""
    body = srv.api(live.server, "GET", "/dags/tui_chain/dagRuns?state=queued")
    assert isinstance(body, dict)
    if body["dag_runs"]:
        return str(body["dag_runs"][0]["dag_run_id"])
    request: dict[str, object] = {"conf": {}}
    if live.server.major >= 3:
        request["logical_date"] = None
    run = srv.api(live.server, "POST", "/dags/tui_chain/dagRuns", request)
    assert isinstance(run, dict)
    return str(run["dag_run_id"])


async def test_a_paused_dag_and_its_queued_run_and_what_the_scheduler_says(live: Live) -> None:
    run_id = _queued_chain_run(live)
    b = backend(live)
    try:
        assert b.capabilities.explain and isinstance(b, ExplainBackend)
        dag = await explain(b, await b.get_task("tui_chain"))
        task = await explain(b, await b.get_task("tui_chain/extract"))
    finally:
        await b.aclose()
    base = f"/api/{live.api}/dags/tui_chain"
    paused = _with(dag.facts, "the DAG tui_chain is paused: the scheduler creates no runs")
    assert paused.blocking and paused.source == f"GET {base} · is_paused"
    assert _with(dag.facts, "1 run queued, and stays queued while the DAG is paused").blocking
    assert _with(dag.facts, "its next scheduled run would be created {when}").due
    # The scheduler's report on each waiting task; a reason they share is said once, naming them.
    shared = _with(dag.facts, "Airflow says tasks extract, transform, load wait: Dag Not Paused:")
    assert shared.blocking and shared.source.endswith("(TASK: extract, transform, load)")
    latest = _with(dag.facts, f"its latest run ({run_id}) is queued")
    assert latest.source.startswith(f"GET {base}/dagRuns/{run_id}/taskInstances")
    # The task: its instance in the queued run, and the scheduler's own words on what it waits for.
    assert _with(task.facts, "the DAG tui_chain is paused").blocking
    state = _with(task.facts, f"in the latest run ({run_id}, queued) it is ")
    assert state.source.startswith(f"GET {base}/dagRuns/{run_id}/taskInstances/extract · state")
    said = [f for f in task.facts if "/dependencies" in f.source]
    assert said, [f.text for f in task.facts]
    assert all(f.source.endswith("/taskInstances/extract/dependencies · dependencies[].name, reason")
               or "lists nothing" in f.text for f in said)  # fmt: skip
    assert task.verdict().startswith(f"{len(task.blocking)} thing")


async def test_a_task_upstream_failed_in_the_latest_run(live: Live) -> None:
    b = backend(live)
    try:
        latest = (await b.completed_runs("tui_fail", limit=1))[0]
        runs = {r.task: r for r in await b.task_runs("tui_fail", latest.run_id)}
        said = await explain(b, await b.get_task("tui_fail/never"))
    finally:
        await b.aclose()
    state = runs["tui_fail/never"].raw_state
    fact = _with(said.facts, f"in the latest run ({latest.run_id}, failed) it is {state}")
    if state == "upstream_failed":  # as the prepared run has it (unless another test re-ran it)
        assert fact.blocking and "its trigger rule (all_success) needs them to succeed" in fact.text
    assert _with(said.facts, "it has no schedule: it runs only when triggered (x)").blocking
