"""Home screen: every task in scope, its state, its graph's last result and next run."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label

from tui.domain import RunState
from tui.services.snapshots import MAX_GRAPHS, graph_statuses, roots_to_watch, rows_for
from tui.services.task_query import SORT_KEYS, TaskRow, select_rows
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.literal import literal
from tui.widgets.status import run_badge, task_badge
from tui.widgets.timefmt import moment

from .base import PolledScreen

# (column id, label); ids double as sort keys.
COLUMNS: tuple[tuple[str, str], ...] = (
    # Triage order: what it is, whether it runs, how it last went, when next; the rest to the right.
    ("result", " "),
    ("name", "NAME"),
    ("state", "STATE"),
    ("last", "LAST RUN"),
    ("next", "NEXT"),
    ("schedule", "SCHEDULE"),
    ("kind", "KIND"),
    ("warehouse", "WAREHOUSE"),
    ("owner", "OWNER"),
    ("scope", "DATABASE.SCHEMA"),
)
NAME_WIDTH = 34  # longer names are cut with an ellipsis here; the detail view shows them in full

# `o` cycles through these; "result" sorts failures first.
SORT_CYCLE = ["graph", *(c for c, _ in COLUMNS if c in SORT_KEYS and c != "result"), "result"]


class TasksScreen(PolledScreen):
    TITLE_TEXT = "Tasks"
    BINDINGS = [
        Binding("slash", "start_filter", "Filter", id="tasks.filter"),
        Binding("f", "toggle_failed", "Failed only", id="tasks.failed_only"),
        Binding("o", "next_sort", "Sort", id="tasks.sort"),
        Binding("O", "reverse_sort", "Reverse", show=False, id="tasks.sort_reverse"),
        Binding("enter", "open_detail", "Detail", id="tasks.detail"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="tasks.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TaskRow] = []
        self.filter_text = ""
        self.failed_only = False
        self.sort = "graph"
        self.reverse = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        table = KeyedTable(id="tasks-table")
        for column, label in COLUMNS:
            table.add_column(label, key=column, width=NAME_WIDTH if column == "name" else None)
        yield table
        with Horizontal(id="filter-bar"):
            yield Label("/", id="filter-label")
            yield Input(placeholder="name, state:suspended, status:failed, root:yes", id="filter")
        yield Label("", id="tasks-status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#filter-bar").display = False
        self.query_one(KeyedTable).focus()

    async def fetch(self) -> list[TaskRow]:
        # Two steps so a large scope shows its tasks at once and run results as they arrive; the
        # header only says "updated" once both are in.
        backend = self.app.backend  # type: ignore[attr-defined]
        tasks = await backend.list_tasks()
        if not self.rows:
            with self.app.batch_update():
                self.show(rows_for(tasks, {}))
        statuses = await graph_statuses(backend, roots_to_watch(tasks))
        return rows_for(tasks, statuses)

    def show(self, data: list[TaskRow]) -> None:
        self.rows = data
        self.render_rows()

    # -- rendering ------------------------------------------------------------------------------
    def render_rows(self) -> None:
        chosen = select_rows(
            self.rows,
            filter_text=self.filter_text,
            failed_only=self.failed_only,
            sort=self.sort,
            reverse=self.reverse,
        )
        table = self.query_one(KeyedTable)
        table.apply([(row.task.key, self.cells(row)) for row in chosen])
        self.update_columns()
        self.update_status(len(chosen))

    def cells(self, row: TaskRow) -> tuple[Text, ...]:
        app = self.app
        colors, now, tz, absolute = app.theme_colors, app.now(), app.tz, app.show_absolute  # type: ignore[attr-defined]
        task, run = row.task, row.last_run
        result = row.result
        glyph = run_badge(result, run.raw_state if run else "", colors, words=False) if result else Text("")
        if row.current_run is not None:  # executing now beats the last result
            glyph = run_badge(row.current_run.state, row.current_run.raw_state, colors, words=False)
        kind = "child"
        if task.is_root and self.app.connection.backend == "airflow":  # type: ignore[attr-defined]
            kind = "DAG"  # its tasks come with the graph view, not with the list
        elif task.is_root:
            kind = f"root·{row.graph_size}" if row.graph_size > 1 else "single"
        last = Text("")
        if run is not None and result is not None:
            # Success is the glyph alone; anything else also says its word.
            last = run_badge(result, run.raw_state, colors, words=result is not RunState.SUCCEEDED)
            when = run.completed_time or run.scheduled_time
            last.append(f" {moment(now, when, tz, absolute)}", style="")
        # Sorted by graph, a child is indented under its root so each graph reads as a block.
        name = literal(task.name, "bold" if task.is_root else "")
        if self.sort == "graph" and not task.is_root:
            name = Text("└ ", style="dim", no_wrap=True, overflow="ellipsis").append_text(name)
        next_time = row.next_time if task.is_root else None
        return (
            glyph,
            name,
            task_badge(task.state, task.raw_state, colors),
            last,
            Text(moment(now, next_time, tz, absolute)),
            literal(task.schedule.describe()),
            Text(kind),
            literal(task.warehouse or ""),
            literal(task.owner or ""),
            literal(task.scope),
        )

    def update_columns(self) -> None:
        table = self.query_one(KeyedTable)
        for column, label in COLUMNS:
            sorted_here = column == self.sort or (column == "name" and self.sort == "graph")
            arrow = (" ▼" if self.reverse else " ▲") if sorted_here else ""
            table.columns[column].label = Text(label + arrow)  # type: ignore[index]

    def update_status(self, shown: int) -> None:
        parts = [f"{shown} of {len(self.rows)} tasks"]
        graphs = sum(1 for row in self.rows if row.task.is_root)
        if graphs > MAX_GRAPHS:  # say so: failed-only and status: filters cannot see the others
            parts.append(f"run results for the first {MAX_GRAPHS} of {graphs} graphs (narrow the scope)")
        if self.failed_only:
            parts.append("only graphs whose last run failed")
        order = "graph, root first" if self.sort == "graph" else self.sort
        parts.append(f"sorted by {order}{' (reversed)' if self.reverse else ''}")
        status = Text("  ·  ".join(parts))
        hint = self.selection_hint
        if hint:  # first: the user must know that no row is the target of a key now
            status = (
                Text(hint, style=f"bold {self.app.theme_colors['warning']}")
                .append("  ·  ")
                .append_text(status)
            )  # type: ignore[attr-defined]
        if self.filter_text:
            status.append("  ·  filter: ")
            status.append_text(literal(self.filter_text, "bold"))
        if self.app.connection.sandbox:  # type: ignore[attr-defined]
            # First, so a narrow terminal still shows how to leave the simulation.
            hint = Text("sandbox = local simulation · real account: ", style="dim")
            hint.append("dagtop -c NAME", style="bold")
            status = hint.append("  ·  ").append_text(status)
        self.query_one("#tasks-status", Label).update(status)

    # -- selection ------------------------------------------------------------------------------
    @property
    def selected(self) -> TaskRow | None:
        key = self.query_one(KeyedTable).selected_key
        return next((row for row in self.rows if row.task.key == key), None)

    @property
    def selected_task(self):
        row = self.selected
        return row.task if row else None

    @property
    def selection_hint(self) -> str:
        """Why no task is selected, when the chosen one left the list (else empty)."""
        lost = self.query_one(KeyedTable).lost_key
        if lost is None:
            return ""
        return f"⚠ {lost.rsplit('.', 1)[-1]} left the list: nothing selected, press j/k to choose"

    @on(KeyedTable.SelectionRegained)
    def selection_regained(self) -> None:
        self.update_status(self.query_one(KeyedTable).row_count)

    # -- actions ----------------------------------------------------------------------------------
    def action_start_filter(self) -> None:
        bar = self.query_one("#filter-bar")
        bar.display = True
        box = self.query_one("#filter", Input)
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.render_rows()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(KeyedTable).focus()
        if not self.filter_text:
            self.query_one("#filter-bar").display = False

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.filter_text or box.has_focus:
            box.value = ""
            self.filter_text = ""
            self.query_one("#filter-bar").display = False
            self.query_one(KeyedTable).focus()
            self.render_rows()

    def action_toggle_failed(self) -> None:
        self.failed_only = not self.failed_only
        self.render_rows()

    def action_next_sort(self) -> None:
        index = SORT_CYCLE.index(self.sort) if self.sort in SORT_CYCLE else -1
        self.sort = SORT_CYCLE[(index + 1) % len(SORT_CYCLE)]
        self.render_rows()

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse
        self.render_rows()

    @on(KeyedTable.HeaderSelected)
    def header_clicked(self, event: KeyedTable.HeaderSelected) -> None:
        column = event.column_key.value or "name"
        if column in SORT_KEYS:
            self.reverse = not self.reverse if column == self.sort else False
            self.sort = column
            self.render_rows()

    def action_open_detail(self) -> None:
        row = self.selected
        if row is not None:
            self.app.open_task_detail(row.task)  # type: ignore[attr-defined]

    @on(KeyedTable.RowSelected)
    def row_chosen(self, _event: KeyedTable.RowSelected) -> None:
        self.action_open_detail()
