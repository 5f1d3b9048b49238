"""The real poll timer (``auto_poll``), on a short interval: it re-arms itself after every poll, keeps
retrying through a fault and recovers with no key pressed. Wall time is only waited for, never
asserted on (``fail_after`` is a safety net)."""

from __future__ import annotations

import anyio
import pytest

from tests.reliability.support import SIZE, build, settle

pytestmark = pytest.mark.anyio


async def wait_until(pilot, condition) -> None:
    with anyio.fail_after(20):
        while not condition():
            await pilot.pause(0.02)


async def test_the_timer_polls_by_itself_backs_off_and_recovers() -> None:
    rig = build(interval=0.1, auto_poll=True)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        first = len(rig.sandbox.state.request_log)
        await wait_until(pilot, lambda: len(rig.sandbox.state.request_log) >= 3 * first)  # two more polls
        rig.faults.unavailable_probability = 1.0
        await wait_until(pilot, lambda: screen.freshness.failures >= 2)  # retried by the timer
        assert screen.freshness.stale and app.is_running
        rig.faults.unavailable_probability = 0.0
        await wait_until(pilot, lambda: not screen.freshness.stale)  # recovered, no key pressed
        assert screen._timer is not None  # and armed again
