"""`I`: the graph files the scheduler cannot load (Airflow's import errors), each with its stack trace.

A DAG file that does not import is a page of its own: none of its DAGs exist, so no run of theirs
fails and the task list cannot show it. One row per file (when it was last tried, the exception's
line), and under the list the highlighted file's whole stack trace, scrollable. Every word is the
server's: shown as inert text (no markup, no escape sequences, no links).
"""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from tui.backends.base import ImportErrorsBackend
from tui.domain import FileImportError
from tui.plural import plural
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.literal import literal

from .base import PolledScreen


class ImportErrorsScreen(PolledScreen):
    TITLE_TEXT = "Import errors"
    HAS_TARGETS = False  # a file is not a task: the app hides its action keys here
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="import_errors.back"),
        Binding("tab", "focus_trace", "Trace", id="import_errors.trace"),
    ]
    DEFAULT_CSS = """
    #import-errors-summary { width: 100%; padding: 0 1; background: $boost; }
    #import-errors-table { height: auto; max-height: 40%; }
    #import-errors-trace { height: 1fr; padding: 0 1; border-top: solid $warning; }
    #import-errors-trace:focus-within { border-top: solid $accent; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[FileImportError] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("Loading import errors…", id="import-errors-summary")
        table = KeyedTable(id="import-errors-table")
        for key, label in (("file", "FILE"), ("when", "WHEN"), ("error", "ERROR")):
            table.add_column(label, key=key)
        yield table
        with VerticalScroll(id="import-errors-trace"):
            yield Static("", id="import-errors-text")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(KeyedTable).focus()

    async def fetch(self) -> list[FileImportError]:
        backend = cast(ImportErrorsBackend, self.app.backend)  # type: ignore[attr-defined]
        return await backend.import_errors()

    def show(self, data: list[FileImportError]) -> None:
        self.errors = data
        self.app.import_errors = data  # type: ignore[attr-defined]  # the header counts these too
        self.render_rows()

    def render_rows(self) -> None:
        summary = self.query_one("#import-errors-summary", Label)
        if self.freshness.last_success is None:  # nothing read yet: say why when a read failed
            error = self.freshness.last_error
            if error:
                summary.update(literal(f"The import errors could not be read: {error}"))
            return
        if self.errors:
            words = f"{plural(len(self.errors), 'file')} cannot be loaded: their graphs do not exist"
            summary.update(Text(words + " until fixed. Newest first.", style="bold"))
        else:
            summary.update(Text("No import errors: every graph file loads."))
        rows = []
        for error in self.errors:
            cells = (literal(error.file, "bold"), self.when(error.when), literal(error.last_line))
            rows.append((error.key, cells))
        self.query_one(KeyedTable).apply(rows)
        self.show_trace()

    @property
    def selected_error(self) -> FileImportError | None:
        key = self.query_one(KeyedTable).selected_key
        return next((e for e in self.errors if e.key == key), None)

    @on(DataTable.RowHighlighted, "#import-errors-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_trace()

    def show_trace(self) -> None:
        """The highlighted file's whole stack trace, as the server sent it (inert)."""
        error = self.selected_error
        out = Text()
        if error is not None:
            out.append_text(literal(error.file, "bold"))
            if error.bundle:
                out.append("  in bundle ")
                out.append_text(literal(error.bundle))
            out.append("  ")
            out.append_text(self.when(error.when))
            out.append("\n")
            out.append_text(literal(error.stack_trace or "(no stack trace)", single_line=False))
        self.query_one("#import-errors-text", Static).update(out)

    def action_focus_trace(self) -> None:
        """Move the keys to the trace (to scroll it), and back to the list."""
        trace = self.query_one("#import-errors-trace", VerticalScroll)
        if trace.has_focus:
            self.query_one(KeyedTable).focus()
        else:
            trace.focus()
