"""`d` on a REAL Airflow 3: a failed run beside the last good run, with each task's state and duration from
the server's own task instances, and the DAG's version in each run (Airflow 2 keeps no versions: the words
for that are tested in tests/services/test_compare.py)."""

from __future__ import annotations

import anyio
import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tests.airflow.test_live import backend
from tui.action_plan import ActionKind, RunTarget
from tui.domain import RunState
from tui.services.compare import compare_runs

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]

DAG = "tui_compare"


async def run_to_end(live: Live) -> str:
    run_id = await anyio.to_thread.run_sync(srv.trigger, live.server, DAG)
    await anyio.to_thread.run_sync(srv.wait_run, live.server, DAG, run_id)
    return run_id


async def test_d_compares_a_failed_airflow_run_with_the_last_good_one(live_v3: Live) -> None:
    good_id = await run_to_end(live_v3)
    bad_id = await run_to_end(live_v3)
    b = backend(live_v3)
    try:
        root = next(t for t in await b.list_tasks() if t.key == DAG)
        bad = await b.get_run(DAG, bad_id)
        [load] = [t for t in await b.task_runs(DAG, bad_id) if t.task.endswith("load")]
        await b.run_action(ActionKind.MARK_FAILED, RunTarget(bad, load))  # the product's own path
        await b.run_action(
            ActionKind.MARK_FAILED, RunTarget(bad)
        )  # a finished run keeps its state: the run too
        bad = await b.get_run(DAG, bad_id)
        assert bad.state is RunState.FAILED
        data = await compare_runs(b, root, bad)
    finally:
        await b.aclose()
    assert data.good is not None and data.good.run_id == good_id and not data.inferred
    rows = {row.name: row for row in data.rows}
    assert rows["load"].bad.state is RunState.FAILED and rows["load"].good.state is RunState.SUCCEEDED
    assert rows["load"].change == "failed (was succeeded)"
    assert rows["extract"].change == "" and rows["extract"].good.took is not None  # durations from the server
    assert data.version.startswith("same graph version (")  # Airflow 3 versions DAGs
