"""A run's time in its state as words: ``RUNNING for 14m00s (usually ~5s)``, flagged when far past."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text

from tui.services.freshness import format_age
from tui.services.run_ages import Age
from tui.text_safety import safe_text
from tui.widgets.status import role_style
from tui.widgets.timefmt import duration

FAR = "⚠ "
FAR_WORDS = "far past its usual"


def age_cell(age: Age | None, colors: dict[str, str], *, wide: bool = False) -> Text:
    """For a table cell (narrow): ``14m00s / ~5s`` (elapsed / usual), ``≥30s`` (dagtop saw it already in
    that state), ``⚠ 14m00s / ~5s`` when far past the usual. ``wide`` (a graph line):
    ``for 14m00s (usually ~5s)``."""
    if age is None or (age.at_least and age.elapsed < timedelta(seconds=1)):
        return Text("")  # first seen just now: nothing is known about its time yet
    text = Text(no_wrap=True)
    if age.far_too_long:
        text.append(FAR, style=role_style(colors, "error"))
    text.append(("for " if wide else "") + ("≥" if age.at_least else "") + duration(age.elapsed))
    if age.usual is not None:
        usual = format_age(age.usual)
        text.append(f" (usually ~{usual})" if wide else f" / ~{usual}", style="dim")
    return text


def age_line(age: Age | None, colors: dict[str, str]) -> Text:
    """For a header: ``RUNNING for 14m00s (usually ~5s)  ⚠ far past its usual``; the state word is
    the server's (made inert)."""
    if age is None:
        return Text("")
    text = Text(safe_text(age.state))
    text.append(" for " + ("at least " if age.at_least else "") + duration(age.elapsed))
    if age.usual is not None:
        text.append(f" (usually ~{format_age(age.usual)})")
    if age.at_least:
        text.append("  since dagtop first saw it", style="dim")
    if age.far_too_long:
        text.append(f"  {FAR}{FAR_WORDS}", style=role_style(colors, "error"))
    return text
