"""Waiting for a condition in a Textual test: as long as a slow machine needs, and a failure if it never
comes (a fixed pause reads a half-drawn screen and can pass by seeing nothing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.command import CommandList, CommandPalette

TIMEOUT = 30.0  # generous: a safety net for a loaded machine, not a speed check


async def until(pilot: Any, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Pause until ``condition()`` holds; fail naming ``what`` if it has not after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.02)


def palette_searched(palette: CommandPalette) -> bool:
    """The palette's search has run to its end: no gathering still running, its hits (or none) listed."""
    group = CommandPalette._GATHER_COMMANDS_GROUP
    gathering = any(w.group == group and not w.is_finished for w in palette.app.workers)
    return not gathering and palette.has_class("-ready")


def palette_prompts(palette: CommandPalette) -> list[str]:
    options = palette.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
