"""Home screen: every task in scope, its state, its graph's last result and next run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anyio
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label

from tui.domain import RunState, Task, TaskState
from tui.plural import plural
from tui.services.graph_sweep import GraphSweep
from tui.services.heap import POLICY as HEAP
from tui.services.row_diff import RowsDiff, diff_rows
from tui.services.snapshots import rows_for
from tui.services.task_query import SORT_KEYS, Scan, Selection, TaskRow
from tui.widgets.error_pane import ErrorPane, looks
from tui.widgets.filter_box import FilterBox
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.literal import literal
from tui.widgets.status import run_badge, task_badge
from tui.widgets.timefmt import moment
from tui.widgets.virtual_table import Prepared, prepare_rows

from .base import PolledScreen

# (column id, label, width); ids double as sort keys. Triage order: what it is, whether it runs, how
# it last went, when next; then the rest. Widths are fixed so a poll never moves a column; a
# terminal too narrow for all drops them from the right (task detail shows every field).
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("result", " ", 1),
    ("name", "NAME", 0),  # flexes between NAME_MIN and NAME_MAX
    ("state", "STATE", 11),  # ‖ suspended
    ("last", "LAST RUN", 0),  # glyph, word and time: measured for the time format in use
    ("next", "NEXT", 0),  # overdue 59m: measured like LAST RUN
    ("schedule", "SCHEDULE", 16),
    ("kind", "KIND", 8),
    ("warehouse", "WAREHOUSE", 14),
    ("tags", "TAGS", 16),  # a graph's labels (Airflow DAG tags): filter with tag:NAME
    ("owner", "OWNER", 14),
    ("scope", "DATABASE.SCHEMA", 24),
)
LABELS = {column: label for column, label, _ in COLUMNS}
# From this many rows a keystroke in the filter is scanned in a worker thread (below, the scan costs
# less than the thread hop, and results show at once).
FILTER_IN_WORKER = 5_000
NAME_MIN, NAME_MAX = 22, 34  # longer names end in an ellipsis; the detail view shows them in full
FIXED = 2  # the result glyph and NAME stay put when the table scrolls sideways
PADDING = 2  # a DataTable cell's padding, both sides


def layout(
    available: int, sample: str, absolute: bool, absent: frozenset[str] = frozenset()
) -> list[tuple[str, str, int]]:
    """The columns that fit ``available`` cells whole, in order, with their widths; ``sample`` is a
    time as the user chose to see them; ``absent``: the columns the backend never fills (declared by
    its wording, never guessed from the rows, so no column comes and goes as data arrives)."""
    widths = {column: width for column, _, width in COLUMNS}
    time_width = max(len(sample), len("59m ago"))
    # LAST RUN: the longest word and a time; NEXT: a time and "overdue".
    next_width = time_width + len(" overdue") if absolute else len("overdue 59m")
    widths.update(name=NAME_MIN, last=len("· did not run ") + time_width, next=next_width)
    chosen: list[str] = []
    used = 0
    for column, _, _ in COLUMNS:
        if column in absent:
            continue
        need = widths[column] + PADDING
        if column in ("result", "name", "state", "last") or used + need <= available:
            chosen.append(column)
            used += need
        else:
            break  # never a gap: the columns shown are always the first ones
    widths["name"] = max(NAME_MIN, min(NAME_MAX, NAME_MIN + available - used))
    return [(column, LABELS[column], widths[column]) for column in chosen]


@dataclass(slots=True)
class Found:
    """A filter's result, made in a worker thread: the rows, ready for the table."""

    query: tuple  # TasksScreen.filter_query() when the scan began
    scan: Scan
    rows: list[TaskRow]
    prepared: Prepared


def found_rows(query: tuple, scan: Callable[[], Scan]) -> Found:
    """Run a filter scan and prepare its rows for the table: O(rows), for a worker thread."""
    result = scan()
    return Found(query, result, result.rows, prepare_rows([(row.task.key, row) for row in result.rows]))


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
        self.by_key: dict[str, TaskRow] = {}
        self.places: dict[str, int] = {}  # key -> index in self.rows, so a poll patches rows in place
        self.shown_status: tuple | None = None  # what the status line shows: set again only on change
        self.selection = Selection()
        self.filter_text = ""
        self.failed_only = False
        self.sort = "graph"
        self.reverse = False
        self.shown_columns: list[tuple[str, str, int]] = []
        # Every graph's status, refreshed within the request budget; each batch also feeds the watcher (w).
        # On mount: the profile's shared store (the inbox's too), whose listener is the watcher.
        self.sweep = GraphSweep()
        self.filtering = False  # a filter worker is scanning: the table shows the previous result
        self.roots: list[str] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield KeyedTable(id="tasks-table", fixed_columns=FIXED)
        yield ErrorPane(id="tasks-error")
        with Horizontal(id="filter-bar"):
            yield Label("/", id="filter-label")
            yield FilterBox(placeholder=self.filter_hint(), id="filter")
        yield Label("", id="tasks-status")
        yield from self.compose_footer()

    def filter_hint(self) -> str:
        """What the filter box says before a word is typed: the terms this backend's rows answer to
        (``tag:`` where graphs have tags, the state in the backend's word)."""
        wording = self.app.backend.wording  # type: ignore[attr-defined]
        if "tags" in wording.absent_columns:
            return "name, state:suspended, status:failed, root:yes"
        state = wording.state_words.get(TaskState.SUSPENDED, TaskState.SUSPENDED.value)
        return f"name, tag:NAME, state:{state}, status:failed"

    def on_mount(self) -> None:
        app = self.app
        # The one status store of this profile and scope, shared with the inbox: neither reads a graph's
        # status the other read a moment ago.
        self.sweep = app.inbox.sweep_for(app.connection.profile, app.connection.scope)  # type: ignore[attr-defined]
        self.query_one("#filter-bar").display = False
        self.query_one(KeyedTable).focus()
        self.fit_columns()

    def on_resize(self) -> None:
        self.render_rows()

    def fit_columns(self) -> None:
        """Choose the columns for the terminal's width and the time format; rebuilt only when either
        changes, never on a poll."""
        app = self.app
        sample = moment(app.now(), app.now(), app.tz, app.show_absolute)  # type: ignore[attr-defined]
        # The table's width less its vertical scrollbar.
        absent = app.backend.wording.absent_columns  # type: ignore[attr-defined]
        wanted = layout(self.app.size.width - 2, sample, app.show_absolute, absent)  # type: ignore[attr-defined]
        if wanted != self.shown_columns:
            self.shown_columns = wanted
            self.query_one(KeyedTable).set_columns(wanted)
            if self.sort not in self.sort_cycle():
                self.sort, self.reverse = "graph", False

    def sort_cycle(self) -> list[str]:
        """What `o` cycles through: grouped by graph, then each sortable column on screen; the
        result column sorts failures first."""
        shown = [column for column, _, _ in self.shown_columns]
        return ["graph", *(c for c in shown if c in SORT_KEYS and c != "result"), "result"]

    async def fetch(self) -> RowsDiff:
        # Two steps so a large scope shows its tasks at once and run results as they arrive; the
        # header only says "updated" once both are in.
        backend = self.app.backend  # type: ignore[attr-defined]
        tasks = await backend.list_tasks()
        if not self.rows:
            first = await self.diff(tasks)
            with self.app.batch_update():
                self.show(first)
        self.roots = [t.key for t in tasks if t.is_root]

        async def shown() -> None:  # the graphs in view are in: show them before the sweep goes on
            diff = await self.diff(tasks)
            with self.app.batch_update():
                self.show(diff)

        app = self.app
        # Watched graphs are checked every poll, like the ones in view.
        connection = app.connection  # type: ignore[attr-defined]
        on_screen = [*self.roots_on_screen(), *app.watcher.roots(connection.profile, connection.scope)]  # type: ignore[attr-defined]
        await self.sweep.refresh(backend, self.roots, on_screen, app.wall, self.freshness.interval, shown)  # type: ignore[attr-defined]
        return await self.diff(tasks)

    async def diff(self, tasks: list[Task]) -> RowsDiff:
        """The rows for ``tasks`` against the rows shown. O(rows) of building and comparing, off the
        event loop: keys stay instant while it runs, and show() gets only what changed."""
        statuses, base, order = dict(self.sweep.statuses), self.rows, (self.sort, self.reverse)
        return await anyio.to_thread.run_sync(lambda: diff_rows(base, rows_for(tasks, statuses), order))

    def chosen_rows(self) -> list[TaskRow]:
        """The rows the filter, failed-only and the sort let through, in order (cached by Selection)."""
        return self.selection.select(
            self.rows,
            filter_text=self.filter_text,
            failed_only=self.failed_only,
            sort=self.sort,
            reverse=self.reverse,
        )

    def roots_on_screen(self) -> list[str]:
        """The graphs of the rows in view: checked every poll."""
        table = self.query_one(KeyedTable)
        chosen = self.chosen_rows()
        top, height = int(table.scroll_offset.y), max(1, table.size.height)
        return list(dict.fromkeys(r.task.root for r in chosen[top : top + height]))

    def show(self, data: list[TaskRow] | RowsDiff) -> None:
        """Show a full list, or a poll's diff: patched in place in O(changed rows) when it only
        changed rows already listed, and without touching a widget when it changed nothing."""
        new = len(data) if isinstance(data, list) else 0
        if isinstance(data, RowsDiff):
            new = len(data.changed)
            if data.base is self.rows and data.same_keys and self.patch(data.changed):
                HEAP.loaded(new, len(self.rows))
                return
            if data.ordered is not None and data.ordered.order == (self.sort, self.reverse):
                self.selection.adopt(data.ordered)
            data = data.rows
        self.rows = data
        self.by_key = {row.task.key: row for row in data}
        self.places = {row.task.key: n for n, row in enumerate(data)}
        # Many new rows: they leave the collector's full passes before the redraw allocates more.
        HEAP.loaded(new, len(data))
        self.render_rows()

    def patch(self, changed: dict[str, TaskRow]) -> bool:
        """Replace changed rows in place; False when one moves in the order or the filter (the
        caller then shows the whole new list)."""
        if changed and not self.selection.patch(
            self.by_key, changed, filter_text=self.filter_text, failed_only=self.failed_only
        ):
            return False
        for key, row in changed.items():
            self.rows[self.places[key]] = row  # type: ignore[index]
            self.by_key[key] = row
        table = self.query_one(KeyedTable)
        table.set_context(self.row_context())  # the clock moved: the rows on screen age
        table.patch_rows(dict(changed))
        self.update_status(table.row_count)
        if table.selected_key in changed:
            self.update_error_pane()
        return True

    def row_context(self) -> tuple:
        """What every row's cells depend on besides the row itself: a change redraws the rows on screen."""
        app = self.app
        index = {column: n for n, (column, _, _) in enumerate(COLUMNS)}
        picks = tuple(index[column] for column, _, _ in self.shown_columns)
        # Which graphs' statuses are older than a sweep (their rows are marked): it changes only when
        # a check lands or a status crosses the limit, and then the rows on screen are drawn again.
        coverage = self.sweep.coverage(self.roots, app.wall(), self.freshness.interval)  # type: ignore[attr-defined]
        stale = (self.sweep.version, coverage.overdue)
        return (self.sort == "graph", app.now(), app.tz, app.show_absolute, app.theme, stale, picks)  # type: ignore[attr-defined]

    # -- rendering ------------------------------------------------------------------------------
    def render_rows(self, found: Found | None = None) -> None:
        """Show the rows chosen now; ``found``: chosen and prepared by a filter worker already."""
        if found is None:
            self.filtering = False  # what the filter lets through now, whatever a worker is doing
            chosen = self.chosen_rows()
            prepared = prepare_rows([(row.task.key, row) for row in chosen])
        else:
            self.filtering = False
            chosen, prepared = found.rows, found.prepared
        self.fit_columns()
        table = self.query_one(KeyedTable)
        context = self.row_context()
        picks = context[-1]

        def render(key: str) -> tuple[Text, ...]:  # only for the rows drawn: O(visible rows)
            cells = self.cells(self.by_key[key])
            return tuple(cells[i] for i in picks)

        table.apply_lazy(prepared, render, context=context)
        self.update_columns()
        self.update_status(len(chosen))
        self.update_error_pane()

    # -- filtering: a big list is scanned in a worker thread, the newest query wins ----------------
    def refilter(self) -> None:
        """Show the rows the filter lets through now. A big list is scanned off the event loop: the
        table keeps the previous result, the status line says "filtering…", and a result is shown
        only if no newer query (or poll) came meanwhile."""
        if len(self.rows) < FILTER_IN_WORKER:
            self.filtering = False
            self.render_rows()
            return
        self.filtering = True
        self.update_status(self.query_one(KeyedTable).row_count)
        self.scan_filter()

    def filter_query(self) -> tuple:
        """What a filter result depends on: a result for another query (or other rows) is stale."""
        return (self.rows, self.filter_text, self.failed_only, self.sort, self.reverse)

    @work(exclusive=True, group="filter", exit_on_error=False)
    async def scan_filter(self) -> None:
        query = self.filter_query()
        scan = self.selection.scanner(
            self.rows,
            filter_text=self.filter_text,
            failed_only=self.failed_only,
            sort=self.sort,
            reverse=self.reverse,
        )
        found = await anyio.to_thread.run_sync(lambda: found_rows(query, scan))
        self.filter_found(found)

    def filter_found(self, found: Found) -> bool:
        """A scan's result arrived: shown only when it answers the newest query about the rows
        shown now (a stale result never overwrites a newer one). Returns whether it was shown."""
        if not self.filtering or found.query[1:] != self.filter_query()[1:]:
            return False  # a newer query's scan is under way, or a full redraw showed it since
        if found.query[0] is not self.rows or not self.selection.take(found.scan):
            self.scan_filter()  # the rows changed meanwhile (a poll): scan them again
            return False
        self.render_rows(found)
        return True

    def update_error_pane(self) -> None:
        """The selected task's graph: its last result and first error line."""
        pane = self.query_one(ErrorPane)
        row = self.selected
        if row is None:
            pane.show_hint("nothing selected" if self.selection_hint else "")
            return
        run = row.last_run
        when = self.when(run.completed_time or run.scheduled_time).plain if run else ""
        # The sweep keeps time on the wall clock, as the poll interval does (the sandbox's data clock runs
        # faster than real time: measured on it, every status would look older than a sweep).
        app = self.app
        wall = app.wall()  # type: ignore[attr-defined]
        checked = self.sweep.overdue_since(row.task.root, wall, self.freshness.interval)
        if checked is not None and when:  # an old status is never shown as current
            as_of = moment(wall, checked, app.tz, app.show_absolute)  # type: ignore[attr-defined]
            when += f" · status as of {as_of}, older than a sweep"
        pane.show_run(self.task_name(row.task.root), run, when)

    @on(KeyedTable.RowHighlighted)
    def row_highlighted(self) -> None:
        self.update_error_pane()

    def cells(self, row: TaskRow) -> tuple[Text, ...]:
        app = self.app
        colors, now, tz, absolute = app.theme_colors, app.now(), app.tz, app.show_absolute  # type: ignore[attr-defined]
        task, run = row.task, row.last_run
        result = row.result
        glyph = run_badge(result, run.raw_state if run else "", colors, words=False) if result else Text("")
        if row.current_run is not None:  # executing now beats the last result
            glyph = run_badge(row.current_run.state, row.current_run.raw_state, colors, words=False)
        kind = "child"
        if task.is_root:  # the backend's own word for a root ("DAG", "root·3", ...)
            kind = app.backend.wording.root_kind(row.graph_size)  # type: ignore[attr-defined]
        last = Text("")
        if run is not None and result is not None:
            # Success is the glyph alone; anything else also says its word.
            # The server's word is the graph run's: a child's own outcome (e.g. unknown) says its own.
            raw = run.raw_state if task.is_root else ""
            last = run_badge(result, raw, colors, words=result is not RunState.SUCCEEDED)
            when = run.completed_time or run.scheduled_time
            last.append(f" {moment(now, when, tz, absolute)}", style="")
            if self.sweep.overdue_since(task.root, app.wall(), self.freshness.interval) is not None:  # type: ignore[attr-defined]
                # Not checked for longer than a sweep: the row says so, not only the status line.
                last = Text("⚠ ", style=f"bold {colors['warning']}").append_text(last)
        # Sorted by graph, a child is indented under its root so each graph reads as a block.
        name = literal(task.name, "bold" if task.is_root else "")
        if self.sort == "graph" and not task.is_root:
            name = Text("└ ", style="dim", no_wrap=True, overflow="ellipsis").append_text(name)
        next_time = row.next_time if task.is_root else None
        state_words = app.backend.wording.state_words  # type: ignore[attr-defined]
        cells = (
            glyph,
            name,
            task_badge(task.state, task.raw_state, colors, state_words),
            last,
            self.due(next_time),
            literal(task.schedule.describe()),
            Text(kind),
            literal(task.warehouse or ""),
            literal(", ".join(task.tags)),
            literal(task.owner or ""),
            literal(task.scope),
        )
        for cell in cells:  # a fixed-width column cuts a long value with an ellipsis, never wraps it
            cell.no_wrap, cell.overflow = True, "ellipsis"
        return cells

    def update_columns(self) -> None:
        """An arrow on the sorted column; none while grouped by graph (that is no column's order)."""
        table = self.query_one(KeyedTable)
        for column, label, _ in self.shown_columns:
            arrow = (" ▼" if self.reverse else " ▲") if column == self.sort else ""
            table.columns[column].label = Text(label + arrow)  # type: ignore[index]

    def update_status(self, shown: int) -> None:
        noun = self.app.backend.wording.row_noun  # type: ignore[attr-defined]
        parts = [f"{shown} of {plural(len(self.rows), noun)}"]
        graph_noun = noun if noun != "task" else "graph"  # a list of DAGs counts DAGs, not graphs
        # How fresh the slowest graph status is: failed-only and status: filters see only what is known.
        wall = self.app.wall()  # type: ignore[attr-defined]
        coverage = self.sweep.coverage(self.roots, wall, self.freshness.interval)
        if coverage.graphs:
            parts.append(coverage.describe(wall, graph_noun))
        if self.sort == "graph":
            parts.append(f"grouped by graph{' (reversed)' if self.reverse else ''}")
        else:
            label = "RESULT" if self.sort == "result" else LABELS[self.sort]
            parts.append(f"sorted by {label} {'▼' if self.reverse else '▲'}")
        if self.failed_only:
            parts.append("failed graphs only")
        if self.filtering:
            parts.append("filtering…")
        status = Text("  ·  ".join(parts))
        if self.filter_text:
            status.append("  ·  filter: ")
            status.append_text(literal(self.filter_text, "bold"))
        if self.app.connection.sandbox:  # type: ignore[attr-defined]
            # Early, so a narrow terminal still shows how to leave the simulation.
            sandbox = Text("simulated · real: ", style="dim")
            sandbox.append("dagtop -c NAME", style="bold")
            status = sandbox.append("  ·  ").append_text(status)
        if coverage.warning():  # statuses older than the sweep: say so before anything else
            warning = self.app.theme_colors["warning"]  # type: ignore[attr-defined]
            status = (
                Text(coverage.warning(graph_noun), style=f"bold {warning}")
                .append("  ·  ")
                .append_text(status)
            )
        hint = self.selection_hint
        if hint:  # first: the user must know that no row is the target of a key now
            warning = self.app.theme_colors["warning"]  # type: ignore[attr-defined]
            status = Text(hint, style=f"bold {warning}").append("  ·  ").append_text(status)
        if looks(status) != self.shown_status:  # only on change
            self.shown_status = looks(status)
            # Its size is fixed (app.tcss): no layout pass of the whole screen for a new status.
            self.query_one("#tasks-status", Label).update(status, layout=False)

    # -- selection ------------------------------------------------------------------------------
    @property
    def selected(self) -> TaskRow | None:
        key = self.query_one(KeyedTable).selected_key
        return self.by_key.get(key) if key is not None else None

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
        return f"⚠ {self.task_name(lost)} left the list: nothing selected, press j/k to choose"

    def task_name(self, key: str) -> str:
        """A task's name by its key (a Qlik or Taipy key is an id, not a name); a key not (or no
        longer) listed by its last dotted part."""
        row = self.by_key.get(key)
        return row.task.name if row else key.rsplit(".", 1)[-1]

    @on(KeyedTable.SelectionRegained)
    def selection_regained(self) -> None:
        self.update_status(self.query_one(KeyedTable).row_count)
        self.update_error_pane()

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
        self.refilter()

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
            self.refilter()

    def action_toggle_failed(self) -> None:
        self.failed_only = not self.failed_only
        self.render_rows()

    def action_next_sort(self) -> None:
        cycle = self.sort_cycle()
        index = cycle.index(self.sort) if self.sort in cycle else -1
        self.sort = cycle[(index + 1) % len(cycle)]
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
