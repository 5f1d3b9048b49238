"""Status glyphs and colours: every state is shown by a glyph AND a colour, so it reads without colour."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo

from rich.text import Text

from tui.domain import RunState, TaskState
from tui.services.freshness import format_age
from tui.text_safety import safe_text
from tui.widgets.timefmt import absolute, relative

# role names map to theme colours (see ``role_style``), never hard-coded colours.
RUN_GLYPHS: dict[RunState, tuple[str, str]] = {
    RunState.SUCCEEDED: ("✔", "success"),
    RunState.FAILED: ("✘", "error"),
    RunState.UPSTREAM_FAILED: ("✘", "error"),
    RunState.EXECUTING: ("▶", "accent"),
    RunState.RETRYING: ("↻", "warning"),
    RunState.QUEUED: ("◌", "accent"),
    RunState.SCHEDULED: ("◷", "plain"),
    RunState.CANCELLED: ("⊘", "warning"),
    RunState.SKIPPED: ("↷", "muted"),
    RunState.NOT_RUN: ("·", "muted"),
    RunState.WAITING: ("◦", "muted"),
    RunState.UNKNOWN: ("?", "warning"),
}

# How a state reads where its enum name would not.
WORDS = {
    RunState.NOT_RUN: "did not run",
    RunState.WAITING: "waiting",  # not started yet, in a run still going
    RunState.UPSTREAM_FAILED: "UPSTREAM FAILED",
}

TASK_GLYPHS: dict[TaskState, tuple[str, str]] = {
    TaskState.STARTED: ("●", "success"),
    TaskState.SUSPENDED: ("‖", "warning"),
    TaskState.UNKNOWN: ("?", "warning"),
}


def role_style(theme_colors: dict[str, str], role: str) -> str:
    """A Rich style for a role, from the active theme's colours."""
    if role == "muted":
        return "dim"
    if role == "plain":
        return ""
    color = theme_colors.get(role)
    return f"bold {color}" if role == "error" and color else (color or "")


def run_badge(state: RunState, raw: str, colors: dict[str, str], *, words: bool = True) -> Text:
    """``✘ FAILED``: glyph and word; an unknown state shows the server's word as it came."""
    glyph, role = RUN_GLYPHS.get(state, RUN_GLYPHS[RunState.UNKNOWN])
    word = WORDS.get(state, state.value)
    if state is RunState.UNKNOWN and raw:
        word = safe_text(raw)  # an unknown state is shown as the server sent it, made inert
    text = Text(glyph if not words else f"{glyph} {word}", style=role_style(colors, role))
    text.no_wrap = True
    return text


def task_badge(
    state: TaskState, raw: str, colors: dict[str, str], words: Mapping[TaskState, str] | None = None
) -> Text:
    """``● started``; ``words``: the backend's own (Airflow's ``● active``, ``‖ paused``). A task
    without such a state (``NONE``) shows nothing: no glyph stands for a state it does not have."""
    if state is TaskState.NONE:
        return Text("")
    glyph, role = TASK_GLYPHS.get(state, TASK_GLYPHS[TaskState.UNKNOWN])
    word = safe_text(raw) if state is TaskState.UNKNOWN and raw else (words or {}).get(state, state.value)
    return Text(f"{glyph} {word}", style=role_style(colors, role))


OVERDUE = "overdue"
# A run starts a moment after its time and the next poll sees it: that is not late yet.
DUE_GRACE = timedelta(seconds=10)


def due_time(
    now: datetime, when: datetime | None, tz: tzinfo | None, show_absolute: bool, colors: dict[str, str]
) -> Text:
    """A time something is due to happen (a next or scheduled run): in the past it is late, and
    says so in a word and the warning colour (``overdue 54s``), never as a normal ``54s ago``;
    within the first seconds it is ``due now``."""
    if when is None:
        return Text("")
    if when >= now:
        return Text(absolute(when, tz) if show_absolute else relative(now, when))
    if now - when <= DUE_GRACE and not show_absolute:
        return Text("due now")
    style = role_style(colors, "warning")
    if show_absolute:
        return Text(f"{absolute(when, tz)} {OVERDUE}", style=style)
    return Text(f"{OVERDUE} {format_age(now - when)}", style=style)
