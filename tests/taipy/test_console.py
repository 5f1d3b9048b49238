"""Every console screen on Taipy, from responses recorded from the real server (tests/taipy/recorded/):
the tour reaches each screen, shows what matters there (the scenarios, the failed job, its stack trace,
what a submit runs), asks the server only what the recording holds, and never crashes."""

from __future__ import annotations

import pytest

from tests.support.harness import select_task, settle
from tests.support.harness_taipy import TOUR_TAIPY, build_taipy, build_taipy_live
from tui.screens.confirm import ConfirmAction
from tui.screens.graph import GraphTree

pytestmark = pytest.mark.anyio

# Words each screen must show (the screenshot's SVG spells spaces as &#160;: single words are checked).
SHOWS = {
    "tasks": ["failing", "pipeline/head", "FAILED"],
    "graph": ["generate", "boom", "after"],
    "run-detail": ["boom", "intentional"],
    "task-log": ["RuntimeError:", "intentional"],
    "completed-runs": ["boom"],
}


@pytest.mark.parametrize("screen", list(TOUR_TAIPY))
async def test_every_screen_opens_on_taipy(screen: str) -> None:
    h = build_taipy()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await TOUR_TAIPY[screen](pilot)
        assert h.app.is_running
        shown = h.app.export_screenshot()
        for word in SHOWS.get(screen, []):
            assert word in shown, (screen, word)
        if screen == "confirm-submit":
            assert isinstance(h.app.screen, ConfirmAction)
            assert h.app.screen.plan.consequence.startswith("Submits the sequence head of scenario pipeline")
    assert h.transport.misses == []


async def _on_failing(pilot, *keys: str, log: bool = False) -> None:
    """From the task list: the session's failing scenario (other tests add failed scenarios too)."""
    await settle(pilot)
    await select_task(pilot, "failing")
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    if log:  # the failed job's node, then its log
        detail = pilot.app.screen
        failed = next(tr.task for tr in detail.snapshot.task_runs if tr.state.value == "FAILED")
        node = next(n for n in detail._tree_nodes.values() if n.data.key == failed)
        detail.query_one(GraphTree).move_cursor(node)
        await pilot.pause()
        await pilot.press("l")
        await settle(pilot)


LIVE = {
    "tasks": lambda p: _on_failing(p),
    "graph": lambda p: _on_failing(p, "t"),
    "completed-runs": lambda p: _on_failing(p, "4"),
    "run-detail": lambda p: _on_failing(p, "4", "enter"),
    "task-log": lambda p: _on_failing(p, "4", "enter", log=True),
    "confirm-submit": TOUR_TAIPY["confirm-submit"],
    "help": TOUR_TAIPY["help"],
}


@pytest.mark.parametrize("screen", list(LIVE))
async def test_every_screen_on_the_real_server(screen: str, taipy_server) -> None:
    """The same screens on the session's real Taipy server: the shared failing scenario's failed job."""
    app = build_taipy_live(taipy_server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await LIVE[screen](pilot)
        assert app.is_running
        shown = app.export_screenshot()
        for word in SHOWS.get(screen, []):
            assert word in shown, (screen, word)
