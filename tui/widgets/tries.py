"""A task run's tries in two lines, for the log screen's try switcher (Airflow task-instance tries):

    tries   ✘ 1 12s    ✘ 2 11s  [✔ 3 2s]
    ✔ SUCCEEDED  started 3m ago  ended 3m ago  took 2s

The chosen try is framed; a try waiting to retry says when it runs again, where the backend knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich.text import Text

from tui.domain import RunState, TaskRun
from tui.widgets.status import RUN_GLYPHS, role_style, run_badge
from tui.widgets.timefmt import duration, moment


def tries_text(
    tries: Sequence[TaskRun],
    chosen: int,
    now: datetime,
    tz: tzinfo | None,
    show_absolute: bool,
    colors: dict[str, str],
) -> Text:
    """The strip of tries (oldest first) and the chosen try's outcome and times."""
    text = Text(" tries ", style="dim")
    for t in tries:
        glyph, role = RUN_GLYPHS.get(t.state, RUN_GLYPHS[RunState.UNKNOWN])
        took = duration(t.duration(now))
        cell = Text(f"{glyph} {t.try_number or '?'}", style=role_style(colors, role))
        if took:
            cell.append(f" {took}")
        if t.try_number == chosen:
            text.append(" [")
            text.append_text(cell)
            text.append("]")
        else:
            text.append("  ")
            text.append_text(cell)
            text.append(" ")
    current = next((t for t in tries if t.try_number == chosen), None)
    if current is None:
        return text
    text.append("\n ")
    text.append_text(run_badge(current.state, current.raw_state, colors))
    for label, when in (("started", current.started_time), ("ended", current.completed_time)):
        if when is not None:
            text.append(f"  {label} {moment(now, when, tz, show_absolute)}")
    took = duration(current.duration(now))
    if took:
        text.append(f"  took {took}")
    if current.state is RunState.RETRYING:
        nxt = current.next_retry_time
        text.append(
            f"  retries {moment(now, nxt, tz, show_absolute)}" if nxt else "  waits to retry",
            style=role_style(colors, "warning"),
        )
    return text
