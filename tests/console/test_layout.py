"""Layout at 80x24 and 120x40: what a newcomer needs is on screen, nothing is cut."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tui import harness

pytestmark = pytest.mark.anyio

# Each screen's main key, beside ? and q (tasks-filtered is typing into the filter box).
MAIN_KEY = {
    "tasks": "Detail",
    "task-detail": "Graph",
    "graph": "Back",
    "current-runs": "Run detail",
    "completed-runs": "Run detail",
    "completed-all-graphs": "Run detail",
    "run-detail": "Log",
    "run-log": "Search",
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("screen", sorted(MAIN_KEY))
async def test_help_quit_and_the_main_key_are_always_in_the_footer_and_never_cut(screen, size):
    h = harness.build()
    async with h.app.run_test(size=size) as pilot:
        await harness.TOUR[screen](pilot)
        await harness.settle(pilot)
        keys = list(h.app.screen.query(FooterKey))
        palette = next(k for k in keys if k.has_class("-command-palette"))
        shown = {k.description: k for k in keys if k is not palette}
        for needed in ("Help", "Quit", MAIN_KEY[screen]):
            assert needed in shown, f"{needed} missing from the footer of {screen}"
        for key in shown.values():  # whole: never under the palette key nor past the edge
            assert key.region.right <= palette.region.x, f"{key.description} is cut"
