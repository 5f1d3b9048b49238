"""`W`, "Why isn't it running?", in the console on the sandbox: a child whose root and predecessor were
suspended through the real API says so, with where each fact came from; escape closes it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import harness
from tests.waits import palette_prompts, palette_searched, until
from tui.screens.tasks import TasksScreen
from tui.screens.why import WhyScreen

SIZES = {"wide": (120, 40), "small": (80, 24)}


async def _suspend_a_chain(h: harness.Harness) -> tuple[str, str, str]:
    """A task two steps below its root: its root and its predecessor suspended (root first, as
    Snowflake requires). Returns (root, predecessor, task) names."""
    tasks = {t.key: t for t in await h.backend.list_tasks()}
    for task in sorted(tasks.values(), key=lambda t: t.name):
        before = [tasks[p] for p in task.predecessors if p in tasks and not tasks[p].is_root]
        if before and not task.condition and not before[0].condition:
            root = tasks[task.root]
            await h.backend.suspend(root.key)
            await h.backend.suspend(before[0].key)
            return root.name, before[0].name, task.name
    raise LookupError("no task two steps below its root")


async def _open_why(pilot: Any, h: harness.Harness) -> tuple[str, str, str]:
    names = await _suspend_a_chain(h)
    await pilot.press("ctrl+r")
    await harness.settle(pilot)
    await harness.select_task(pilot, names[2])
    await pilot.press("W")
    await harness.settle(pilot)
    return names


@pytest.mark.anyio
async def test_w_says_the_root_and_the_predecessor_are_suspended_and_where_it_read_it() -> None:
    h = harness.build()
    async with h.app.run_test(size=SIZES["wide"]) as pilot:
        await harness.settle(pilot)
        root, before, name = await _open_why(pilot, h)
        screen = pilot.app.screen
        assert isinstance(screen, WhyScreen)
        text = screen.plain()
        assert f"2 things stop {name} from running (✗ below)." in text
        assert f"✗ its root {root} was suspended now: the graph's schedule does not fire" in text
        assert f"✗ predecessor {before} is suspended: it is skipped, so {name}" in text
        # Its runs say failures did not suspend it (one failure in a row, not ten): said, not guessed.
        assert "· not suspended by suspend_task_after_num_failures=10: its last 10 runs show " in text
        # Where it was read: the request the adapter sent, and the field.
        assert f"/tasks/{root}/dependents · state" in text
        # Nothing more to run: the schedule's next run is not promised while the root is suspended.
        assert "scheduled (" not in text
        await pilot.press("j", "k", "W")  # scrolls; W again re-asks instead of stacking a second one
        await harness.settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("escape")
        await harness.settle(pilot)
        assert isinstance(pilot.app.screen, TasksScreen)
        # From the graph too: W explains the task under the graph's cursor.
        await pilot.press("t")
        await harness.settle(pilot)
        chosen = pilot.app.screen.selected_task
        assert chosen is not None
        await pilot.press("W")
        await harness.settle(pilot)
        assert isinstance(pilot.app.screen, WhyScreen) and pilot.app.screen.selected_task == chosen
        assert pilot.app.screen.plain().startswith(chosen.qualified_name)
        # The palette finds it by "why" and opens it on the task list's selection.
        await pilot.press("escape", "escape")
        await harness.settle(pilot)
        await pilot.press("ctrl+p", *"why")
        await until(pilot, lambda: palette_searched(pilot.app.screen), "the palette's search for why")
        assert palette_prompts(pilot.app.screen)[0].startswith("Why isn't it running? (explain)")
        await pilot.press("enter")
        await harness.settle(pilot)
        assert isinstance(pilot.app.screen, WhyScreen) and pilot.app.screen.selected_task.name == name


@pytest.mark.parametrize("size", sorted(SIZES))
def test_why_snapshot(snap_compare, size: str) -> None:
    h = harness.build()

    async def run_before(pilot: Any) -> None:
        await harness.settle(pilot)
        await _open_why(pilot, h)

    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=run_before)
