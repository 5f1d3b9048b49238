"""Issue 14 items 5-6 in the console, on recorded REAL Airflow answers: the completed runs' RUN ID, TYPE
and BY columns fitted to the width, the failed run's exception in its list, header and pane, and the
tries strip above a task's log."""

from __future__ import annotations

import pytest

from tests.support.harness import settle
from tests.support.harness_airflow import RECORDINGS, TOUR_AIRFLOW, build_airflow
from tui.screens.run_detail import RunDetailScreen, TaskLogScreen
from tui.screens.runs import COMPLETED_COLUMNS, CompletedRunsScreen, completed_columns

pytestmark = pytest.mark.anyio


def _keys(width: int, **has: bool) -> list[str]:
    return [key for key, _ in completed_columns(width, **{"has_type": True, "has_by": True, **has})]


def test_the_run_id_stays_and_the_least_useful_columns_go_first() -> None:
    every = [c[0] for c in COMPLETED_COLUMNS]
    assert _keys(1000) == every
    wide, narrow = _keys(118), _keys(78)
    for keys in (wide, narrow, _keys(20)):
        assert {"state", "graph", "run"} <= set(keys)
    assert {"error_task", "message", "completed", "duration"} <= set(wide)
    assert "error_task" in narrow and "scheduled" not in narrow and "started" not in narrow
    assert [k for k in every if k in narrow] == narrow  # dropping never reorders
    assert "type" not in _keys(1000, has_type=False) and "by" not in _keys(1000, has_by=False)


@pytest.mark.parametrize("recording", RECORDINGS)
@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_completed_runs_show_the_run_id_and_the_failed_tasks_exception(recording, size):
    h = build_airflow(recording)
    async with h.app.run_test(size=size) as pilot:
        await TOUR_AIRFLOW["mapped-run"](pilot)
        detail = h.app.screen
        assert isinstance(detail, RunDetailScreen)
        header = detail.summary(detail.snapshot).plain
        assert "ValueError: index 4 fails on every try" in header and "failed on try 2" in header
        assert "manual" in header
        await pilot.press("escape")
        await settle(pilot)
        runs = h.app.screen
        assert isinstance(runs, CompletedRunsScreen)
        keys = [str(k.value) for k in runs.query_one("#runs-table").columns]
        assert keys[:3] == ["state", "graph", "run"]
        [run] = runs.snapshot.runs
        assert run.first_error_message.startswith("ValueError: index 4 fails on every try")
        pane = str(runs.query_one("#runs-error").render())
        assert "ValueError: index 4 fails on every try" in pane
    assert h.transport.misses == []


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_the_tries_strip_above_a_log_and_the_try_switcher(recording):
    h = build_airflow(recording)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await TOUR_AIRFLOW["retried-log"](pilot)  # on the second of three tries
        screen = h.app.screen
        assert isinstance(screen, TaskLogScreen)
        assert [(t.try_number, t.state.value) for t in screen.tries] == [
            (1, "FAILED"),
            (2, "FAILED"),
            (3, "SUCCEEDED"),
        ]
        assert screen.try_number == 2 and screen.max_try == 3
        strip = str(screen.query_one("#tasklog-tries").render())
        assert "[✘ 2" in strip and "✔ 3" in strip and "✘ 1" in strip and "took" in strip
        assert any("warehouse unreachable on try 2" in line for line in screen.query_one("LogView").buffer)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "[✔ 3" in str(screen.query_one("#tasklog-tries").render())
    assert h.transport.misses == []


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_a_try_waiting_to_retry_says_when_it_retries(recording):
    """tui_mixed's flaky task failed its first try and waits an hour (retry_delay) to retry. Where the
    server lists that try as up_for_retry, it retries at its end plus the task's retry delay; Airflow 3
    lists it as failed (its history row), so no time is guessed."""
    from datetime import timedelta

    from tests.support.harness_airflow import load
    from tui.domain import RunState

    h = build_airflow(recording)
    run_id = load(recording).meta["runs"]["tui_mixed"]
    try:
        tries = await h.backend.task_tries("tui_mixed", run_id, "tui_mixed/flaky")
    finally:
        await h.backend.aclose()
    [first] = tries
    assert first.try_number == 1 and first.completed_time is not None
    if first.state is RunState.RETRYING:  # the server lists the waiting try as up_for_retry
        assert first.next_retry_time == first.completed_time + timedelta(hours=1)
    else:  # Airflow 3 lists the failed try from its history (the instance itself is up_for_retry)
        assert first.state is RunState.FAILED and first.next_retry_time is None
    assert h.transport.misses == []


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_a_run_enriched_twice_names_its_exception_once(recording):
    """Run detail asks again for a run the completed list had already given its exception."""
    h = build_airflow(recording)
    try:
        runs = await h.backend.completed_runs("tui_fail", limit=5)
        once = await h.backend.with_errors("tui_fail", runs)
        twice = await h.backend.with_errors("tui_fail", once)
    finally:
        await h.backend.aclose()
    assert twice == once
    assert once[0].first_error_message == "RuntimeError: intentional failure for TUI tests\nfailed on try 1"
