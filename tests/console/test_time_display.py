"""Times on screen: paused data is loud and keeps ageing, absolute times carry their zone, and a server
clock that runs ahead never dates the past in the future."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support import harness
from tests.support.harness import settle
from tests.waits import until
from tui.widgets.header import HeaderBar

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def header(app) -> str:
    return str(app.screen.query_one(HeaderBar).content)


def last_run_cell(app, key: str) -> str:
    screen = app.screen
    row = next(r for r in screen.rows if r.task.key == key)
    return str(screen.cells(row)[3])


async def test_paused_polling_is_loud_and_relative_ages_keep_ageing(console):
    console.app.connection = replace(console.app.connection, poll_interval=0.2)
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = console.app.screen
        row = next(r for r in screen.rows if r.last_run is not None)
        before = last_run_cell(console.app, row.task.key)
        await pilot.press("p")
        await settle(pilot)
        bar = screen.query_one(HeaderBar)
        assert "PAUSED" in header(console.app) and bar.has_class("-paused")
        requests = len(console.sandbox.state.request_log)
        console.advance(3 * 3600)  # three hours pass with polling paused
        await until(pilot, lambda: last_run_cell(console.app, row.task.key) != before, "the age to tick")
        assert "h ago" in last_run_cell(console.app, row.task.key)
        assert len(console.sandbox.state.request_log) == requests  # still paused: nothing fetched
        await pilot.press("p")
        await settle(pilot)
        assert "PAUSED" not in header(console.app) and not bar.has_class("-paused")


async def test_absolute_times_and_the_stale_clock_time_carry_their_zone(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        row = next(r for r in console.app.screen.rows if r.last_run is not None)
        assert last_run_cell(console.app, row.task.key).endswith(" UTC")
        assert f"updated {console.clock.now():%H:%M:%S} UTC" in header(console.app)
        console.sandbox.state.faults.unavailable_probability = 1.0
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert f"stale since {console.clock.now():%H:%M:%S} UTC" in header(console.app)


async def test_a_server_clock_ahead_of_ours_never_dates_the_past_in_the_future(console):
    """A standalone sandbox's clock runs ahead of the console's (like a server with a wrong clock):
    its Date header says by how much, the past reads as past, and the header says the clock is off."""
    console.app.clock = lambda: harness.FROZEN_AT  # the console's clock: over an hour behind the server
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = [last_run_cell(console.app, r.task.key) for r in console.app.screen.rows if r.last_run]
        assert cells and all("in " not in c for c in cells), cells
        skew = console.clock.now() - harness.FROZEN_AT
        assert f"server clock +{skew.seconds // 3600}h" in header(console.app)


async def test_no_skew_note_when_the_clocks_agree(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "server clock" not in header(console.app)
