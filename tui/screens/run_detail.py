"""One graph run: its header (state, times, duration, id, version), its error, and the graph annotated
with that run's outcome; `l` opens its log."""

from __future__ import annotations

import json
from typing import cast

import anyio
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from tui.action_plan import RunTarget
from tui.backends.base import TriesBackend
from tui.domain import GraphRun, Task, TaskRun
from tui.errors import BackendError
from tui.widgets.footer import KeyFooter
from tui.widgets.header import HeaderBar
from tui.widgets.literal import literal, message
from tui.widgets.log_view import LogView
from tui.widgets.run_age import age_line
from tui.widgets.status import run_badge
from tui.widgets.timefmt import absolute, duration, moment
from tui.widgets.tries import tries_text

from .graph import GraphScreen, GraphSnapshot, GraphTree, task_name

_MESSAGE_LINES = 6  # of an error message in the run's header; the log view has all of it


class RunDetailScreen(GraphScreen):
    TITLE_TEXT = "Run"
    BINDINGS = [Binding("l", "open_log", "Log", id="run.log")]

    def __init__(self, task: Task, run: GraphRun) -> None:
        super().__init__(task, run)
        self.run = run

    @property
    def chosen_run(self) -> tuple[Task, GraphRun]:
        """`y` hands this run over (with its graph's root)."""
        graph = self.snapshot.graph if self.snapshot is not None else None
        root = graph.tasks.get(graph.root) if graph is not None else None
        return (root or self.focus_task), self.run

    def summary(self, data: GraphSnapshot) -> Text:
        if data.run is not None:
            self.run = data.run  # refetched while it was still going
        app = self.app
        colors, now, tz, show_abs = app.theme_colors, app.now(), app.tz, app.show_absolute  # type: ignore[attr-defined]
        run = self.run
        text = Text(" ")
        text.append_text(run_badge(run.state, run.raw_state, colors))
        text.append("  ")
        root = data.graph.tasks.get(data.graph.root)
        text.append_text(literal(root.qualified_name if root else run.graph, "bold"))
        text.append("  run ")
        text.append_text(literal(run.run_id))
        if run.graph_version is not None:
            text.append(f"  version {run.graph_version}")
        text.append("\n scheduled ")
        text.append(moment(now, run.scheduled_time, tz, show_abs) or "—")
        text.append("  started ")
        text.append(moment(now, run.started_time, tz, show_abs) or "—")
        text.append("  completed ")
        text.append(moment(now, run.completed_time, tz, show_abs) or "—")
        text.append("  duration ")
        # A finished run without an end time (Taipy jobs carry none) has no known duration: never "now".
        known = not (run.state.is_finished and run.completed_time is None)
        text.append((duration(run.duration(now)) if known else "") or "—")
        origin = run_origin(run)
        if origin.plain:  # why the run exists and who started it, with what (Airflow's run type, conf)
            text.append("\n ")
            text.append_text(origin)
        age = app.run_ages.run_age(run, now, app.wall())  # type: ignore[attr-defined]
        if age is not None:  # how long in its state, against the usual: a stuck run says so
            text.append("\n ")
            text.append_text(age_line(age, colors))
        if run.note:  # the backend's caveat about this run (e.g. how its task runs were grouped)
            text.append("\n ")
            text.append_text(literal(run.note, "dim italic"))
        if run.first_error_task or run.first_error_message:
            text.append("\n error in ", style=colors.get("error", ""))
            text.append_text(literal(task_name(data.graph, run.first_error_task) or "?", "bold"))
            if run.first_error_code:
                text.append("  code ")
                text.append_text(literal(run.first_error_code, "bold"))
            if run.first_error_message:
                text.append(":  ")
                # The server's line breaks stay line breaks (the whole message is in the log view).
                text.append_text(message(run.first_error_message, max_lines=_MESSAGE_LINES, indent="   "))
        return text

    @property
    def selected_task_run(self) -> TaskRun | None:
        """The task run under the cursor (what a cancel acts on), where the backend reports them."""
        task, line = self.selected_task, self.selected_line
        if task is None or line is None or self.snapshot is None or not self.snapshot.task_runs:
            return None
        return self.snapshot.task_run(task.key, line.map_index)

    @property
    def run_target(self) -> RunTarget | None:
        """What a run action (mark, clear, delete) acts on: the task run under the cursor, or the
        whole run on the graph's root line; None on a task that has not run in it."""
        task = self.selected_task
        if task is None or task.key == self.run.graph or task.is_root:
            return RunTarget(self.run)
        task_run = self.selected_task_run
        return None if task_run is None else RunTarget(self.run, task_run)

    def show(self, data: GraphSnapshot) -> None:
        super().show(data)
        self.refresh_bindings()  # the chosen task run may have finished: cancel comes and goes

    @on(GraphTree.NodeHighlighted)
    def cursor_moved(self) -> None:
        self.refresh_bindings()

    @property
    def shown_run(self) -> GraphRun:
        return self.run  # `l` (GraphScreen.action_open_log) opens this run's log


_CONF_CHARS = 80  # of a run's conf in its header: enough to recognise it, not a dump


def run_origin(run: GraphRun) -> Text:
    """``manual · by admin · conf {"x": 1}``: the run's type, who triggered it and its parameters, as
    far as the backend says (all server text, shown literally)."""
    parts: list[Text] = []
    if run.run_type:
        parts.append(literal(run.run_type, "bold"))
    if run.triggered_by:
        parts.append(Text("by ").append_text(literal(run.triggered_by)))
    if run.conf:
        conf = json.dumps(run.conf, sort_keys=True, default=str, ensure_ascii=False)
        if len(conf) > _CONF_CHARS:
            conf = conf[: _CONF_CHARS - 1] + "…"
        parts.append(Text("conf ").append_text(literal(conf)))
    return Text("  ·  ").join(parts)


def run_log_lines(run: GraphRun, tz) -> list[str]:
    """Snowflake's REST API has no per-task logs: the run's record and its first error are the log."""
    lines = [
        f"graph run {run.run_id} of {run.graph}",
        f"state: {run.raw_state or run.state.value}",
        f"scheduled: {absolute(run.scheduled_time, tz)}",
        f"started: {absolute(run.started_time, tz)}",
        f"completed: {absolute(run.completed_time, tz)}",
        f"graph version: {run.graph_version if run.graph_version is not None else ''}",
    ]
    if run.first_error_task or run.first_error_message:
        lines.append(f"ERROR in task {run.first_error_task or '?'} (code {run.first_error_code or '?'}):")
        lines.extend((run.first_error_message or "").splitlines() or [""])
    return lines


class RunLogScreen(Screen):
    """The run's log. Finished runs' logs are fetched once and never again."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="log.back"),
        Binding("left_square_bracket", "no_tries", "Prev try", show=False, id="runlog.previous_try"),
        Binding("right_square_bracket", "no_tries", "Next try", show=False, id="runlog.next_try"),
    ]

    def __init__(self, run: GraphRun) -> None:
        super().__init__()
        self.run = run

    def compose(self) -> ComposeResult:
        yield HeaderBar("Log")
        yield LogView(name_hint=f"{self.run.graph}-{self.run.run_id}")
        yield KeyFooter()

    def on_mount(self) -> None:
        view = self.query_one(LogView)
        view.append(run_log_lines(self.run, self.app.tz))  # type: ignore[attr-defined]
        if self.run.state.is_finished:
            view.set_finished()
        view.log_widget.focus()

    def action_no_tries(self) -> None:
        """`[`/`]` switch tries in a task's log; here there are none to switch: say why."""
        app = self.app
        if app.backend.capabilities.logs:  # type: ignore[attr-defined]
            words = "This is the run's record. Tries are per task: open a task's log (l on it in run detail)."
        else:
            backend = getattr(app.connection, "backend", "") or "This backend"  # type: ignore[attr-defined]
            words = f"{backend.capitalize()} keeps no per-try logs: this is the run's record."
        self.notify(words, timeout=5)


class TaskLogScreen(Screen):
    """One try of one task's real log (Airflow task instances). `[` and `]` switch tries.

    A finished try is fetched once and never again; a running one is followed through the
    backend's continuation token, one request per poll interval, until it finishes.
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="tasklog.back"),
        Binding("left_square_bracket", "try_delta(-1)", "Prev try", id="tasklog.previous_try"),
        Binding("right_square_bracket", "try_delta(1)", "Next try", id="tasklog.next_try"),
    ]

    def __init__(self, run: GraphRun, task: Task, task_run: TaskRun | None = None) -> None:
        super().__init__()
        self.run = run
        self.log_task = task
        # What the backend knows this task run by (``process[13]`` for an index of a mapped task).
        self.log_ref = task_run.log_ref if task_run is not None and task_run.log_ref else task.key
        self.log_name = task_run.label if task_run is not None and task_run.log_ref else task.name
        self.max_try = max(1, (task_run.try_number or 0) if task_run is not None else 1)
        self.try_number = self.max_try
        self.continuation: str | None = None
        self.finished = False
        self.error: str | None = None
        self.finished_tries: dict[int, list[str]] = {}  # fetched once, never again
        self.note: str | None = None  # LogChunk.note: what this log is (e.g. only a stack trace)
        self.tries: list[TaskRun] = []  # every try's outcome and times, where the backend has them

    def compose(self) -> ComposeResult:
        yield HeaderBar("Task log")
        yield Static(id="tasklog-title")
        yield Static(id="tasklog-note")  # the backend's words about this log (what it is, what it lacks)
        yield Static(id="tasklog-tries")  # each try's outcome and times (the switcher's map)
        yield LogView(name_hint=f"{self.run.graph}-{self.run.run_id}-{self.log_name}-{self.try_number}")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#tasklog-note", Static).display = False
        self.query_one("#tasklog-tries", Static).display = False
        self.query_one(LogView).log_widget.focus()
        self.load()
        if self.app.backend.capabilities.tries:  # type: ignore[attr-defined]
            self.load_tries()

    @work(group="tasklog-tries", exclusive=True, exit_on_error=False)
    async def load_tries(self) -> None:
        """Every try of this task run, once (and again when a followed try ends): the strip above the
        log. A failure leaves the strip out; the log itself does not depend on it."""
        backend = cast(TriesBackend, self.app.backend)  # type: ignore[attr-defined]
        try:
            self.tries = await backend.task_tries(self.run.graph, self.run.run_id, self.log_ref)
        except BackendError:
            return
        if self.tries:
            self.max_try = max(self.max_try, *(t.try_number or 0 for t in self.tries))
        self.show_tries()
        self.query_one("#tasklog-title", Static).update(self.title_text())

    def show_tries(self) -> None:
        widget = self.query_one("#tasklog-tries", Static)
        if not self.tries:
            widget.display = False
            return
        app = self.app
        widget.update(
            tries_text(self.tries, self.try_number, app.now(), app.tz, app.show_absolute, app.theme_colors)  # type: ignore[attr-defined]
        )
        widget.display = True

    def title_text(self) -> Text:
        text = Text(" ")
        text.append_text(literal(self.log_name, "bold"))
        text.append(f"  try {self.try_number} of {self.max_try}  ·  run ")
        text.append_text(literal(self.run.run_id))
        if self.error:
            text.append("  ·  ")
            text.append_text(literal(self.error, "bold"))
        return text

    @work(group="tasklog", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        from tui.errors import NotFoundError, describe_error

        backend = self.app.backend  # type: ignore[attr-defined]
        interval = self.app.connection.poll_interval  # type: ignore[attr-defined]
        view = self.query_one(LogView)
        wanted = self.try_number
        if wanted in self.finished_tries:
            view.append(self.finished_tries[wanted])
            self.finished = True
        failures = 0
        lines: list[str] = []
        while not self.finished:
            try:
                chunk = await backend.run_log(
                    self.run.graph, self.run.run_id, self.log_ref, wanted, self.continuation
                )
            except NotFoundError as exc:  # an answer, not a fault: asking again will not make it exist
                missing = f"no log for this try: the server says it does not exist ({exc.status or 404})"
                lines.append(missing)
                view.append([missing])
                self.finished = True
                break
            except Exception as exc:  # keep following: say what failed, back off, try again
                failures += 1
                delay = min(60.0, interval * 2**failures)
                self.error = f"{describe_error(exc)} (retrying in {delay:g}s)"
                self.query_one("#tasklog-title", Static).update(self.title_text())
                await anyio.sleep(delay)
                continue
            failures, self.error = 0, None
            if chunk.note and chunk.note != self.note:
                self.note = chunk.note
                self.show_note(True)  # at once, also while a running log is followed
            lines.extend(chunk.lines)
            view.append(list(chunk.lines))
            self.continuation = chunk.continuation
            self.finished = chunk.finished or chunk.continuation is None
            self.query_one("#tasklog-title", Static).update(self.title_text())
            if not self.finished:
                await anyio.sleep(interval)
        if wanted not in self.finished_tries:
            self.finished_tries[wanted] = lines
        self.query_one("#tasklog-title", Static).update(self.title_text())
        self.show_note(bool(self.finished_tries[wanted]))
        view.set_finished()
        if any(not t.state.is_finished for t in self.tries):  # a followed try ended: its outcome too
            self.load_tries()

    def show_note(self, has_lines: bool) -> None:
        """The backend's note above the lines; a log with no lines says so in words, never a blank."""
        note = self.note
        if not has_lines:
            empty = "No log lines for this try."
            note = f"{note}  {empty}" if note else empty
        widget = self.query_one("#tasklog-note", Static)
        widget.update(Text(" ").append_text(literal(note, "italic", single_line=False)) if note else "")
        widget.display = bool(note)

    def action_try_delta(self, delta: int) -> None:
        wanted = min(self.max_try, max(1, self.try_number + delta))
        if wanted == self.try_number:
            edge = "first" if delta < 0 else "last"
            self.notify(f"Already at the {edge} try ({self.try_number} of {self.max_try}).", timeout=3)
            return
        self.try_number = wanted
        self.show_tries()
        self.continuation, self.finished = None, False
        self.query_one(LogView).reset()
        self.load()
