"""Tries and timing (issue 14 item 5) on the REAL Airflow 3.3.2 and 2.11.2: retry_twice's flaky task
fails twice then succeeds; its three tries come back oldest first with outcome, start, end, duration."""

from __future__ import annotations

import time
import urllib.error

import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tests.airflow.test_live import backend
from tui import domain
from tui.backends.base import TriesBackend

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


def _wait_dag(live: Live, dag_id: str, timeout: float = 120.0) -> None:
    """Until the server has parsed ``dag_id`` (the servers wait only for the tui_* DAGs)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            srv.api(live.server, "GET", f"/dags/{dag_id}")
            return
        except urllib.error.HTTPError as exc:
            if exc.code != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def _retried_run(live: Live) -> str:
    """retry_twice run once per server (its DAG file is parsed with the others)."""
    if "retry_twice" not in live.runs:
        _wait_dag(live, "retry_twice")
        run_id = srv.trigger(live.server, "retry_twice")
        assert srv.wait_run(live.server, "retry_twice", run_id, timeout=180) == "success"
        live.runs["retry_twice"] = run_id
    return live.runs["retry_twice"]


async def test_a_task_that_failed_twice_then_succeeded_shows_three_tries(live: Live) -> None:
    run_id = _retried_run(live)
    b = backend(live)
    try:
        assert b.capabilities.tries and isinstance(b, TriesBackend)
        tries = await b.task_tries("retry_twice", run_id, "retry_twice/flaky")
        tis = {t.task: t for t in await b.task_runs("retry_twice", run_id)}
        once = await b.task_tries("retry_twice", run_id, "prepare")
    finally:
        await b.aclose()
    assert [(t.try_number, t.state) for t in tries] == [
        (1, domain.RunState.FAILED),
        (2, domain.RunState.FAILED),
        (3, domain.RunState.SUCCEEDED),
    ]
    assert tis["retry_twice/flaky"].try_number == 3
    for t in tries:
        assert t.started_time and t.completed_time and t.started_time <= t.completed_time
        assert t.duration() == t.completed_time - t.started_time
        assert t.task == "retry_twice/flaky" and t.graph_run == run_id and t.next_retry_time is None
    assert tries[0].completed_time <= tries[1].started_time <= tries[2].started_time
    assert [(t.try_number, t.state) for t in once] == [(1, domain.RunState.SUCCEEDED)]


async def test_the_tries_of_one_index_of_a_mapped_task(live: Live) -> None:
    b = backend(live)
    try:
        tries = await b.task_tries("tui_mapped", live.runs["tui_mapped"], "process[4]")
        other = await b.task_tries("tui_mapped", live.runs["tui_mapped"], "process[1]")
    finally:
        await b.aclose()
    assert [(t.try_number, t.state, t.map_index) for t in tries] == [
        (1, domain.RunState.FAILED, 4),
        (2, domain.RunState.FAILED, 4),
    ]
    assert [(t.try_number, t.state) for t in other] == [(1, domain.RunState.SUCCEEDED)]
