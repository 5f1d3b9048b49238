"""The grid against REAL Airflow 3.3.2 (/api/v2) and 2.11.2 (/api/v1): every run's task instances in
one batch POST (the same as asking run by run), and the grid screen on a DAG with a few runs: a row per
task, a column per run, the cursor across them, `enter` opening that task instance's log."""

from __future__ import annotations

import anyio
import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tests.airflow.test_batch import Counting
from tests.airflow.test_batch import backend as counted_backend
from tests.airflow.test_console import console
from tests.support.harness import select_task, settle
from tui.domain import RunState
from tui.screens.grid import GridScreen
from tui.screens.run_detail import TaskLogScreen
from tui.services.grid import RUN_ROW, fetch_grid
from tui.widgets.grid import GridView
from tui.widgets.log_view import LogView

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]
BATCH = "/dags/~/dagRuns/~/taskInstances/list"


async def chain_runs(live: Live, count: int = 2) -> list[str]:
    """``count`` finished runs of tui_chain (a three-task chain that succeeds), triggered now. Triggering
    unpauses it; it is paused again afterwards, as the other tests expect to find it."""
    runs = [srv.trigger(live.server, "tui_chain") for _ in range(count)]
    try:
        for run_id in runs:
            await anyio.to_thread.run_sync(srv.wait_run, live.server, "tui_chain", run_id)
    finally:
        srv.api(live.server, "PATCH", "/dags/tui_chain?update_mask=is_paused", {"is_paused": True})
    return runs


async def test_task_instances_of_many_runs_in_one_batch_request_match_run_by_run(live: Live) -> None:
    runs = await chain_runs(live)
    counting = Counting()
    b = counted_backend(live, counting)
    try:
        wanted = [*runs, "no-such-run"]
        before = len(counting.requests)
        batch = await b.task_runs_of("tui_chain", wanted)
        requests = counting.requests[before:]
        one_by_one = {run_id: await b.task_runs("tui_chain", run_id) for run_id in runs}
        mapped = await b.task_runs_of("tui_mapped", [live.runs["tui_mapped"]])
        mapped_alone = await b.task_runs("tui_mapped", live.runs["tui_mapped"])
    finally:
        await b.aclose()
    assert [r for r in requests if r.endswith(BATCH)] == [f"POST /api/{live.api}{BATCH}"], requests
    assert batch == {**one_by_one, "no-such-run": []}
    assert {tr.task for tr in batch[runs[0]]} == {f"tui_chain/{t}" for t in ("extract", "transform", "load")}
    assert mapped[live.runs["tui_mapped"]] == mapped_alone  # each index is its own task instance


async def test_the_grid_model_of_a_mapped_dag_counts_its_indexes(live: Live) -> None:
    from tests.airflow.test_live import backend

    b = backend(live)
    try:
        model = await fetch_grid(b, "tui_mapped")
    finally:
        await b.aclose()
    column = model.column_of(live.runs["tui_mapped"])
    assert column is not None
    assert model.rows[0] == RUN_ROW and "tui_mapped" not in model.rows  # the DAG is the run row
    row = model.row_of("tui_mapped/process")
    assert model.mapped["tui_mapped/process"] == 6
    cell = model.cell(row, column)
    assert cell.state is RunState.FAILED and cell.indexes == 6 and cell.task_run.map_index == 4
    assert model.cell(0, column).state is RunState.FAILED


async def test_the_grid_screen_moves_across_runs_and_tasks_and_opens_a_task_instances_log(
    live_v3: Live,
) -> None:
    live = live_v3
    runs = await chain_runs(live)
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_chain")
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GridScreen) and screen.model is not None
        model = screen.model
        names = [model.graph.tasks[k].name for k in model.rows[1:]]
        assert names == ["extract", "transform", "load"]  # graph order
        assert [r.run_id for r in model.runs][-2:] == runs  # newest right
        view = screen.query_one(GridView)
        assert view.cursor == (0, len(model.runs) - 1)
        await pilot.press("j", "j", "j", "h")
        await settle(pilot)
        key, run = screen.selected
        assert key == "tui_chain/load" and run.run_id == runs[0]
        line = str(screen.query_one("#grid-cell").render())
        assert "load" in line and runs[0] in line and "SUCCEEDED" in line and "try 1" in line
        screen.poll_now()  # a poll keeps the cursor on its task and run
        await settle(pilot)
        assert screen.selected[0] == key and screen.selected[1].run_id == runs[0]
        await pilot.press("enter")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, TaskLogScreen) and log.run.run_id == runs[0]
        for _ in range(20):
            await settle(pilot)
            if log.finished:
                break
        assert any("loaded 12" in line for line in log.query_one(LogView).buffer)
