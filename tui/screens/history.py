"""`H`: the actions taken with this profile, newest first, each with its outcome (the action journal).

A toast fades; this list does not. It reads the local journal (never the server): one row per action,
its "sent" and its outcome paired, the time with its zone, and the server's words made inert.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from tui.services.journal import ActionRecord, history
from tui.widgets.footer import KeyFooter
from tui.widgets.header import HeaderBar
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.literal import literal
from tui.widgets.status import role_style

# result -> (glyph, words, theme role)
RESULTS: dict[str, tuple[str, str, str]] = {
    "ok": ("✔", "ok", "success"),
    "failed": ("✘", "failed", "error"),
    "unknown": ("?", "unknown", "warning"),
    "sent": ("?", "no outcome", "warning"),  # dagtop stopped before it could write the outcome
}


def stamp(when: datetime, tz: tzinfo | None) -> str:
    """``2026-01-05 12:00:03 UTC``: absolute, and always with its zone."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z").rstrip()


class HistoryScreen(Screen):
    TITLE_TEXT = "Action history"
    HAS_TARGETS = False  # no task to act on here: the app hides its action keys
    BINDINGS = [Binding("escape", "app.back", "Back", id="history.back")]
    DEFAULT_CSS = """
    #history-summary { width: 100%; padding: 0 1; background: $boost; }
    #history-detail { height: auto; max-height: 8; padding: 0 1; background: $boost; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.records: list[ActionRecord] = []
        self._by_key: dict[str, ActionRecord] = {}

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.TITLE_TEXT)
        yield Label("", id="history-summary")
        table = KeyedTable(id="history-table")
        for key, label in (
            ("time", "TIME"),
            ("result", "RESULT"),
            ("action", "ACTION"),
            ("target", "TARGET"),
            ("detail", "DETAIL"),
        ):
            table.add_column(label, key=key)
        yield table
        yield Static("", id="history-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.poll_now()
        self.query_one(KeyedTable).focus()

    def poll_now(self) -> None:
        """Read the journal again (on opening, ctrl+r, and after an action finishes)."""
        app = self.app
        journal = app.journal  # type: ignore[attr-defined]
        profile = app.connection.profile  # type: ignore[attr-defined]
        summary = self.query_one("#history-summary", Label)
        if journal is None:
            self.records = []
            summary.update(Text("The action journal is off for this console: nothing is recorded."))
        else:
            try:
                self.records = history(journal.entries(), profile)
            except OSError as exc:
                self.records = []
                summary.update(literal(f"The action journal cannot be read: {exc.strerror or exc}"))
            else:
                count = len(self.records)
                words = f"{count} action{'s' if count != 1 else ''}" if count else "No actions yet"
                summary.update(literal(f"{words} with profile {profile}, newest first"))
        self.render_rows()

    def render_rows(self) -> None:
        app = self.app
        colors, tz = app.theme_colors, app.tz  # type: ignore[attr-defined]
        rows = []
        self._by_key = {}
        for index, record in enumerate(self.records):
            key = str(len(self.records) - index)  # counted from the oldest: stable as new ones arrive
            self._by_key[key] = record
            glyph, words, role = RESULTS.get(record.result, ("?", record.result, "warning"))
            result = Text(f"{glyph} {words}", style=role_style(colors, role), no_wrap=True)
            cells = (
                Text(stamp(record.time, tz), no_wrap=True),
                result,
                literal(record.action),
                literal(record.target),
                literal(record.detail),
            )
            rows.append((key, cells))
        self.query_one(KeyedTable).apply(rows)
        self.show_detail()

    @property
    def selected_record(self) -> ActionRecord | None:
        key = self.query_one(KeyedTable).selected_key
        return self._by_key.get(key) if key is not None else None

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The selected action in full under the table: a cell cuts the server's words, this does not."""
        record = self.selected_record
        out = Text()
        if record is not None:
            glyph, words, role = RESULTS.get(record.result, ("?", record.result, "warning"))
            out.append(f"{glyph} {words}", style=role_style(self.app.theme_colors, role))  # type: ignore[attr-defined]
            out.append(f"  {record.action} ")
            out.append_text(literal(record.target, "bold"))
            out.append(" by ")
            out.append_text(literal(f"{record.user or '?'}@{record.host or '?'}"))
            out.append(" on ")
            out.append_text(literal(record.location))
            if record.detail:
                out.append("\n")
                out.append_text(literal(record.detail, single_line=False))
            elif record.result == "sent":
                out.append("\nNo outcome was journaled (dagtop stopped mid-action?): check the runs first.")
        self.query_one("#history-detail", Static).update(out)
