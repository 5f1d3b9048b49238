"""The command palette: dagtop's own commands found by their synonyms, and jump-to-task by name."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from tests.support.harness import settle
from tests.waits import palette_prompts, palette_searched, until
from tui.screens.scope import ScopePicker
from tui.screens.tasks import TasksScreen
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def search(pilot, query: str) -> list[str]:
    """Open the palette, type ``query`` and return the prompts it offers (once they settle)."""
    app = pilot.app
    if not isinstance(app.screen, CommandPalette):
        await pilot.press("ctrl+p")
        await pilot.pause()
    await pilot.press(*query)
    await until(pilot, lambda: palette_searched(app.screen), f"the palette's search for {query!r}")
    return palette_prompts(app.screen)


async def test_palette_offers_dagtops_commands_not_textuals_widget_internals(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        found = " | ".join(await search(pilot, "copy"))
        assert "Copy" not in found and "copy" not in found
        await pilot.press("escape")
        await pilot.pause()
        found = " | ".join(await search(pilot, "cursor"))
        assert "Cursor" not in found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("switch", ["Switch scope", "Switch profile"]),
        ("rerun", ["Retry last failed run"]),
        ("trigger", ["Execute"]),
        ("history", ["Completed runs"]),
        ("pause", ["Suspend", "Pause polling"]),
    ],
)
async def test_commands_are_found_by_their_synonyms(console, query, expected):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        found = " | ".join(await search(pilot, query))
        for title in expected:
            assert title in found, found


async def test_a_synonym_runs_its_command(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search(pilot, "switch schema")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, ScopePicker)


async def test_jump_to_a_task_by_name_from_the_palette(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = next(r.task for r in console.app.screen.rows if r.task.name == "MERGE_COHORTS")
        await pilot.press("3")  # from another view
        await settle(pilot)
        found = await search(pilot, "merge_coh")
        assert found and "MERGE_COHORTS" in found[0], found
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, TasksScreen)
        assert console.app.screen.query_one(KeyedTable).selected_key == target.key
