"""Batch reads of many DAGs' runs against REAL Airflow 3.3.2 (/api/v2) and 2.11.2 (/api/v1): the same
statuses as asking DAG by DAG, in a handful of requests. Requests are counted by a transport wrapping
the real one, never invented."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tui.backends.airflow import AirflowBackend, LoginAuth
from tui.backends.http import HttpSettings
from tui.services.snapshots import graph_statuses

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


class Counting(httpx.AsyncBaseTransport):
    """The real transport, counting what goes through it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def backend(live: Live, transport: Counting) -> AirflowBackend:
    auth = LoginAuth(srv.ADMIN[0], srv.ADMIN[1], f"{live.server.url}/auth/token")
    return AirflowBackend.connect(
        live.server.url, auth, settings=HttpSettings(rate=None), transport=transport
    )


def brief(status: Any) -> tuple:
    last = status.last
    return (
        (last.run_id, last.state, last.first_error_task, last.first_error_message) if last else None,
        status.current.run_id if status.current else None,
        status.next_time,
    )


async def test_latest_runs_of_every_dag_in_a_few_requests_match_the_per_dag_answers(live: Live) -> None:
    counting = Counting()
    b = backend(live, counting)
    try:
        roots = [t.key for t in await b.list_tasks() if t.is_root]
        assert set(live.runs) <= set(roots)
        before = len(counting.requests)
        batch = await graph_statuses(b, roots)
        batch_requests = counting.requests[before:]
        # The per-DAG answers, as a backend without batch reads would ask.
        one_by_one = {}
        before = len(counting.requests)
        for root in roots:
            completed = await b.completed_runs(root, limit=1)
            current = await b.current_runs(root, limit=10)
            one_by_one[root] = (completed, current)
        per_dag_requests = len(counting.requests) - before
    finally:
        await b.aclose()
    assert set(batch) == set(roots)
    for dag_id in live.runs:  # finished before the session's tests began: nothing moves them now
        completed, current = one_by_one[dag_id]
        assert brief(batch[dag_id])[0] == (
            (
                completed[0].run_id,
                completed[0].state,
                completed[0].first_error_task,
                completed[0].first_error_message,
            )
            if completed
            else None
        )
    failed = batch["tui_fail"].last
    assert failed is not None and failed.state.value == "FAILED" and failed.first_error_task
    # Completed runs, current runs and the failed runs' task instances: three batch requests for all
    # the DAGs, where asking DAG by DAG takes at least two per DAG.
    assert [r.split()[0] for r in batch_requests] == ["POST"] * 3, batch_requests
    assert per_dag_requests >= 2 * len(roots)
