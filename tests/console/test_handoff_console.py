"""`y` on a failed run, in the console: the Markdown goes to the clipboard (OSC 52) and to a file in the
state directory, and the toast says where."""

from __future__ import annotations

import pytest

from tests.support import harness, harness_inbox
from tests.support.harness import settle
from tui.screens.run_detail import RunDetailScreen

pytestmark = pytest.mark.anyio


async def test_y_on_a_failed_run_copies_and_saves_its_summary(console, state_home):
    async with console.app.run_test(size=(120, 40)) as pilot:
        await harness.TOUR["run-detail"](pilot)  # a failed run's detail
        screen = console.app.screen
        assert isinstance(screen, RunDetailScreen) and screen.run.state.is_failure
        run = screen.run
        await pilot.press("y")
        await settle(pilot)
        text = console.app.clipboard
        assert f"run `{run.run_id}`: FAILED" in text
        assert run.first_error_message.splitlines()[0] in text
        [saved] = (state_home / "dagtop" / "handoff").iterdir()
        assert saved.read_text() == text and run.run_id in saved.name
        toasts = [str(n.message) for n in console.app._notifications]
        assert any("saved to" in m and saved.name in m for m in toasts)


async def test_y_in_the_inbox_hands_over_the_rows_run_in_its_profile(tmp_path, state_home):
    multi = harness_inbox.build(tmp_path)
    async with multi.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        problem = multi.app.screen.shown[0]
        await pilot.press("y")
        await settle(pilot)
        text = multi.app.clipboard
        assert f"`{problem.where.profile}` (snowflake" in text and problem.run.run_id in text
