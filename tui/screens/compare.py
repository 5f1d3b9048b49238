"""`d`: a failed run beside the last good run of the same graph — each task's state and duration in both,
what changed called out (a task that failed and had succeeded, one that became much slower, one that is
new), and whether the graph's definition changed between them where the backend says. Read-only."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from tui.domain import GraphRun, Task
from tui.services.compare import Comparison, TaskRow, TaskSide, compare_runs
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.literal import literal
from tui.widgets.status import run_badge
from tui.widgets.timefmt import duration, moment

from .base import PolledScreen


def columns(width: int) -> list[tuple[str, str, int]]:
    """The table's columns for a table ``width`` wide (durations from 100 columns): the change takes what
    is left, and the table never gets wider than the screen (a wider one squeezes the summary above it)."""
    if width >= 100:
        name = 28 if width >= 110 else 20
        cols = [("task", "TASK", name), ("bad", "THIS RUN", 14), ("bad_took", "TOOK", 7)]
        cols += [("good", "LAST GOOD", 14), ("good_took", "TOOK", 7)]
    else:
        cols = [("task", "TASK", 18), ("bad", "THIS RUN", 13), ("good", "LAST GOOD", 13)]
    used = sum(w for _, _, w in cols) + 2 * (len(cols) + 1) + 2
    return [*cols, ("change", "CHANGE", max(8, width - used))]


class CompareScreen(PolledScreen):
    TITLE_TEXT = "Compare"
    BINDINGS = [Binding("escape", "app.back", "Back", id="compare.back")]
    DEFAULT_CSS = """
    #compare-table { height: 1fr; min-height: 3; }
    """

    def __init__(self, root: Task, run: GraphRun) -> None:
        super().__init__()
        self.root = root
        self.run = run
        self.comparison: Comparison | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("Looking for the last good run…", id="compare-summary")
        yield KeyedTable(id="compare-table")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(KeyedTable).set_columns(columns(self.app.size.width))
        self.query_one(KeyedTable).focus()

    def on_resize(self) -> None:
        self.query_one(KeyedTable).set_columns(columns(self.app.size.width))
        self.render_rows()

    @property
    def selected_task(self) -> Task | None:
        return self.root  # the action keys act on the graph compared

    async def fetch(self) -> Comparison:
        return await compare_runs(self.app.backend, self.root, self.run)  # type: ignore[attr-defined]

    def show(self, data: Comparison) -> None:
        self.comparison = data
        self.render_rows()

    def render_rows(self) -> None:
        data = self.comparison
        summary = self.query_one("#compare-summary", Label)
        if data is None:
            if self.freshness.last_error:
                summary.update(literal(f"Could not compare: {self.freshness.last_error}"))
            return
        summary.update(self.summary(data))
        self.query_one(KeyedTable).apply([(row.key, self.cells(row)) for row in data.rows])

    def summary(self, data: Comparison) -> Text:
        app: Any = self.app
        colors, now = app.theme_colors, app.now()
        text = Text(" ")
        text.append_text(literal(self.root.qualified_name, "bold"))
        text.append("  this run ")
        text.append_text(literal(data.failed.run_id))
        text.append(" ")
        text.append_text(run_badge(data.failed.state, data.failed.raw_state, colors))
        ended = data.failed.completed_time or data.failed.started_time
        text.append(f"  {moment(now, ended, app.tz, app.show_absolute)}")
        text.append("\n ")
        if data.good is None:
            text.append(
                f"no succeeded run before it in the last {data.searched} completed runs", style="bold"
            )
            return text
        text.append("last good ")
        text.append_text(literal(data.good.run_id))
        text.append(
            f"  {moment(now, data.good.completed_time or data.good.started_time, app.tz, app.show_absolute)}"
        )
        took = (duration(data.failed.duration(now)), duration(data.good.duration(now)))
        text.append(f"  took {took[0] or '—'} vs {took[1] or '—'}")
        text.append("\n ")
        text.append(data.version, style="bold" if "changed" in data.version else "dim")
        if data.inferred:
            text.append(
                "\n task states inferred from each run (this backend reports no task runs)", style="dim"
            )
        changed = sum(1 for row in data.rows if row.change)
        text.append(f"\n {changed} of {len(data.rows)} tasks differ", style="bold" if changed else "")
        return text

    def cells(self, row: TaskRow) -> tuple[Text, ...]:
        colors: dict[str, str] = self.app.theme_colors  # type: ignore[attr-defined]
        name = literal(row.name, "bold" if row.change else "")
        change = (
            Text(row.change, style=f"bold {colors.get('warning', '')}".strip()) if row.change else Text("")
        )
        by_column = {
            "task": name,
            "bad": self._state(row.bad, colors),
            "bad_took": Text(duration(row.bad.took) or "—"),
            "good": self._state(row.good, colors),
            "good_took": Text(duration(row.good.took) or "—"),
            "change": change,
        }
        return tuple(by_column[key] for key, _, _ in columns(self.app.size.width))

    @staticmethod
    def _state(side: TaskSide, colors: dict[str, str]) -> Text:
        if side.state is None:
            return Text("—", style="dim")
        badge = run_badge(side.state, "", colors)
        if side.runs > 1:
            badge.append(f" ×{side.runs}", style="dim")
        return badge
