"""`i`: the inbox — what is broken right now in every profile, one list, worst and newest first.

Failed runs (with the failing task and the first line of the error in the row), runs far past their
usual duration, overdue schedules, suspended graphs that should run, and profiles that cannot be read.
Under the list, the chosen problem in full. `enter` goes to it in its profile; `a` acknowledges it (hidden
until it changes); the action keys act on its graph in its profile, through the same confirmations.
Every word from a server is inert text.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from tui.domain import Task
from tui.plural import plural
from tui.services.inbox.problems import Problem, ProblemKind
from tui.services.inbox.service import now_for
from tui.widgets.footer import KeyFooter
from tui.widgets.header import HeaderBar, Overview
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.literal import literal
from tui.widgets.timefmt import moment

GLYPHS = {
    ProblemKind.FAILED: ("✘", "error"),
    ProblemKind.UNREACHABLE: ("⚠", "error"),
    ProblemKind.LONG_RUNNING: ("◷", "warning"),
    ProblemKind.OVERDUE: ("⏰", "warning"),
    ProblemKind.SUSPENDED: ("⏸", "secondary"),
}
WIDE = 140  # from this width the row has room for the graph's scope and a column for the failing task
NARROW = 100  # below it the problem's kind is its glyph alone


def columns(width: int) -> list[tuple[str, str, int]]:
    """The inbox's columns for a table ``width`` wide: the message takes what is left."""
    if width >= WIDE:
        cols = [("kind", "PROBLEM", 14), ("when", "WHEN", 9), ("profile", "PROFILE", 14)]
        cols += [("backend", "BACKEND", 10), ("graph", "GRAPH", 30), ("task", "TASK", 18)]
    elif width >= NARROW:
        cols = [("kind", "PROBLEM", 14), ("when", "WHEN", 8), ("profile", "PROFILE", 12)]
        cols += [("backend", "BACKEND", 9), ("graph", "GRAPH", 22)]
    else:
        cols = [("kind", "", 2), ("when", "WHEN", 7), ("profile", "PROFILE", 10)]
        cols += [("backend", "BACKEND", 9), ("graph", "GRAPH", 16)]
    used = sum(w for _, _, w in cols) + 2 * (len(cols) + 1)
    cols.append(("message", "ERROR / WHY", max(12, width - used)))
    return cols


class InboxScreen(Screen):
    TITLE_TEXT = "Inbox"
    HAS_VIEWS = False  # t 3 4 5 l c would open the console's profile, not the row's: enter goes there
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="inbox.back"),
        Binding("enter", "open_problem", "Open", id="inbox.open"),
        Binding("a", "acknowledge", "Acknowledge", id="inbox.acknowledge"),
        Binding("v", "toggle_acknowledged", "Show acked", id="inbox.show_acknowledged"),
        Binding("w", "watch_profile", "Watch profile", id="inbox.watch_profile"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="inbox.refresh"),
        Binding("tab", "focus_detail", "Detail", show=False, id="inbox.detail"),
    ]
    DEFAULT_CSS = """
    #inbox-table { height: 1fr; }
    #inbox-detail { height: auto; max-height: 45%; padding: 0 1; border-top: solid $error; }
    #inbox-detail:focus-within { border-top: solid $accent; }
    #inbox-status { width: 100%; padding: 0 1; background: $boost; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Problem] = []
        self.with_acknowledged = False
        self._polling = False
        self.shown_columns: list[tuple[str, str, int]] = []

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.TITLE_TEXT, overview=self.overview)
        yield KeyedTable(id="inbox-table")
        with VerticalScroll(id="inbox-detail"):
            yield Static("", id="inbox-detail-text")
        yield Label("Reading every profile…", id="inbox-status")
        yield KeyFooter()

    @property
    def service(self) -> Any:
        return self.app.inbox  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.fit_columns()
        self.query_one(KeyedTable).focus()
        self.service.listeners.append(self._profile_polled)
        if all(state.freshness.last_success is None for state in self.service.states.values()):
            self.poll_now()  # the first look: every profile at once, not a timer away
        self.render_rows()

    def on_unmount(self) -> None:
        if self._profile_polled in self.service.listeners:
            self.service.listeners.remove(self._profile_polled)

    def on_resize(self) -> None:
        self.fit_columns()
        self.render_rows()

    def fit_columns(self) -> None:
        wanted = columns(self.app.size.width - 2)  # less the vertical scrollbar
        if wanted != self.shown_columns:
            self.shown_columns = wanted
            self.query_one(KeyedTable).set_columns(wanted)

    def _profile_polled(self, _name: str) -> None:
        if self.is_mounted:
            self.render_rows()

    # -- polling: the app polls every profile in the background; ctrl+r asks for all of them now ----
    def poll_now(self, force: bool = True) -> None:
        if not self._polling:
            self._polling = True
            self._poll_all(force)

    @work(group="inbox-now", exit_on_error=False)
    async def _poll_all(self, force: bool) -> None:
        try:
            await self.service.poll_all(force=force)
        finally:
            self._polling = False
            self.render_rows()

    def action_refresh(self) -> None:
        self.poll_now(force=True)  # ctrl+r: every status read again, not only what is due

    def action_show_error(self) -> None:
        """`e`: why each profile that cannot be read cannot (the rows say it in one line)."""
        failing = [s for s in self.service.states.values() if s.freshness.last_error]
        if not failing:
            self.notify("Every profile's last poll succeeded.", timeout=3)
        for state in failing:
            self.notify(
                state.freshness.last_error,
                title=f"{state.name}: last poll failed",
                severity="error",
                timeout=15,
            )

    def set_paused(self, paused: bool) -> None:
        for state in self.service.states.values():
            state.freshness.paused = paused
        self.query_one(HeaderBar).update_bar()

    # -- what is shown ----------------------------------------------------------------------------
    def overview(self) -> Overview:
        service = self.service
        names = service.registry.names()
        production = any(
            getattr(getattr(service.registry.get(n), "connection", None), "production", False) for n in names
        )
        stale = service.stale_profiles()
        polled = any(s.freshness.last_success or s.freshness.failing_since for s in service.states.values())
        return Overview(", ".join(names), service.summary(), bool(stale) and polled, production)

    def render_rows(self) -> None:
        service = self.service
        self.shown = service.problems(acknowledged=self.with_acknowledged)
        rows = [(p.key, self.cells(p)) for p in self.shown]
        table = self.query_one(KeyedTable)
        # A cursor on the top row stays on the top row: the worst, newest problem, whatever arrived
        # (like following a log). Moved down to a row, it stays on that problem.
        at_top = table.cursor_row == 0
        table.apply(rows)
        if at_top and rows and table.cursor_row != 0:
            table.move_cursor(row=0, animate=False)
        self.show_detail()
        self.update_status()
        self.query_one(HeaderBar).update_bar()

    def cells(self, problem: Problem) -> tuple[Text, ...]:
        colors = self.app.theme_colors  # type: ignore[attr-defined]
        glyph, role = GLYPHS[problem.kind]
        dim = "dim" if problem.stale else ""
        narrow = self.shown_columns[0][2] < len(problem.kind.value)
        words = glyph if narrow else f"{glyph} {problem.kind.value}"
        kind = Text(words, style=f"bold {colors.get(role, '')} {dim}".strip())
        if self.service.acks.is_acked(problem):
            kind.append(" ✓", style="dim")
        when = Text(self._when(problem), style=dim)
        profile = literal(
            problem.where.profile, f"bold {colors['warning']}" if problem.where.production else ""
        )
        if problem.where.production:
            profile.append(" ⚑", style=colors["warning"])
        wide = any(key == "task" for key, _, _ in self.shown_columns)
        graph = literal(_graph_label(problem) if wide else problem.graph_name, dim)
        # Without a task column the failing task leads the message: "LOAD_ORDERS: Division by zero".
        lead = f"{problem.task}: " if problem.task and not wide else ""
        message = literal(("(stale) " if problem.stale else "") + lead + problem.summary, dim)
        by_column = {
            "kind": kind,
            "when": when,
            "profile": profile,
            "backend": literal(problem.where.backend, dim),
            "graph": graph,
            "task": literal(problem.task, dim),
            "message": message,
        }
        return tuple(by_column[key] for key, _, _ in self.shown_columns)

    def _when(self, problem: Problem) -> str:
        app = self.app
        now = now_for(self.service, problem.where.profile)
        return moment(now, problem.since, app.tz, app.show_absolute) if problem.since else ""  # type: ignore[attr-defined]

    @property
    def selected_problem(self) -> Problem | None:
        key = self.query_one(KeyedTable).selected_key
        return next((p for p in self.shown if p.key == key), None)

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The chosen problem in full: where it is, what failed, and the backend's whole message."""
        problem = self.selected_problem
        detail = self.query_one("#inbox-detail-text", Static)
        if problem is None:
            detail.update(Text(self._empty_words(), style="bold"))
            return
        out = Text()
        glyph, role = GLYPHS[problem.kind]
        out.append(
            f"{glyph} {problem.kind.value.upper()}", style=f"bold {self.app.theme_colors.get(role, '')}"
        )  # type: ignore[attr-defined]
        out.append("  ")
        out.append_text(literal(problem.where.profile, "bold"))
        out.append(f" · {problem.where.backend}")
        if problem.where.production:
            out.append(" · PRODUCTION", style=f"bold {self.app.theme_colors['warning']}")  # type: ignore[attr-defined]
        if problem.graph is not None:
            out.append(" · ")
            out.append_text(literal(_graph_label(problem), "bold"))
        if problem.run is not None:
            out.append("\nrun ")
            out.append_text(literal(problem.run.run_id))
            out.append(f" · {self._when(problem)}")
        if problem.task:
            out.append(" · first failed task ")
            out.append_text(literal(problem.task, "bold"))
        if "rerunning" in problem.extra:
            out.append(" · a new run is going now")
        if problem.stale:
            out.append("\n(as of the profile's last good poll: it cannot be read now)", style="dim")
        out.append("\n")
        out.append_text(literal(problem.detail or problem.summary, single_line=False))
        detail.update(out)

    def _empty_words(self) -> str:
        service = self.service
        if not any(s.freshness.last_success for s in service.states.values()):
            return "Reading every profile…"
        graphs = sum(s.graphs for s in service.states.values())
        return f"Nothing needs a human: {plural(graphs, 'graph')} in {service.summary()} checked."

    def update_status(self) -> None:
        service = self.service
        parts = [plural(len(self.shown), "problem")]
        acked = service.acknowledged_count()
        if acked:
            parts.append(f"{acked} acknowledged ({'shown' if self.with_acknowledged else 'hidden'}: v)")
        stale = service.stale_profiles()
        if stale and any(
            s.freshness.last_success or s.freshness.failing_since for s in service.states.values()
        ):
            parts.append("stale: " + ", ".join(stale))
        app: Any = self.app
        watched = sorted(t.profile for t in app.watcher.targets() if t.kind == "profile")
        if watched:
            parts.append("watching " + ", ".join(watched))
        if service.acks.error:
            parts.append(service.acks.error)
        self.query_one("#inbox-status", Label).update(literal(" · ".join(parts)))

    # -- keys -------------------------------------------------------------------------------------
    @property
    def selected_task(self) -> Task | None:
        """The chosen problem's graph (its root task): what the action keys act on."""
        problem = self.selected_problem
        return problem.graph if problem is not None else None

    @property
    def selection_hint(self) -> str:
        problem = self.selected_problem
        if problem is not None and problem.graph is None:
            return "This row is a whole profile: there is no graph to act on."
        return "Choose a problem first." if not self.shown else ""

    def action_context(self) -> Any:
        """Actions go to the chosen problem's profile and scope, named in the confirmation."""
        problem = self.selected_problem
        if problem is None or problem.graph is None:
            return None
        return self.service.target(problem.where.profile, problem.where.scope)

    @property
    def chosen_run(self) -> tuple[Task, Any] | None:
        """`y` hands the chosen problem's run over (a failed or long-running one)."""
        problem = self.selected_problem
        if problem is None or problem.graph is None or problem.run is None:
            return None
        return problem.graph, problem.run

    def action_acknowledge(self) -> None:
        problem = self.selected_problem
        if problem is None:
            self.notify("Nothing to acknowledge.", timeout=3)
            return
        acked = self.service.acks.toggle(problem, self.app.wall())  # type: ignore[attr-defined]
        what = problem.graph_name or problem.where.profile
        if acked:
            self.notify(f"Acknowledged: {what} ({problem.kind.value}); back if it changes.", timeout=4)
        else:
            self.notify(f"No longer acknowledged: {what}.", timeout=3)
        self.render_rows()

    def action_watch_profile(self) -> None:
        """`w`: be told of every new failure in the chosen row's profile (every schema it covers), by
        toast and the configured bell, desktop notification or hook; `w` again stops."""
        from tui.screens.watching import channels
        from tui.services.watch import WatchTarget

        problem = self.selected_problem
        if problem is None:
            self.notify("Choose a row: its profile is the one watched.", severity="warning", timeout=4)
            return
        profile = problem.where.profile
        target = WatchTarget.whole_profile(profile)
        app: Any = self.app
        if app.watcher.toggle(target, f"profile {profile}"):
            said = f"told of each new failure in any of its graphs{channels(app)} (w again: stop)"
            self.notify(said, title=f"Watching profile {profile}", timeout=6)
        else:
            self.notify(f"Stopped watching profile {profile}.", timeout=4)
        self.update_status()

    def action_toggle_acknowledged(self) -> None:
        self.with_acknowledged = not self.with_acknowledged
        self.render_rows()

    def action_focus_detail(self) -> None:
        detail = self.query_one("#inbox-detail", VerticalScroll)
        if detail.has_focus:
            self.query_one(KeyedTable).focus()
        else:
            detail.focus()

    def action_open_problem(self) -> None:
        problem = self.selected_problem
        if problem is None:
            return
        self.app.go_to_problem(problem)  # type: ignore[attr-defined]

    @on(KeyedTable.RowSelected, "#inbox-table")
    def _chosen(self, _event: KeyedTable.RowSelected) -> None:
        self.action_open_problem()


def _graph_label(problem: Problem) -> str:
    scope = f"{problem.where.scope}." if problem.where.scope else ""
    return f"{scope}{problem.graph_name}" if problem.graph is not None else ""
