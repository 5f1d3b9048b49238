"""Every console screen on Taipy, from responses recorded from the real server (tests/taipy/recorded/):
the tour reaches each screen, shows what matters there (the scenarios, the failed job, its stack trace,
what a submit runs), asks the server only what the recording holds, and never crashes."""

from __future__ import annotations

import pytest

from tests.support.harness_taipy import TOUR_TAIPY, build_taipy
from tui.screens.confirm import ConfirmAction

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
