"""The header ticks every second: a tick that changes only words of the same width repaints the bar
without a layout pass of the whole screen (one costs ~20 ms with a big table and lands on the next key)."""

from __future__ import annotations

import pytest

from tests.support import harness
from tui.sandbox.clock import ManualClock
from tui.widgets.header import HeaderBar

pytestmark = pytest.mark.anyio


async def test_a_header_tick_of_the_same_width_lays_nothing_out(monkeypatch):
    rig = harness.build(until_failure=False)
    wall = ManualClock(rig.clock.now())
    rig.app.wall_clock = wall.now
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await harness.settle(pilot)
        bar = pilot.app.screen.query_one(HeaderBar)
        right = bar.query_one("#header-right")
        layouts = []
        original = right.refresh

        def recording(*args, **kwargs):
            layouts.append(bool(kwargs.get("layout")))
            return original(*args, **kwargs)

        monkeypatch.setattr(right, "refresh", recording)
        wall.advance(3)
        bar.update_bar()
        before = str(right.render())
        wall.advance(1)  # "3s ago" -> "4s ago": the same width
        bar.update_bar()
        assert str(right.render()) != before and layouts[-1] is False
        count = len(layouts)
        bar.update_bar()  # nothing changed: not even a repaint
        assert len(layouts) == count
        wall.advance(10)  # "4s ago" -> "14s ago": wider, laid out
        bar.update_bar()
        assert layouts[-1] is True
