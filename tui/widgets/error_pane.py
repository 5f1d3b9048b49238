"""Two lines under a list: how the selected row's graph run went and, if it failed, its first error.

A list's error column is cut or off screen at 80 columns; this pane shows the first line of the
first error for the row under the cursor, so triage needs no extra `enter`. Used by the task list
(the selected task's graph, last run) and the completed runs list (the selected run).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.domain import GraphRun
from tui.widgets.literal import literal
from tui.widgets.status import run_badge


def first_line(message: str | None) -> str:
    """The first non-blank line of a server message (real or escaped newlines)."""
    for line in (message or "").replace("\\n", "\n").splitlines():
        if line.strip():
            return line.strip()
    return ""


def run_summary(name: str, run: GraphRun | None, when: str, colors: dict[str, str]) -> Text:
    """``✘ FAILED  NAME · 39s ago · first error: TASK (100038)`` and, below, the message."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if run is None:
        text.append_text(literal(name, "bold"))
        text.append("  no completed run yet", style="dim")
        return text
    text.append_text(run_badge(run.state, run.raw_state, colors))
    text.append("  ")
    text.append_text(literal(name, "bold"))
    if when:
        text.append(f" · {when}")
    if run.first_error_task or run.first_error_code:
        text.append(" · first error: ")
        text.append_text(literal(run.first_error_task or "", "bold"))
        if run.first_error_code:
            text.append(" (")
            text.append_text(literal(run.first_error_code))
            text.append(")")
    message = first_line(run.first_error_message)
    if message:
        text.append("\n")
        text.append_text(literal(message, colors.get("error", "")))
    elif run.state.is_failure:
        text.append(
            "\nno error message in the run list: enter shows the failed tasks and their logs", style="dim"
        )
    return text


def looks(text: Text) -> tuple:
    """What a Text shows: its words and styles (Text's own == ignores its base style)."""
    return (text.plain, tuple(text.spans), str(text.style))


class ErrorPane(Static):
    """The selected row's last result and first error line; always two lines, so nothing moves."""

    DEFAULT_CSS = """
    ErrorPane {
        height: 2;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $boost;
    }
    """

    shown: tuple | None = None

    def show_run(self, name: str, run: GraphRun | None, when: str) -> None:
        self.show(run_summary(name, run, when, self.app.theme_colors))  # type: ignore[attr-defined]

    def show_hint(self, hint: str) -> None:
        self.show(Text(hint, style="dim"))

    def show(self, text: Text) -> None:
        """Set the text only when it changed (the cursor moves within one graph, the same pane, far
        more often than between graphs). The pane's size is fixed (two lines, full width), so no
        layout pass: one of the whole screen costs ~10 ms at 120x40, more than the rest of a key."""
        seen = looks(text)
        if seen != self.shown:
            self.shown = seen
            self.update(text, layout=False)
