"""The grid of one graph (Airflow's grid view): tasks down, recent runs across (newest right), a glyph
per task run; the bottom line names the cell under the cursor and `enter` opens that task run's log."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from tui.action_plan import RunTarget
from tui.domain import GraphRun, RunState, Task
from tui.plural import plural
from tui.services.grid import RUN_ROW, GridModel, GridReader
from tui.widgets.grid import GridView
from tui.widgets.literal import literal
from tui.widgets.status import RUN_GLYPHS, role_style, run_badge
from tui.widgets.timefmt import duration

from .base import PolledScreen


class GridSourceOf:
    """The model as the grid widget reads it: labels and glyphs built once per poll and per theme."""

    def __init__(self, model: GridModel, colors: dict[str, str], tz) -> None:
        self.model = model
        self._styles = {
            state: (glyph, role_style(colors, role)) for state, (glyph, role) in RUN_GLYPHS.items()
        }
        self._labels: dict[int, Text] = {}
        self._columns = [_column_label(run, tz) for run in model.runs]

    def grid_size(self) -> tuple[int, int]:
        return (len(self.model.rows), len(self.model.runs))

    def row_label(self, row: int) -> Text:
        label = self._labels.get(row)
        if label is None:
            key = self.model.rows[row]
            task = self.model.graph.tasks.get(key)
            label = Text("run", style="bold") if key == RUN_ROW else literal(task.name if task else key)
            if key in self.model.mapped:  # a mapped task: how many indexes (its worst index is shown)
                label.append(f" ×{self.model.mapped[key]}", style="dim")
            self._labels[row] = label
        return label

    def column_label(self, column: int) -> tuple[str, str]:
        return self._columns[column]

    def cell_glyph(self, row: int, column: int) -> tuple[str, str]:
        cell = self.model.cells.get((row, column))
        if cell is None:
            return ("", "")
        return self._styles.get(cell.state, self._styles[RunState.UNKNOWN])


def _column_label(run: GraphRun, tz) -> tuple[str, str]:
    moment: datetime | None = run.scheduled_time or run.started_time or run.completed_time
    if moment is None:  # no time at all: the run id's start names it
        return ("", run.run_id[:5])
    local = moment.astimezone(tz)
    return (local.strftime("%m-%d"), local.strftime("%H:%M"))


class GridScreen(PolledScreen):
    TITLE_TEXT = "Grid"
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="grid.back"),
        Binding("enter", "open_cell", "Open", id="grid.open"),
    ]

    def __init__(self, task: Task) -> None:
        super().__init__()
        self.focus_task = task
        self.model: GridModel | None = None
        self.reader = GridReader()  # keeps finished runs' task runs: a poll reads only what can change
        self._placed = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("", id="grid-summary")
        yield GridView(id="grid-view")
        yield Label("", id="grid-cell")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(GridView).focus()

    async def fetch(self) -> GridModel:
        return await self.reader.read(self.app.backend, self.focus_task.root)  # type: ignore[attr-defined]

    def show(self, data: GridModel) -> None:
        view = self.query_one(GridView)
        cursor = self._same_cell(data)
        self.model = data
        source = GridSourceOf(data, self.app.theme_colors, self.app.tz)  # type: ignore[attr-defined]
        widest = max((source.row_label(n).cell_len for n in range(len(data.rows))), default=0)
        view.set_source(source, cursor, label_width=widest + 3)
        self._placed = True
        self.query_one("#grid-summary", Label).update(self.summary(data))
        self.name_cell()

    def _same_cell(self, data: GridModel) -> tuple[int, int]:
        """Where the cursor goes: the same task and run as before the poll (keyed, never by position);
        at first the chosen task in the newest run."""
        newest = max(0, len(data.runs) - 1)
        if not self._placed or self.model is None:
            return (data.row_of(self.focus_task.key) or 0, newest)
        row, column = self.query_one(GridView).cursor
        old = self.model
        key = old.rows[row] if row < len(old.rows) else None
        run_id = old.runs[column].run_id if column < len(old.runs) else None
        new_row = data.row_of(key) if key else None
        new_column = data.column_of(run_id) if run_id else None
        return (row if new_row is None else new_row, newest if new_column is None else new_column)

    def render_rows(self) -> None:
        if self.model is not None:
            self.show(self.model)

    def summary(self, data: GridModel) -> Text:
        root = data.graph.tasks.get(data.graph.root)
        text = Text(" ")
        text.append_text(literal(root.qualified_name if root else data.graph.root, "bold"))
        text.append(f"  {plural(len(data.rows) - 1, 'task')} × {plural(len(data.runs), 'run')}")
        if data.note:
            text.append("  ·  ")
            text.append_text(literal(data.note, "dim italic"))
        return text

    # -- the cell under the cursor -------------------------------------------------------------------
    @property
    def selected(self) -> tuple[str, GraphRun] | None:
        if self.model is None or not self.model.runs or not self.model.rows:
            return None
        row, column = self.query_one(GridView).cursor
        return self.model.rows[row], self.model.runs[column]

    @property
    def selected_task(self) -> Task | None:
        """The task under the cursor (on the run row: the graph's root), what the app's keys act on."""
        chosen, model = self.selected, self.model
        if chosen is None or model is None:
            return None
        return model.graph.tasks.get(model.graph.root if chosen[0] == RUN_ROW else chosen[0])

    @property
    def run(self) -> GraphRun | None:
        """The run under the cursor (the app's `l` opens its record where there is no task log)."""
        chosen = self.selected
        return None if chosen is None else chosen[1]

    @property
    def run_target(self) -> RunTarget | None:
        """What a run action acts on: the run on the run row, else the cell's task run (for a mapped
        task, the index the cell shows); None for a task that did not run there."""
        chosen, model = self.selected, self.model
        if chosen is None or model is None:
            return None
        if chosen[0] == RUN_ROW:
            return RunTarget(chosen[1])
        task_run = model.cell(*self.query_one(GridView).cursor).task_run
        return None if task_run is None else RunTarget(chosen[1], task_run)

    @on(GridView.CellHighlighted)
    def cell_moved(self, event: GridView.CellHighlighted) -> None:
        event.stop()
        self.name_cell()

    def name_cell(self) -> None:
        self.query_one("#grid-cell", Label).update(self.cell_text())

    def cell_text(self) -> Text:
        """The cell in words: task, run, state, try, duration (and a mapped task's indexes)."""
        chosen, model = self.selected, self.model
        if chosen is None or model is None:
            return Text(" no runs yet", style="dim")
        row, column = self.query_one(GridView).cursor
        key, run = chosen
        cell = model.cell(row, column)
        task = model.graph.tasks.get(key)
        text = Text(" ")
        text.append_text(literal(task.name if task else "the run", "bold"))
        text.append("  ·  run ")
        text.append_text(literal(run.run_id))
        text.append("  ·  ")
        text.append_text(
            run_badge(cell.state, cell.task_run.raw_state if cell.task_run else "", self.app.theme_colors)
        )  # type: ignore[attr-defined]
        tr = cell.task_run
        if tr is not None and tr.try_number:
            text.append(f"  ·  try {tr.try_number}")
        took = _took(tr.started_time, tr.completed_time) if tr is not None else None
        if tr is None and row == 0:
            took = duration(run.duration(self.app.now()))  # type: ignore[attr-defined]
        if took:
            text.append(f"  ·  {took}")
        if cell.indexes:
            text.append(f"  ·  {plural(cell.indexes, 'map index')}", style="dim")
            if tr is not None and tr.map_index is not None:
                text.append(f" (shown: [{tr.map_index}])", style="dim")
        return text

    def action_open_cell(self) -> None:
        """The log of that task in that run (its worst index for a mapped task); the root row and a
        backend without task logs open the run's detail."""
        chosen, model = self.selected, self.model
        if chosen is None or model is None:
            self.notify("No runs to open yet.", severity="warning", timeout=3)
            return
        from tui.screens.run_detail import TaskLogScreen

        key, run = chosen
        row, column = self.query_one(GridView).cursor
        cell = model.cell(row, column)
        task = model.graph.tasks.get(key)
        backend = self.app.backend  # type: ignore[attr-defined]
        if task is None or row == 0 or not backend.capabilities.logs or cell.task_run is None:
            self.app.open_run(run, model.graph.tasks.get(model.graph.root))  # type: ignore[attr-defined]
            return
        self.app.push_screen(TaskLogScreen(run, task, cell.task_run))

    @on(GridView.CellSelected)
    def cell_chosen(self, event: GridView.CellSelected) -> None:
        event.stop()
        self.action_open_cell()


def _took(start: datetime | None, end: datetime | None) -> str:
    return duration(end - start) if start is not None and end is not None else ""
