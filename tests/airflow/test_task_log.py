"""The task log screen on recorded Airflow answers: finished tries are fetched once; errors are retried."""

from __future__ import annotations

import pytest

from tui.backends.base import TransportError
from tui.harness import settle
from tui.harness_airflow import RECORDINGS, TOUR_AIRFLOW, build_airflow
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
