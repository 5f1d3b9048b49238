"""The task log screen on recorded Airflow answers: finished tries are fetched once; errors are retried."""

from __future__ import annotations

import pytest

from tests.support.harness import settle
from tests.support.harness_airflow import RECORDINGS, TOUR_AIRFLOW, build_airflow
from tui.errors import TransportError
from tui.screens.run_detail import TaskLogScreen
from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_a_finished_try_is_fetched_once_and_a_failed_fetch_is_retried(recording, monkeypatch):
    h = build_airflow(recording)
    real = h.backend.run_log
    calls: list[int] = []

    async def flaky(root, run_id, task, try_number, continuation=None):
        calls.append(try_number)
        if len(calls) == 1:
            raise TransportError("connection reset by peer")
        return await real(root, run_id, task, try_number, continuation)

    async def no_wait(_seconds):  # the retry's backoff, without waiting for it
        return None

    monkeypatch.setattr(h.backend, "run_log", flaky)
    monkeypatch.setattr("tui.screens.run_detail.anyio.sleep", no_wait)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await TOUR_AIRFLOW["task-log"](pilot)
        await settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, TaskLogScreen)
        assert screen.finished and screen.error is None
        first = list(screen.query_one(LogView).buffer)
        assert first and calls[0] == calls[1]  # failed once, then fetched again
        fetched = len(calls)
        await pilot.press("left_square_bracket", "right_square_bracket")
        await settle(pilot)
        if screen.max_try == 1:  # only one try: the keys stay on it, and nothing is fetched again
            assert len(calls) == fetched
        assert list(screen.query_one(LogView).buffer) == first
        await pilot.press("left_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert len(calls) <= fetched + 1  # each finished try at most once, ever


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_a_log_the_server_says_does_not_exist_is_said_once_not_retried(recording, monkeypatch):
    """The issue's case, as the real servers answered it: a mapped task's log asked for without its
    index (map_index=-1) is a 404. That is an answer: said in the view, never asked again."""
    from tests.support.harness_airflow import load
    from tui.domain import TaskRun

    h = build_airflow(recording)
    run_id = load(recording).meta["runs"]["tui_mapped"]
    calls: list[str] = []
    real = h.backend.run_log

    async def counted(root, run, task, try_number, continuation=None):
        calls.append(task)
        return await real(root, run, task, try_number, continuation)

    async def no_wait(_seconds):  # were it retried, without waiting for the backoff
        return None

    monkeypatch.setattr(h.backend, "run_log", counted)
    monkeypatch.setattr("tui.screens.run_detail.anyio.sleep", no_wait)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        graph = await h.backend.get_graph("tui_mapped")
        run = await h.backend.get_run("tui_mapped", run_id)
        unindexed = TaskRun(task="tui_mapped/process", graph_run=run_id, state=run.state, try_number=2,
                            log_ref="process")  # fmt: skip
        await h.app.push_screen(TaskLogScreen(run, graph.tasks["tui_mapped/process"], unindexed))
        await settle(pilot)
        screen = h.app.screen
        assert screen.finished and screen.error is None
        assert list(screen.query_one(LogView).buffer) == [
            "no log for this try: the server says it does not exist (404)"
        ]
        assert calls == ["process"]


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_l_on_a_mapped_task_opens_its_failed_index_s_log(recording):
    """Not ``map_index=-1`` (a 404: the mapped task as a whole has no log), but the index that failed."""
    from tui.screens.graph import GraphTree

    h = build_airflow(recording)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await TOUR_AIRFLOW["mapped-run"](pilot)
        detail = h.app.screen
        node = next(n for n in detail._tree_nodes.values() if n.data.key == "tui_mapped/process")
        assert node.data.map_index is None and not node.data.indexes
        detail.query_one(GraphTree).move_cursor(node)
        await pilot.press("l")
        await settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, TaskLogScreen) and screen.finished
        assert str(screen.title_text()).startswith(" process[4]  try 2 of 2")
        assert any("index 4 fails on every try" in line for line in screen.query_one(LogView).buffer)
    assert h.transport.misses == []
    assert any("map_index=4" in key and "/logs/2" in key for key in h.transport.requests)


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_try_keys_at_either_end_say_so(recording):
    h = build_airflow(recording)
    async with h.app.run_test(size=(120, 40), notifications=True) as pilot:
        await TOUR_AIRFLOW["task-log"](pilot)
        await settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, TaskLogScreen)
        await pilot.press("right_square_bracket")  # it opens on the latest try
        for _ in range(screen.max_try - 1):
            await pilot.press("left_square_bracket")
            await settle(pilot)
        assert screen.try_number == 1
        await pilot.press("left_square_bracket")
        said = [str(n.message) for n in h.app._notifications]
        assert any(f"Already at the last try ({screen.max_try} of {screen.max_try})" in m for m in said)
        assert any(f"Already at the first try (1 of {screen.max_try})" in m for m in said)
