"""`W`: "Why isn't it running?" — the facts the backend gives about the selected task, re-read each poll.

One line of verdict, then each fact: what stops the task first (✗), then what the API cannot tell (?),
then the rest (·), each with when (relative, or absolute with ``A``) and, dim, the request and field it
was read from. Every word that came from the server (names, conditions, reasons) is inert text.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.domain import Fact, Task
from tui.services.why import Explanation, explain
from tui.text_safety import safe_text

from .base import PolledScreen


class WhyScreen(PolledScreen):
    TITLE_TEXT = "Why not running?"
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="why.back"),
        Binding("j", "scroll('down')", "Down", show=False, id="why.down"),
        Binding("k", "scroll('up')", "Up", show=False, id="why.up"),
    ]
    DEFAULT_CSS = """
    #why-scroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task_data = task
        self.explanation: Explanation | None = None

    @property
    def selected_task(self) -> Task:
        return self.task_data

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with VerticalScroll(id="why-scroll"):
            yield Static(id="why-body")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.render_rows()
        self.query_one("#why-scroll").focus()

    async def fetch(self) -> Explanation:
        return await explain(self.app.backend, self.task_data)  # type: ignore[attr-defined]

    def show(self, data: Explanation) -> None:
        self.explanation = data
        self.render_rows()

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one("#why-scroll", VerticalScroll)
        if where == "down":
            scroll.scroll_down(animate=False)
        else:
            scroll.scroll_up(animate=False)

    def render_rows(self) -> None:
        self.query_one("#why-body", Static).update(self.body())

    def body(self) -> RenderableType:
        """The verdict, then one row per fact: its mark in a column of its own, so a long fact or
        source (a Snowflake path is wider than 80 columns) wraps under its words, not under the mark."""
        head = self.heading()
        found = self.explanation
        if found is None or not found.facts:
            return head
        rows = Table.grid(expand=True)
        rows.add_column(width=2, no_wrap=True)
        rows.add_column(ratio=1)
        for fact in found.facts:
            mark, words = self.fact_cells(fact)
            rows.add_row("", "")
            rows.add_row(mark, words)
        return Group(head, rows)

    def plain(self) -> str:
        """What the screen says, as text (for tests and for copying)."""
        lines = [self.heading().plain.rstrip("\n")]
        for fact in self.explanation.facts if self.explanation else ():
            mark, words = self.fact_cells(fact)
            lines += ["", mark.plain + words.plain.replace("\n", "\n  ")]
        return "\n".join(lines)

    def heading(self) -> Text:
        out = Text()
        out.append(safe_text(self.task_data.qualified_name), style="bold")
        out.append("\n\n")
        found = self.explanation
        if found is None:
            error = self.freshness.last_error
            out.append(f"Could not ask the server: {safe_text(error)}" if error else "Asking the server…")
            return out
        upcoming = self.due(found.next_run).plain if found.next_run else ""
        out.append(safe_text(found.verdict(upcoming)), style="bold")
        if not found.facts:
            out.append("\n\nThe server said nothing about it.")
        return out

    def fact_cells(self, fact: Fact) -> tuple[Text, Text]:
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        if fact.blocking:
            mark = Text("✗ ", style=f"bold {colors['error']}")
        elif not fact.known:
            mark = Text("? ", style=f"bold {colors['warning']}")
        else:
            mark = Text("· ")
        line = Text()
        moment = Text("")
        if fact.when is not None:
            moment = self.due(fact.when) if fact.due else self.when(fact.when)
        before, marker, after = fact.text.partition("{when}")
        line.append(safe_text(before))
        if marker:
            line.append_text(moment or Text("(time unknown)"))
            line.append(safe_text(after))
        elif moment:
            line.append(" (")
            line.append_text(moment)
            line.append(")")
        line.append(f"\nfrom {safe_text(fact.source)}", style="dim")
        line.overflow = "fold"  # a path wider than the screen breaks inside, never ends in "…"
        return mark, line
