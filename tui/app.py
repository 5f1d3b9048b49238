"""The Textual app: global bindings, theme, the screen modes, and the wiring to a backend.

Built by ``make_app`` so tests get seeded sandbox data, a frozen clock and polling under their control.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, cast

from textual import work
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.action_plan import RUN_ACTIONS, ClearOptions, RunTarget
from tui.backends.base import NO_IMPORT_ERRORS, Backend, ImportErrorsBackend, ScopedBackend
from tui.commands import DagtopCommands, TaskJump, palette_commands
from tui.domain import FileImportError, GraphRun, Task, TaskRun
from tui.errors import describe_error
from tui.services.actions import ActionKind
from tui.services.journal import ActionJournal
from tui.services.profiles import ProfileSource
from tui.services.run_actions import run_action_absent
from tui.services.run_ages import RunAges
from tui.text_safety import safe_text
from tui.widgets.header import ConnectionInfo, connection_info

Clock = Callable[[], datetime]
SKEW_NOISE = timedelta(seconds=2)  # Date has whole seconds, and a response takes a while to arrive
# Import errors change only when the scheduler parses files again (Airflow: every 30 s at the
# soonest): the header's count is read at the poll's cadence, or this often if that is faster.
IMPORT_ERRORS_EVERY = 30.0


def system_clock() -> datetime:
    return datetime.now(UTC)


class DagtopApp(App):
    """dagtop: watch and steer task graphs."""

    CSS_PATH = "app.tcss"
    TITLE = "dagtop"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {DagtopCommands, TaskJump}  # dagtop's commands with synonyms, and tasks by name

    BINDINGS = [
        Binding("1", "home", "Tasks", id="app.tasks"),
        Binding("2", "open_graph", "Graph", show=False, id="app.graph"),
        Binding("t", "open_graph", "Graph", id="app.graph_t"),
        Binding("3", "open_runs('current')", "Current", id="app.current_runs"),
        Binding("4", "open_runs('completed')", "Completed", id="app.completed_runs"),
        Binding("5", "open_grid", "Grid", show=False, id="app.grid"),
        Binding("l", "open_log", "Log", show=False, id="app.log"),
        Binding("c", "pick_scope", "Scope", show=False, id="app.scope"),
        Binding("P", "pick_profile", "Profile", show=False, id="app.profile"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+r", "refresh", "Refresh", id="app.refresh"),
        Binding("p", "toggle_pause", "Pause", id="app.pause"),
        Binding("A", "toggle_absolute", "Abs. time", show=False, id="app.absolute_time"),
        Binding("e", "show_error", "Last error", show=False, id="app.last_error"),
        Binding("H", "open_history", "Action history", show=False, id="app.history"),
        Binding("I", "open_import_errors", "Import errors", show=False, id="app.import_errors"),
        Binding("x", "act('execute')", "Execute", id="action.execute"),
        Binding("X", "act('retry-last')", "Retry last", id="action.retry_last"),
        Binding("s", "act('suspend')", "Suspend", id="action.suspend"),
        Binding("r", "act('resume')", "Resume", id="action.resume"),
        # k9s kills with ctrl+k; shown only where an unfinished task run is chosen (a run's detail).
        Binding("ctrl+k", "act('cancel')", "Cancel run", id="action.cancel"),
        # On the run or task run chosen on a run's detail or the grid (capabilities.run_actions).
        Binding("S", "act('mark-success')", "Mark success", show=False, id="action.mark_success"),
        Binding("F", "act('mark-failed')", "Mark failed", show=False, id="action.mark_failed"),
        Binding("R", "act('clear')", "Clear (re-run)", show=False, id="action.clear"),
        Binding("D", "act('delete-run')", "Delete run", show=False, id="action.delete_run"),
    ]

    def __init__(
        self,
        backend: Backend,
        connection: ConnectionInfo,
        *,
        clock: Clock = system_clock,
        tz: tzinfo | None = None,
        auto_poll: bool = True,
        journal: ActionJournal | None = None,
        keymap: dict[str, str] | None = None,
        profiles: ProfileSource | None = None,
        wall_clock: Clock | None = None,
        recorder: Any = None,
    ) -> None:
        super().__init__()
        self.recorder = recorder  # `dagtop --record`: told of each poll (tui/services/recording.py)
        self.keymap_overrides = keymap or {}
        self.profiles = profiles
        self._backends = [backend]  # every backend opened, closed on exit
        self.backend = backend
        self.connection = connection
        self.clock = clock
        # Freshness, poll timers and the journal run on the wall clock; data times on ``clock``. They
        # differ only on the embedded sandbox, whose simulated clock runs fast.
        self.wall_clock = wall_clock or clock
        self.tz = tz
        self.auto_poll = auto_poll
        self.journal = journal
        self.polling_paused = False
        self.show_absolute = False
        self._action_in_flight = False
        # How long each run has been in its state, remembered across polls and screens.
        self.run_ages = RunAges()
        # The files the scheduler cannot load, as last read (None: not read, or no such thing here).
        self.import_errors: list[FileImportError] | None = None
        self._import_errors_timer: Any = None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast goes through here: server words in it (errors, results, names) are made inert,
        and nothing is ever read as markup."""
        super().notify(
            safe_text(message, keep_newlines=True),
            title=safe_text(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # -- wiring used by screens ---------------------------------------------------------------------
    def now(self) -> datetime:
        """Now, for the times in the data (runs, schedules): on the server's clock, so a run that
        already happened never reads as in the future when the server's clock is ahead of ours."""
        return self.clock() + self.clock_skew()

    def clock_skew(self) -> timedelta:
        """How far the server's clock is ahead of ours (negative: behind), from its Date headers;
        zero within the Date header's one-second resolution."""
        server_clock = getattr(self.backend, "server_clock", None)
        skew = server_clock.offset if server_clock is not None else None
        if skew is None or abs(skew) <= SKEW_NOISE:
            return timedelta(0)
        return skew

    @property
    def backend(self) -> Backend:
        return self._backend

    @backend.setter
    def backend(self, backend: Backend) -> None:
        self._backend = backend
        server_clock = getattr(backend, "server_clock", None)
        if server_clock is not None:  # its Date headers are compared with our clock (late-bound)
            server_clock.local_clock = lambda: self.clock()

    def wall(self) -> datetime:
        """Now, for freshness, poll timers and the journal."""
        return self.wall_clock()

    @property
    def theme_colors(self) -> dict[str, str]:
        theme = self.current_theme
        return {
            "success": theme.success or "green",
            "error": theme.error or "red",
            "warning": theme.warning or "yellow",
            "accent": theme.accent or "blue",
            "secondary": theme.secondary or "cyan",
            "primary": theme.primary,
        }

    def on_mount(self) -> None:
        from tui.screens.tasks import TasksScreen

        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
        self.push_screen(TasksScreen())
        self.watch_import_errors()

    @work(group="import-errors", exclusive=True, exit_on_error=False)
    async def watch_import_errors(self) -> None:
        """Read the import errors for the header's count, then again a poll later (never two at once:
        the next is armed when this one ends; none while polling is paused)."""
        if self._import_errors_timer is not None:
            self._import_errors_timer.stop()
            self._import_errors_timer = None
        backend = self.backend
        if not backend.capabilities.import_errors:
            self.import_errors = None
            return
        if not self.polling_paused:
            errors: list[FileImportError] | None
            try:
                errors = await cast(ImportErrorsBackend, backend).import_errors()
            except Exception:  # the count keeps its last value; the screen (I) shows the error
                errors = None
            if errors is not None and backend is self.backend:  # not a profile left meanwhile
                self.import_errors = errors
        if self.auto_poll:
            every = max(self.connection.poll_interval, IMPORT_ERRORS_EVERY)
            self._import_errors_timer = self.set_timer(every, self.watch_import_errors)

    async def on_unmount(self) -> None:
        for backend in self._backends:
            await backend.aclose()

    # -- global actions -------------------------------------------------------------------------------
    def _selected(self) -> Task | None:
        return getattr(self.screen, "selected_task", None)

    def open_task_detail(self, task: Task) -> None:
        from tui.screens.task_detail import TaskDetailScreen

        self.push_screen(TaskDetailScreen(task))

    def open_run(self, run: GraphRun, root: Task | None) -> None:
        from tui.screens.run_detail import RunDetailScreen

        if root is None:
            self.notify("That run's graph is no longer in scope.", severity="warning")
            return
        self.push_screen(RunDetailScreen(root, run))

    def action_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def _open_view(self, screen: Screen) -> None:
        """Graph and runs views replace each other rather than pile up, so escape always leads back
        to where the user came from (the task list or a detail), never through a long stack."""
        from tui.screens.graph import GraphScreen
        from tui.screens.grid import GridScreen
        from tui.screens.run_detail import RunDetailScreen
        from tui.screens.runs import RunsScreen

        current = self.screen
        views = GraphScreen | RunsScreen | GridScreen
        if isinstance(current, views) and not isinstance(current, RunDetailScreen):
            self.pop_screen()
        self.push_screen(screen)

    def _say_nothing_selected(self) -> None:
        hint = getattr(self.screen, "selection_hint", "")  # the chosen row left the list
        self.notify(hint or "Select a task first.", severity="warning", timeout=5)

    def action_open_graph(self) -> None:
        from tui.screens.graph import GraphScreen

        task = self._selected()
        if task is None:
            self._say_nothing_selected()
            return
        self._open_view(GraphScreen(task))

    def action_open_grid(self) -> None:
        from tui.screens.grid import GridScreen

        task = self._selected()
        if task is None:
            self._say_nothing_selected()
            return
        self._open_view(GridScreen(task))

    def action_open_runs(self, which: str) -> None:
        from tui.screens.runs import CompletedRunsScreen, CurrentRunsScreen

        task = self._selected()
        screen = CurrentRunsScreen(task) if which == "current" else CompletedRunsScreen(task)
        self._open_view(screen)

    def action_open_log(self) -> None:
        from tui.screens.run_detail import RunLogScreen

        run = getattr(self.screen, "run", None) or getattr(self.screen, "selected_run", None)
        if run is None:
            hint = getattr(self.screen, "selection_hint", "")  # the chosen row left the list
            self.notify(hint or "Select a graph run first (3 or 4).", severity="warning", timeout=5)
            return
        self.push_screen(RunLogScreen(run))

    def action_open_history(self) -> None:
        from tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen())

    def action_open_import_errors(self) -> None:
        from tui.screens.import_errors import ImportErrorsScreen

        absent = self.absent_reason("open_import_errors")
        if absent is not None:
            self.notify(absent, title="No import errors here", timeout=6)
            return
        if not isinstance(self.screen, ImportErrorsScreen):
            self.push_screen(ImportErrorsScreen())

    def action_pick_scope(self) -> None:
        from tui.screens.scope import ScopePicker

        if not self.backend.capabilities.scopes:
            self.notify("This backend has no database/schema scopes.", timeout=3)
            return

        def chosen(scope: str | None) -> None:
            if scope:
                self.switch_scope(scope)

        self.push_screen(ScopePicker(self.backend), chosen)

    def action_pick_profile(self) -> None:
        from tui.screens.scope import NamePicker

        if self.profiles is None:
            self.notify("No other profiles: configure them in dagtop's config.toml.", timeout=4)
            return
        try:
            names = self.profiles.names()
        except Exception as exc:  # a broken config file must not take the console down
            self.notify(describe_error(exc), title="Profiles", severity="error", markup=False)
            return

        def chosen(name: str | None) -> None:
            if name:
                self.open_profile(name)

        self.push_screen(NamePicker("Switch profile", names, self.connection.profile), chosen)

    @work(group="profile", exclusive=True, exit_on_error=False)
    async def open_profile(self, name: str) -> None:
        from tui.errors import BackendError, ConfigError
        from tui.screens.tasks import TasksScreen

        assert self.profiles is not None
        try:
            opened = self.profiles.open(name)
        except (ConfigError, BackendError, LookupError) as exc:
            self.notify(str(exc), title=f"Cannot open {name}", severity="error", markup=False, timeout=10)
            return
        for warning in opened.warnings:
            self.notify(warning, severity="warning", markup=False)
        previous, self._backends = self._backends, [opened.backend]
        self.run_ages = RunAges()  # another server: its runs and their durations are not these
        self.backend = opened.backend
        self.import_errors = None
        self.watch_import_errors()
        self.connection = connection_info(opened.profile, opened.backend)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(TasksScreen())
        self.notify(f"Profile: {name}", timeout=3, markup=False)
        for old in previous:  # scoped copies share their parent's connection: closing is idempotent
            await old.aclose()

    def switch_scope(self, scope: str) -> None:
        from dataclasses import replace

        from tui.screens.tasks import TasksScreen

        self.backend = cast(ScopedBackend, self.backend).with_scope(scope)  # the scopes capability
        self.connection = replace(
            self.connection, location=self.backend.location, scope=getattr(self.backend, "scope", "")
        )
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(TasksScreen())
        self.notify(f"Scope: {scope}", timeout=3, markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only removes actions everywhere: keys, footer, help and the command palette; so does a
        # screen that has no task to act on (the action history). Cancel is there only while an
        # unfinished task run is chosen, on a backend that can cancel one.
        if action != "act":
            return True
        if self.connection.read_only or not getattr(self.screen, "HAS_TARGETS", True):
            return False
        if parameters == (ActionKind.CANCEL.value,) and self.absent_reason(action, parameters) is None:
            task_run = getattr(self.screen, "selected_task_run", None)
            return bool(self.backend.capabilities.cancel and task_run and not task_run.state.is_finished)
        if len(parameters) == 1 and parameters[0] in RUN_ACTIONS:  # where a run can be chosen
            return self.absent_reason(action, parameters) is not None or hasattr(
                type(self.screen), "run_target"
            )
        return True

    def absent_reason(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why this backend has no such action at all (its own words), for a binding's action; None
        when it has it. Such keys stay bound, so pressing one says why, but the footer, the palette and
        help's list of keys leave them out (help lists them apart, with the reason)."""
        if not parameters:
            _namespace, action, parameters = parse_action(action)
        if action == "open_import_errors" and not self.backend.capabilities.import_errors:
            return f"{self.connection.backend} has none: {NO_IMPORT_ERRORS}."
        if action != "act" or len(parameters) != 1:
            return None
        try:
            kind = ActionKind(str(parameters[0]))
        except ValueError:
            return None
        return self.backend.wording.absent_actions.get(kind) or run_action_absent(kind, self.backend)

    def action_act(self, kind: str) -> None:
        """Confirm, then carry out an action on the selected task of the current screen."""
        absent = self.absent_reason("act", (kind,))
        if absent is not None:
            self.notify(absent, title=f"No {kind} here", timeout=6)
            return
        if self.connection.read_only:
            self.notify("Read-only profile: actions are disabled.", severity="warning")
            return
        if self._action_in_flight:
            self.notify("An action is still in progress.", severity="warning", timeout=3)
            return
        if kind in RUN_ACTIONS:
            self._act_on_run(ActionKind(kind))
            return
        task = getattr(self.screen, "selected_task", None)
        if task is None:
            self._say_nothing_selected()
            return
        # A cancel acts on the task run chosen on screen (a run's detail), never on a guess.
        task_run = getattr(self.screen, "selected_task_run", None) if kind == ActionKind.CANCEL else None
        self._action_in_flight = True
        self.prepare_action(ActionKind(kind), task, task_run)

    @work(group="action", exit_on_error=False)
    async def prepare_action(self, kind: ActionKind, task: Task, task_run: TaskRun | None = None) -> None:
        """Plan (with the backend's preview of a retry, where it has one), then ask to confirm."""
        from tui.screens.confirm import ConfirmAction, Confirmed
        from tui.services.actions import plan_for

        backend, connection = self.backend, self.connection  # the action goes where it was planned
        try:
            # As `dagtop exec` plans; a cancel names the task run.
            plan = await plan_for(kind, task, backend, connection.location, task_run=task_run)
        except Exception as exc:
            self._action_in_flight = False
            self.notify(describe_error(exc), title=f"Cannot {kind.value}", severity="error")
            return
        environment = f"{connection.profile} · {connection.backend} · {connection.location}"

        def answered(confirmed: Confirmed | None) -> None:
            if confirmed is not None:
                self.perform_action(plan, backend, connection.profile, confirmed.conf)
            else:
                self._action_in_flight = False

        confirm = ConfirmAction(
            plan,
            now=self.now(),
            tz=self.tz,
            production=connection.production,
            environment=environment,
            ask_conf=backend.capabilities.trigger_conf,
        )
        self.push_screen(confirm, answered)

    def _act_on_run(self, kind: ActionKind) -> None:
        """A run action on the run or task run under the cursor (run detail, grid), never a guess."""
        target: RunTarget | None = getattr(self.screen, "run_target", None)
        task = getattr(self.screen, "selected_task", None)
        if target is None or task is None:
            hint = (
                "Put the cursor on a run, or on a task that has run in it." if task else "Choose a run first."
            )
            self.notify(hint, severity="warning", timeout=5)
            return
        if kind is ActionKind.DELETE_RUN and target.task_run is not None:
            target = RunTarget(target.run)  # a delete always takes the whole run: the dialog says so
        self._action_in_flight = True
        self.prepare_run_action(kind, task, target)

    @work(group="action", exit_on_error=False)
    async def prepare_run_action(self, kind: ActionKind, task: Task, target: RunTarget) -> None:
        """Plan with the server's dry run, then confirm; a clear's dialog re-asks it as options change."""
        from tui.screens.confirm import ConfirmAction, Confirmed
        from tui.services.run_actions import plan_run_action

        backend, connection = self.backend, self.connection
        try:
            plan = await plan_run_action(kind, task, target, backend, connection.location)
        except Exception as exc:
            self._action_in_flight = False
            self.notify(describe_error(exc), title=f"Cannot {kind.value}", severity="error")
            return

        async def preview(options: ClearOptions) -> Any:
            return await plan_run_action(kind, task, target, backend, connection.location, options)

        def answered(confirmed: Confirmed | None) -> None:
            if confirmed is not None:
                self.perform_action(confirmed.plan or plan, backend, connection.profile)
            else:
                self._action_in_flight = False

        environment = f"{connection.profile} · {connection.backend} · {connection.location}"
        confirm = ConfirmAction(
            plan,
            now=self.now(),
            tz=self.tz,
            production=connection.production,
            environment=environment,
            replan=preview if kind is ActionKind.CLEAR else None,
        )
        self.push_screen(confirm, answered)

    def show_task(self, key: str) -> None:
        """Back to the task list with the cursor on ``key`` (from a dialog or the palette)."""
        from textual.widgets.data_table import RowDoesNotExist

        from tui.screens.tasks import TasksScreen
        from tui.widgets.keyed_table import KeyedTable

        while len(self.screen_stack) > 2 or not isinstance(self.screen, TasksScreen):
            if len(self.screen_stack) <= 1:
                return
            self.pop_screen()
        table = self.screen.query_one(KeyedTable)
        try:
            table.move_cursor(row=table.get_row_index(key), animate=False)
        except RowDoesNotExist:
            name = key.rsplit(".", 1)[-1]
            self.notify(
                f"{name} is hidden by the filter: clear it (escape, f) to see it.", severity="warning"
            )
            return
        table.focus()

    @work(group="action", exit_on_error=False)
    async def perform_action(self, plan, backend: Backend, profile: str, conf: dict | None = None) -> None:
        from tui.services.actions import carry_out

        try:
            result = await carry_out(
                plan,
                backend,
                journal=self.journal,
                profile=profile,
                clock=self.wall,
                conf=conf,
            )
        finally:
            self._action_in_flight = False
        title = f"{plan.title} {plan.task.name}"
        if result.ok:
            self.notify(result.message, title=title, markup=False)
        elif result.outcome_unknown:
            self.notify(
                result.message,
                title=f"{title}: outcome unknown",
                severity="warning",
                markup=False,
                timeout=20,
            )
        else:
            self.notify(result.message, title=f"{title} failed", severity="error", markup=False, timeout=15)
        if result.ok and plan.kind is ActionKind.DELETE_RUN:
            self._leave_deleted_run(plan.target.run.run_id)
        self.action_refresh()

    def _leave_deleted_run(self, run_id: str) -> None:
        """A deleted run's detail has nothing left to show: back to where it was opened from."""
        from tui.screens.run_detail import RunDetailScreen

        if isinstance(self.screen, RunDetailScreen) and self.screen.run.run_id == run_id:
            self.pop_screen()

    def action_refresh(self) -> None:
        screen = self.screen
        if hasattr(screen, "poll_now"):
            screen.poll_now()

    def action_toggle_pause(self) -> None:
        self.polling_paused = not self.polling_paused
        screen = self.screen
        if hasattr(screen, "set_paused"):
            screen.set_paused(self.polling_paused)
        self.notify("Polling paused." if self.polling_paused else "Polling resumed.", timeout=2)

    def action_toggle_absolute(self) -> None:
        self.show_absolute = not self.show_absolute
        if hasattr(self.screen, "render_rows"):
            self.screen.render_rows()
        if hasattr(self.screen, "refresh_header"):
            self.screen.refresh_header()

    def action_show_error(self) -> None:
        if hasattr(self.screen, "action_show_error"):
            self.screen.action_show_error()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, absent_rows, binding_rows

        title = getattr(self.screen, "TITLE_TEXT", "this screen")
        self.push_screen(HelpScreen(title, binding_rows(self.screen), absent_rows(self.screen)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """dagtop's commands for ``screen`` (what the palette offers, without synonyms)."""
        for command in palette_commands(screen):
            title = f"{command.title} ({command.key})" if command.key else command.title
            callback = partial(self.run_action, command.action, command.node)
            yield SystemCommand(title, f"Key: {command.key}" if command.key else "", callback)


def make_app(backend: Backend, connection: ConnectionInfo, **options: Any) -> DagtopApp:
    """The one way to build the app, in the console and in tests (options: see ``DagtopApp``)."""
    return DagtopApp(backend, connection, **options)
