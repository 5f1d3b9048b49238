"""Actions a backend does not have at all (``wording.absent_actions``, e.g. Taipy has no suspend): their
keys leave the footer and the palette, help lists them apart with the backend's reason, and pressing one
says that reason instead of doing nothing. On the sandbox, with a wording that lacks suspend/resume
(the real Taipy backend is checked in tests/taipy)."""

from __future__ import annotations

import pytest

from tests.support import harness
from tests.support.harness import select_task, settle
from tui.action_plan import ActionKind
from tui.backends.base import NO_IMPORT_ERRORS
from tui.backends.snowflake.wording import SnowflakeWording
from tui.commands import palette_commands
from tui.screens.confirm import ConfirmAction
from tui.screens.help import HelpScreen, absent_rows, binding_rows
from tui.services.actions import plan_for
from tui.services.run_actions import NO_RUN_ACTIONS
from tui.widgets.footer import KeyFooter

pytestmark = pytest.mark.anyio
WHY = "This scheduler has no schedule to pause: its graphs run when submitted."


class NoSuspendWording(SnowflakeWording):
    absent_actions = {ActionKind.SUSPEND: WHY, ActionKind.RESUME: WHY}


def posts(h) -> list[str]:
    return [path for method, path, _status in h.sandbox.state.request_log if method == "POST"]


async def test_absent_action_keys_are_explained_not_offered(journal_path):
    h = harness.build(journal_path=journal_path)
    h.backend.wording = NoSuspendWording()
    async with h.app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        root = next(r.task for r in pilot.app.screen.rows if r.task.is_root)
        await select_task(pilot, root.name)
        actions = [binding.action for binding, _e, _t in pilot.app.screen.query_one(KeyFooter).fitting(300)]
        assert "act('execute')" in actions
        assert "act('suspend')" not in actions and "act('resume')" not in actions
        titles = [c.title for c in palette_commands(pilot.app.screen)]
        assert not any("Suspend" in t or "Resume" in t for t in titles), titles
        rows = binding_rows(pilot.app.screen)
        assert not [r for r in rows if r[2] in ("action.suspend", "action.resume")]
        # The sandbox has no import errors either (an Airflow thing): that key is said apart too.
        files = ("I", "Import errors", f"snowflake has none: {NO_IMPORT_ERRORS}.")
        # Nor a run's marks, clear or delete (Airflow's run actions): said apart, never offered.
        runs = [
            ("S", "Mark success", NO_RUN_ACTIONS),
            ("F", "Mark failed", NO_RUN_ACTIONS),
            ("R", "Clear (re-run)", NO_RUN_ACTIONS),
            ("D", "Delete run", NO_RUN_ACTIONS),
        ]
        assert absent_rows(pilot.app.screen) == [files, ("s", "Suspend", WHY), ("r", "Resume", WHY), *runs]
        await pilot.press("D")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ConfirmAction)
        assert any(NO_RUN_ACTIONS in str(n.message) for n in pilot.app._notifications)
        await pilot.press("s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ConfirmAction)
        assert any(WHY in str(n.message) for n in pilot.app._notifications)
        assert not any("suspend" in p for p in posts(h))
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        said = str(pilot.app.screen.query_one("#help-absent").content)
        lines = f"\n S F R D  {NO_RUN_ACTIONS}"  # four keys: their reason names them
        assert said == (
            f"Not on this backend:\n I  Import errors: {files[2]}\n s r  Suspend, Resume: {WHY}" + lines
        )


async def test_a_plan_for_an_absent_action_says_the_backends_reason(journal_path):
    """`dagtop suspend` plans through the same path: it says the backend's words, not a generic no."""
    h = harness.build(journal_path=journal_path)
    h.backend.wording = NoSuspendWording()
    task = next(t for t in await h.backend.list_tasks() if t.is_root)
    plan = await plan_for(ActionKind.SUSPEND, task, h.backend)
    assert plan.blocked_reason == WHY
    cancel = await plan_for(ActionKind.CANCEL, task, h.backend)
    assert cancel.blocked_reason == "This backend cannot cancel a run."
