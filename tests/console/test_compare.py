"""`d`: a failed run beside the last good run of its graph, on the sandbox (Snowflake's REST API reports no
task runs: each task's state is inferred from each run, and the screen says so)."""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import settle
from tui.domain import RunState
from tui.screens.compare import CompareScreen
from tui.services.compare import last_good

pytestmark = pytest.mark.anyio


async def test_d_compares_a_failed_run_with_the_last_good_one(console):
    async with console.app.run_test(size=(120, 40)) as pilot:
        await harness.TOUR["run-detail"](pilot)
        failed = console.app.screen.run
        root = console.app.screen.chosen_run[0]
        await pilot.press("d")
        await settle(pilot)
        screen = console.app.screen
        assert isinstance(screen, CompareScreen)
        data = screen.comparison
        history = await console.backend.completed_runs(root.key, limit=50)
        assert data.good == last_good(history, failed) and data.good.state is RunState.SUCCEEDED
        assert data.good.completed_time <= failed.started_time
        first = failed.first_error_task.rsplit(".", 1)[-1]
        row = next(r for r in data.rows if r.name == first)
        assert row.bad.state is RunState.FAILED and row.good.state is RunState.SUCCEEDED
        assert row.change == "failed (was succeeded)"
        summary = str(screen.query_one("#compare-summary").render())
        assert data.good.run_id in summary and "inferred" in summary
        assert ("same graph version" in summary) or ("graph changed" in summary)
        await pilot.press("escape")
        assert console.app.screen.run is failed
