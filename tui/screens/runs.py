"""Graph runs: current (executing or scheduled) and completed, for one graph or for every root in scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

import anyio
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from tui.backends.base import RunErrorsBackend, Wording
from tui.domain import GraphRun, RunState, Task
from tui.plural import plural
from tui.services.snapshots import CONCURRENCY
from tui.widgets.error_pane import ErrorPane
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.literal import literal, message
from tui.widgets.run_age import age_cell
from tui.widgets.status import RUN_GLYPHS, role_style, run_badge
from tui.widgets.timefmt import duration

from .base import PolledScreen

LIMITS = (10, 50, 100, 500, 1000)
HISTORY = 20  # glyphs in the history strip


@dataclass(frozen=True)
class RunsSnapshot:
    runs: list[GraphRun]
    roots: dict[str, Task]
    # Each graph's latest completed runs, newest first, whatever the list's filter: the history strips.
    history: dict[str, list[GraphRun]] = field(default_factory=dict)


HISTORY_LABEL = "history old → new"  # the strips read left to right, the newest result last


def history_strip(runs: Sequence[GraphRun], colors: dict[str, str], width: int = HISTORY) -> Text:
    """The last ``width`` results (given newest first) as glyphs, oldest on the left, newest on the right."""
    strip = Text(no_wrap=True)
    for run in reversed(list(runs)[:width]):
        glyph, role = RUN_GLYPHS.get(run.state, RUN_GLYPHS[RunState.UNKNOWN])
        strip.append(glyph, style=role_style(colors, role))
    return strip


def pack(items: Sequence[Text], width: int, max_lines: int, gap: str = "   ") -> Text:
    """Lay ``items`` out in at most ``max_lines`` lines of ``width`` cells, never splitting one
    across lines; what does not fit is counted at the end (``+3 more``)."""
    lines: list[list[Text]] = [[]]
    used = 0
    for index, item in enumerate(items):
        need = item.cell_len + (len(gap) if used else 0)
        if used and used + need > width:
            if len(lines) == max_lines:
                rest = len(items) - index
                while lines[-1] and used + len(gap) + len(f"+{rest} more") > width:
                    used -= lines[-1].pop().cell_len + len(gap)
                    rest += 1
                lines[-1].append(Text(f"+{rest} more", style="dim"))
                break
            lines.append([])
            used, need = 0, item.cell_len
        lines[-1].append(item)
        used += need
    return Text("\n ").join(Text(gap).join(line) for line in lines)


class RunsScreen(PolledScreen):
    """Shared by the current and completed views; ``completed`` picks the endpoint and columns."""

    completed = False
    BINDINGS = [
        Binding("a", "toggle_all", "All graphs", id="runs.all_graphs"),
        Binding("enter", "open_run", "Run detail", id="runs.detail"),
        Binding("escape", "app.back", "Back", show=False, id="runs.back"),
    ]

    def __init__(self, task: Task | None = None) -> None:
        super().__init__()
        self.focus_root = task.root if task else None
        self.all_graphs = task is None
        self.limit = 50
        self.errors_only = False
        self.snapshot: RunsSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("", id="runs-summary")
        table = KeyedTable(id="runs-table")
        for key, label in self.columns():
            table.add_column(label, key=key)
        yield table
        yield from self.compose_pane()
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(KeyedTable).focus()

    def on_resize(self) -> None:
        self.render_rows()  # the history strips flow across the width

    def columns(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def compose_pane(self) -> ComposeResult:
        """Widgets under the list (the completed runs' error pane)."""
        yield from ()

    def update_pane(self) -> None:
        """Show the selected row in the pane under the list, if the screen has one."""

    @on(KeyedTable.RowHighlighted)
    def row_highlighted(self) -> None:
        self.update_pane()

    async def runs_for(self, root: str) -> list[GraphRun]:
        raise NotImplementedError

    async def history_for(self, root: str, runs: list[GraphRun]) -> list[GraphRun]:
        """The graph's history strip (completed runs only); none by default."""
        return []

    async def fetch(self) -> RunsSnapshot:
        backend = self.app.backend  # type: ignore[attr-defined]
        tasks = await backend.list_tasks()
        roots = {t.key: t for t in tasks if t.is_root}
        chosen = sorted(roots) if self.all_graphs or self.focus_root is None else [self.focus_root]
        found: dict[str, list[GraphRun]] = {}
        history: dict[str, list[GraphRun]] = {}
        limiter = anyio.Semaphore(CONCURRENCY)

        async def one(root: str) -> None:
            async with limiter:
                found[root] = await self.runs_for(root)
                history[root] = await self.history_for(root, found[root])

        async with anyio.create_task_group() as group:
            for root in chosen:
                group.start_soon(one, root)
        runs = [run for root in chosen for run in found.get(root, [])]
        return RunsSnapshot(runs, roots, history)

    def show(self, data: RunsSnapshot) -> None:
        self.snapshot = data
        self.render_rows()

    def render_rows(self) -> None:
        data = self.snapshot
        if data is None:
            return
        runs = self.visible(data.runs)
        table = self.query_one(KeyedTable)
        table.apply([(f"{run.graph}|{run.run_id}", self.cells(run, data)) for run in runs])
        self.query_one("#runs-summary", Label).update(self.summary(data, runs))
        self.update_pane()

    def visible(self, runs: list[GraphRun]) -> list[GraphRun]:
        return runs

    def graph_name(self, run: GraphRun, data: RunsSnapshot) -> Text:
        root = data.roots.get(run.graph)
        return literal(root.name if root else run.graph.rsplit(".", 1)[-1], "bold")

    def summary(self, data: RunsSnapshot, shown: list[GraphRun]) -> Text:
        text = Text(" ")
        hint = self.selection_hint
        if hint:  # first: the user must know that no row is the target of a key now
            text.append(hint, style=f"bold {self.app.theme_colors['warning']}")  # type: ignore[attr-defined]
            text.append("  ·  ")
        noun = graph_noun(self.app.backend.wording)  # type: ignore[attr-defined]
        if self.all_graphs or self.focus_root is None:
            # Scope is Snowflake's DATABASE.SCHEMA: a list of DAGs is just all of them.
            text.append(
                f"all {plural(len(data.roots), 'graph')} in scope"
                if noun == "graph"
                else f"all {plural(len(data.roots), noun)}"
            )
        else:
            root = data.roots.get(self.focus_root)
            text.append(f"{noun} ")
            text.append_text(literal(root.qualified_name if root else self.focus_root, "bold"))
        text.append(f"  ·  {plural(len(shown), 'run')}")
        return text

    def cells(self, run: GraphRun, data: RunsSnapshot) -> tuple[Text, ...]:
        raise NotImplementedError

    @property
    def selected_run(self) -> GraphRun | None:
        key = self.query_one(KeyedTable).selected_key
        if key is None or self.snapshot is None:
            return None
        return next((r for r in self.snapshot.runs if f"{r.graph}|{r.run_id}" == key), None)

    @property
    def selection_hint(self) -> str:
        """Why no run is selected, when the chosen one left the list (else empty)."""
        lost = self.query_one(KeyedTable).lost_key
        if lost is None:
            return ""
        graph, _, run_id = lost.partition("|")
        root = self.snapshot.roots.get(graph) if self.snapshot else None
        name = root.name if root else graph.rsplit(".", 1)[-1]
        return f"⚠ run {run_id} of {name} left the list: nothing selected, press j/k to choose"

    @on(KeyedTable.SelectionRegained)
    def selection_regained(self) -> None:
        self.render_rows()

    @property
    def selected_task(self) -> Task | None:
        if self.selection_hint:
            return None  # never the screen's graph in place of the run the user had chosen
        run = self.selected_run
        if run is not None and self.snapshot is not None:
            return self.snapshot.roots.get(run.graph)
        if self.focus_root and self.snapshot is not None:
            return self.snapshot.roots.get(self.focus_root)
        return None

    def action_toggle_all(self) -> None:
        if self.focus_root is None:
            self.notify("Select a task on the Tasks screen to see one graph.", timeout=3)
            return
        self.all_graphs = not self.all_graphs
        self.poll_now()

    @property
    def chosen_run(self) -> tuple[Task, GraphRun] | None:
        """`y` hands the chosen run over (with its graph's root)."""
        run = self.selected_run
        root = self.snapshot.roots.get(run.graph) if run is not None and self.snapshot is not None else None
        return (root, run) if root is not None and run is not None else None

    def action_open_run(self) -> None:
        run = self.selected_run
        if run is not None and self.snapshot is not None:
            self.app.open_run(run, self.snapshot.roots.get(run.graph))  # type: ignore[attr-defined]

    @on(KeyedTable.RowSelected)
    def row_chosen(self, _event: KeyedTable.RowSelected) -> None:
        self.action_open_run()


class CurrentRunsScreen(RunsScreen):
    TITLE_TEXT = "Current runs"

    def on_mount(self) -> None:
        super().on_mount()
        # Elapsed time ticks every second between polls (a keyed diff: only those cells change).
        self.set_interval(1.0, self.render_rows)

    def columns(self) -> list[tuple[str, str]]:
        wording = self.app.backend.wording  # type: ignore[attr-defined]
        every = [
            ("state", "STATE"),
            ("graph", graph_noun(wording).upper()),
            ("scheduled", "SCHEDULED"),
            ("started", "STARTED"),
            ("elapsed", "ELAPSED/USUAL"),
            ("next", "NEXT"),
            ("run", "RUN ID"),
            ("version", "VERSION"),  # Snowflake's graph version; declared absent where never filled
        ]
        return [(key, label) for key, label in every if key not in wording.absent_columns]

    async def runs_for(self, root: str) -> list[GraphRun]:
        app = self.app
        runs = await app.backend.current_runs(root, limit=self.limit)  # type: ignore[attr-defined]
        ages = app.run_ages  # type: ignore[attr-defined]
        ages.observe_current(root, runs, app.wall(), limit=self.limit)  # type: ignore[attr-defined]
        if any(run.state.is_active for run in runs) and ages.wants_history(root):
            # Once per graph: its finished runs say how long a run usually takes.
            ages.observe_completed(await app.backend.completed_runs(root, limit=HISTORY))  # type: ignore[attr-defined]
        return runs

    def visible(self, runs: list[GraphRun]) -> list[GraphRun]:
        # Executing first, then by scheduled time.
        return sorted(runs, key=lambda r: (not r.state.is_active, r.scheduled_time or r.started_time or 0))

    def cells(self, run: GraphRun, data: RunsSnapshot) -> tuple[Text, ...]:
        now = self.app.now()  # type: ignore[attr-defined]
        scheduled = run.scheduled_time
        every = {
            "state": lambda: run_badge(run.state, run.raw_state, self.app.theme_colors),  # type: ignore[attr-defined]
            "graph": lambda: self.graph_name(run, data),
            # A run still waiting after its scheduled time is late: say so.
            "scheduled": lambda: (
                self.due(scheduled) if run.state is RunState.SCHEDULED else self.when(scheduled)
            ),
            "started": lambda: self.when(run.started_time),
            "elapsed": lambda: self.elapsed(run, now),
            "next": lambda: self.due(run.next_scheduled_time),
            "run": lambda: literal(run.run_id),
            "version": lambda: Text("" if run.graph_version is None else str(run.graph_version)),
        }
        return tuple(every[key]() for key, _ in self.columns())

    def elapsed(self, run: GraphRun, now: datetime) -> Text:
        """Time in its state (from the server's start time, else since dagtop saw it change), with
        the usual duration and a flag when far past it."""
        app = self.app
        age = app.run_ages.run_age(run, now, app.wall())  # type: ignore[attr-defined]
        if age is None:
            return Text(duration(run.duration(now)) if run.started_time else "")
        return age_cell(age, app.theme_colors)  # type: ignore[attr-defined]


def graph_noun(wording: Wording) -> str:
    """What a run list calls a graph: the backend's word where its list holds graphs (Airflow: DAG)."""
    return "graph" if wording.row_noun == "task" else wording.row_noun


# The completed runs' columns: key, label, the width they need (cells plus gap), and when the terminal is
# too narrow for all, which go first (highest first; 0: never). The run id stays: it is what a person
# quotes; TYPE and BY are shown only when some run has them (a backend that never says has no column).
COMPLETED_COLUMNS: tuple[tuple[str, str, int, int], ...] = (
    ("state", "STATE", 13, 0),
    ("graph", "GRAPH", 16, 0),
    ("run", "RUN ID", 30, 0),
    ("type", "TYPE", 12, 6),
    ("by", "BY", 10, 8),
    ("scheduled", "SCHEDULED", 11, 10),
    ("started", "STARTED", 10, 9),
    ("completed", "COMPLETED", 11, 4),
    ("duration", "DURATION", 10, 5),
    ("error_task", "FIRST ERROR", 14, 2),
    ("code", "CODE", 8, 7),
    ("message", "MESSAGE", 20, 3),
)


def completed_columns(
    width: int, *, has_type: bool, has_by: bool, has_code: bool = True, run_width: int | None = None
) -> list[tuple[str, str]]:
    """The columns that fit ``width`` cells, the least useful dropped first; ``run_width``: the longest
    run id shown (Snowflake's are 13 digits, Airflow's 40 characters)."""
    absent = {"type"} if not has_type else set()
    absent |= {"by"} if not has_by else set()
    absent |= {"code"} if not has_code else set()
    shown = [c for c in COMPLETED_COLUMNS if c[0] not in absent]
    if run_width is not None:
        shown = [(k, label, max(8, run_width + 2) if k == "run" else w, r) for k, label, w, r in shown]
    dropped = []
    for column in sorted(shown, key=lambda c: -c[3]):
        if sum(c[2] for c in shown) <= width or column[3] == 0:
            break
        shown.remove(column)
        dropped.append(column)
    for column in reversed(dropped):  # a narrower one dropped late may still fit: the most useful first
        if sum(c[2] for c in shown) + column[2] <= width:
            shown.append(column)
    order = {c[0]: n for n, c in enumerate(COMPLETED_COLUMNS)}
    return [(key, label) for key, label, _, _ in sorted(shown, key=lambda c: order[c[0]])]


class CompletedRunsScreen(RunsScreen):
    TITLE_TEXT = "Completed runs"
    BINDINGS = [
        Binding("f", "toggle_errors", "Errors only", id="runs.errors_only"),
        Binding("plus", "more", "More", id="runs.limit_more"),
        Binding("minus", "fewer", "Fewer", show=False, id="runs.limit_fewer"),
    ]
    shown_columns: list[tuple[str, str]] | None = None

    def columns(self) -> list[tuple[str, str]]:
        return completed_columns(self.app.size.width, has_type=False, has_by=False)

    def render_rows(self) -> None:
        """Fit the columns to the width (and to what the runs say) before the rows: set again only
        when that changes, never on a plain poll."""
        runs = self.snapshot.runs if self.snapshot is not None else []
        wanted = completed_columns(
            self.app.size.width - 2,  # less the vertical scrollbar
            has_type=any(r.run_type for r in runs),
            has_by=any(r.triggered_by for r in runs),
            # CODE only where the backend has error codes at all (declared: Airflow, Qlik, Taipy have none).
            has_code="code" not in self.app.backend.wording.absent_columns  # type: ignore[attr-defined]
            and (not runs or any(r.first_error_code for r in runs)),
            run_width=min(44, max((len(r.run_id) for r in runs), default=13)),
        )
        noun = graph_noun(self.app.backend.wording).upper()  # type: ignore[attr-defined]
        wanted = [(key, noun if key == "graph" else label) for key, label in wanted]
        if wanted != self.shown_columns:
            self.shown_columns = wanted
            self.query_one(KeyedTable).set_columns([(key, label, None) for key, label in wanted])
        super().render_rows()

    def compose_pane(self) -> ComposeResult:
        yield ErrorPane(id="runs-error")

    def update_pane(self) -> None:
        """The selected run's result and the first line of its first error: readable at 80 columns."""
        pane = self.query_one(ErrorPane)
        run = self.selected_run
        if run is None or self.snapshot is None:
            pane.show_hint("nothing selected" if self.selection_hint else "")
            return
        name = self.graph_name(run, self.snapshot).plain
        pane.show_run(name, run, self.when(run.completed_time).plain)

    async def runs_for(self, root: str) -> list[GraphRun]:
        backend = self.app.backend  # type: ignore[attr-defined]
        limit = self.limit if not self.all_graphs else min(self.limit, HISTORY)
        runs = await backend.completed_runs(root, limit=limit, errors_only=self.errors_only)
        if backend.capabilities.run_errors:  # each failed run's exception: a log read once per run
            runs = await cast(RunErrorsBackend, backend).with_errors(root, runs)
        self.app.run_ages.observe_completed(runs)  # type: ignore[attr-defined]
        return runs

    def visible(self, runs: list[GraphRun]) -> list[GraphRun]:
        far = 0.0
        return sorted(
            runs,
            key=lambda r: (
                (r.completed_time or r.scheduled_time).timestamp()
                if (r.completed_time or r.scheduled_time)
                else far
            ),
            reverse=True,
        )

    def summary(self, data: RunsSnapshot, shown: list[GraphRun]) -> Text:
        text = super().summary(data, shown)
        text.append(f"  ·  limit {self.limit}")
        if self.errors_only:
            text.append("  ·  errors only", style="bold")
        # The strips show each graph's real history, also when the list shows errors only.
        by_graph = {graph: runs for graph, runs in data.history.items() if runs}
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        if not self.all_graphs and self.focus_root in by_graph:
            text.append(f"\n {HISTORY_LABEL}  ", style="dim")
            text.append_text(history_strip(by_graph[self.focus_root], colors))
        elif self.all_graphs and by_graph:
            # One compact strip per graph, flowing across the width; a name and its strip stay together.
            items = [Text(HISTORY_LABEL, style="dim")]
            # Graphs whose last run failed first: with many graphs, those are the strips that count.
            for graph, runs in sorted(
                by_graph.items(), key=lambda item: (not item[1][0].state.is_failure, item[0])
            ):
                root = data.roots.get(graph)
                item = literal(root.name if root else graph, "bold")
                item.append(" ")
                item.append_text(history_strip(runs, colors, width=10))
                items.append(item)
            text.append("\n ")
            # A few lines at most, so the list keeps the room on a small terminal.
            max_lines = 2 if self.app.size.height < 30 else 4
            text.append_text(pack(items, max(20, self.app.size.width - 3), max_lines, gap="   "))
        return text

    async def history_for(self, root: str, runs: list[GraphRun]) -> list[GraphRun]:
        if not self.errors_only:
            return runs  # the list is the history already: no second request
        backend = self.app.backend  # type: ignore[attr-defined]
        return await backend.completed_runs(root, limit=HISTORY, errors_only=False)

    def cells(self, run: GraphRun, data: RunsSnapshot) -> tuple[Text, ...]:
        every = {
            "state": lambda: run_badge(run.state, run.raw_state, self.app.theme_colors),  # type: ignore[attr-defined]
            "graph": lambda: self.graph_name(run, data),
            "run": lambda: literal(run.run_id),
            "type": lambda: literal(run.run_type or ""),
            "by": lambda: literal(run.triggered_by or ""),
            "scheduled": lambda: self.when(run.scheduled_time),
            "started": lambda: self.when(run.started_time),
            "completed": lambda: self.when(run.completed_time),
            "duration": lambda: Text(duration(run.duration())),
            "error_task": lambda: literal(run.first_error_task or ""),
            "code": lambda: literal(run.first_error_code or ""),
            "message": lambda: message(run.first_error_message, single_line=True),
        }
        return tuple(every[key]() for key, _ in self.shown_columns or self.columns())

    def action_toggle_errors(self) -> None:
        self.errors_only = not self.errors_only
        self.poll_now()

    def action_more(self) -> None:
        bigger = [n for n in LIMITS if n > self.limit]
        self.limit = bigger[0] if bigger else self.limit
        self.poll_now()

    def action_fewer(self) -> None:
        smaller = [n for n in LIMITS if n < self.limit]
        self.limit = smaller[-1] if smaller else self.limit
        self.poll_now()
