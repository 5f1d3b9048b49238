"""The Textual app: global bindings, theme, the screen modes, and the wiring to a backend.

Built by ``make_app`` so tests get seeded sandbox data, a frozen clock and polling under their control.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
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
from tui.backends.base import (
    NO_IMPORT_ERRORS,
    Backend,
    ImportErrorsBackend,
    RunErrorsBackend,
    ScopedBackend,
    TaskRunBackend,
)
from tui.commands import DagtopCommands, TaskJump, palette_commands
from tui.config.model import NotifySettings
from tui.domain import FileImportError, GraphRun, Task, TaskRun
from tui.errors import describe_error
from tui.services.actions import ActionKind
from tui.services.inbox.acks import AckStore
from tui.services.inbox.registry import Opened, ProfileRegistry
from tui.services.inbox.service import InboxService, now_for
from tui.services.journal import ActionJournal
from tui.services.notify import Notice, Notifier
from tui.services.notify.terminal import through_tmux
from tui.services.profiles import ProfileSource
from tui.services.run_actions import run_action_absent
from tui.services.run_ages import RunAges
from tui.services.snapshots import GraphStatus
from tui.services.watch import Watcher, WatchEvent
from tui.services.why import NO_EXPLAINER
from tui.text_safety import safe_text
from tui.widgets.header import ConnectionInfo, connection_info

Clock = Callable[[], datetime]
SKEW_NOISE = timedelta(seconds=2)  # Date has whole seconds, and a response takes a while to arrive
# Import errors change only when the scheduler parses files again (Airflow: every 30 s at the
# soonest): the header's count is read at the poll's cadence, or this often if that is faster.
IMPORT_ERRORS_EVERY = 30.0


# The views of the selected task's graph, in the console's current profile.
SCREEN_VIEWS = frozenset({"open_graph", "open_runs", "open_grid", "open_log", "pick_scope", "compare", "why"})


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
        Binding("i", "open_inbox", "Inbox", show=False, id="app.inbox"),
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
        Binding("y", "handoff", "Hand off", show=False, id="app.handoff"),
        Binding("d", "compare", "Compare with last good", show=False, id="app.compare"),
        Binding("W", "why", "Why not running?", show=False, id="app.why"),
        # On a graph (its runs' outcomes) or a run (its end): told by toast, bell, desktop, hook.
        Binding("w", "toggle_watch", "Watch", show=False, id="app.watch"),
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
        acks: AckStore | None = None,
        home: str = "tasks",
        notify_settings: NotifySettings | None = None,
        recorder: Any = None,
    ) -> None:
        super().__init__()
        self.recorder = recorder  # `dagtop --record`: told of each poll (tui/services/recording.py)
        self.keymap_overrides = keymap or {}
        # Every profile, each opened once: the inbox polls them all, switching reuses the connection.
        self.registry = ProfileRegistry(
            Opened(connection.profile, backend, connection, connection.schemas), profiles, connection_info
        )
        self.home = home  # "inbox": the inbox is the first screen (more than one profile configured)
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
        self.inbox = InboxService(self.registry, acks or AckStore(None), self.wall)
        self._inbox_timer: Any = None
        # What the user watches (w), and how changes to it are told (services/watch.py, notify/).
        self.watcher = Watcher()
        self.notifier = Notifier(
            notify_settings or NotifySettings(),
            toast=self._toast_notice,
            write=lambda data: self.write_terminal(data),  # late-bound: a test may observe it
            run_hook=self._run_hook,
            hook_failed=self._hook_failed,
        )
        self._notify_timer: Any = None
        self.notify_clock: Callable[[], float] = time.monotonic  # the rate limit's clock (tests: their own)
        self._behind_tmux = bool(os.environ.get("TMUX"))  # desktop notifications need its passthrough
        self._watch_fed: dict[tuple[str, str, str], float] = {}  # when each watched graph was last read
        self._watch_timer: Any = None
        # Every status store (the task list's, the inbox's of every profile) feeds the watcher.
        self.inbox.listener_for = lambda profile, scope: self.watch_feed(
            profile, scope, now=lambda: now_for(self.inbox, profile)
        )

    @property
    def profiles(self) -> ProfileSource | None:
        return self.registry.source

    @profiles.setter
    def profiles(self, source: ProfileSource | None) -> None:
        self.registry.source = source

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

    # -- watch and notify ------------------------------------------------------------------------------
    def write_terminal(self, data: str) -> None:
        """The one place dagtop writes escape sequences of its own to the terminal (bell, OSC 9/777
        notifications), through the driver as Textual's bell and clipboard do; nothing when headless."""
        if not self.is_headless and self._driver is not None:
            self._driver.write(through_tmux(data) if self._behind_tmux else data)

    def watch_feed(
        self, profile: str | None = None, scope: str | None = None, now: Clock | None = None
    ) -> Callable[[Mapping[str, GraphStatus]], None]:
        """What a graph sweep tells its fresh statuses to (``GraphSweep(listener=...)``): of the current
        profile and scope unless named (a sweep of another profile: ``now`` on that server's clock)."""
        profile = self.connection.profile if profile is None else profile
        scope = self.connection.scope if scope is None else scope
        now = now or self.now

        def feed(statuses: Mapping[str, GraphStatus]) -> None:
            if not self.watcher.wants(profile, scope):
                return  # nothing watched there: a sweep's batch costs nothing more
            fed = time.monotonic()
            for root in self.watcher.roots(profile, scope):
                if root in statuses:
                    self._watch_fed[profile, scope, root] = fed
            self.tell(self.watcher.observe(profile, scope, statuses, now()))

        return feed

    @work(group="watch-poll", exclusive=True, exit_on_error=False)
    async def poll_watches(self) -> None:
        """Read what is watched and no screen has read lately (services/watch_poll.py), so a watch is
        told whatever screen is open; then again a poll later."""
        from tui.services.watch_poll import read_watched

        self._watch_timer = None
        interval, backend = self.connection.poll_interval, self.backend
        profile, scope = self.connection.profile, self.connection.scope
        since = time.monotonic() - 1.5 * interval
        fed = self._watch_fed
        stale = [
            r for r in self.watcher.roots(profile, scope) if fed.get((profile, scope, r), -math.inf) < since
        ]
        if self.watcher.wants(profile, scope) and not self.polling_paused:
            try:
                events = await read_watched(backend, self.watcher, profile, scope, stale, self.now())
            except Exception:  # the screens say when the server fails; the next poll tries again
                events = []
            self.tell(events)
        if self.auto_poll:
            self._watch_timer = self.set_timer(interval, self.poll_watches)

    def tell(self, events: list[WatchEvent]) -> None:
        """Hand a poll's events to the notifier; held ones are told when its interval is over."""
        if events:
            self.notifier.tell(events, self.notify_clock())
        due = self.notifier.due_in(self.notify_clock())
        if due is not None and self._notify_timer is None:
            self._notify_timer = self.set_timer(max(0.05, due), self._flush_notices)

    def _flush_notices(self) -> None:
        self._notify_timer = None
        self.notifier.flush(self.notify_clock())
        self.tell([])  # more held meanwhile: armed again

    def _toast_notice(self, notice: Notice) -> None:
        severity = cast(SeverityLevel, notice.severity)
        self.notify(notice.body, title=notice.title, severity=severity, timeout=15)

    def _run_hook(self, job: Callable[[], None]) -> None:
        self.run_worker(job, thread=True, group="notify-hook", exit_on_error=False)

    def _hook_failed(self, problem: str) -> None:
        self.call_from_thread(
            self.notify, problem, title="Notification command failed", severity="warning", timeout=15
        )

    def action_toggle_watch(self) -> None:
        from tui.screens.watching import toggle_watch

        toggle_watch(self)

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
        self.watch_import_errors()
        self.poll_watches()
        if self.home == "inbox":  # the task list comes with `1` (no poll of it while the inbox reads)
            self.action_open_inbox()
        else:
            self.push_screen(TasksScreen())

    # -- the inbox: every profile polled in the background, each at its own interval ------------------
    def start_inbox(self) -> None:
        """Poll every profile from now on (the inbox was opened, or is home, or something is watched)."""
        if self.auto_poll and self._inbox_timer is None:
            self._inbox_timer = self.set_interval(1.0, self._inbox_tick)
            self._inbox_tick()

    def _inbox_tick(self) -> None:
        if self.polling_paused:
            return
        for name in self.inbox.due():
            self.run_worker(self.inbox.poll(name), group=f"inbox-{name}", exit_on_error=False)

    def action_open_inbox(self) -> None:
        from tui.screens.inbox import InboxScreen

        self.start_inbox()
        if isinstance(self.screen, InboxScreen):
            return
        for screen in self.screen_stack:
            if isinstance(screen, InboxScreen):
                while self.screen is not screen:
                    self.pop_screen()
                return
        self.push_screen(InboxScreen())

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
        await self.registry.aclose()  # scoped copies share their parent's connection

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
        from tui.screens.tasks import TasksScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, TasksScreen):  # the inbox is home: the task list goes on top
            self.push_screen(TasksScreen())

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

    def _chosen_run(self) -> tuple[Task, GraphRun] | None:
        """The run chosen on screen with its graph's root (``chosen_run``), or None after saying why."""
        target = getattr(self.screen, "chosen_run", None)
        if target is None:
            hint = getattr(self.screen, "selection_hint", "")
            self.notify(hint or "Choose a run first (4, then a run).", severity="warning", timeout=5)
        return target

    def action_compare(self) -> None:
        """`d`: the chosen run beside the last good run of its graph (in the console's profile)."""
        from tui.screens.compare import CompareScreen

        target = self._chosen_run()
        if target is not None:
            self.push_screen(CompareScreen(*target))

    def action_handoff(self) -> None:
        """`y`: the chosen run as Markdown for the next person, copied (OSC 52) and saved."""
        target = self._chosen_run()
        if target is None:
            return
        root, run = target
        backend, connection = self.action_context()
        self.hand_off(root, run, backend, connection)

    @work(group="handoff", exclusive=True, exit_on_error=False)
    async def hand_off(self, root: Task, run: GraphRun, backend: Backend, connection: ConnectionInfo) -> None:
        from tui.locations import display_path, handoff_dir
        from tui.services.handoff import Handoff, markdown, save

        failed: list[TaskRun] = []
        try:
            if backend.capabilities.task_runs:
                runs = await cast(TaskRunBackend, backend).task_runs(root.key, run.run_id)
                failed = [task_run for task_run in runs if task_run.state.is_failure]
            if run.state.is_failure and not run.first_error_message and backend.capabilities.run_errors:
                [run] = await cast(RunErrorsBackend, backend).with_errors(root.key, [run])
        except Exception as exc:  # the summary goes out with what the run itself says
            self.notify(f"Task runs not read: {describe_error(exc)}", severity="warning", timeout=6)
        facts = Handoff(
            connection.profile,
            connection.backend,
            connection.location,
            root.qualified_name,
            run,
            failed,
            backend.ui_links(root, run),
            connection.production,
        )
        text = markdown(facts, self.now())
        self.copy_to_clipboard(text)
        try:
            path = save(text, handoff_dir(), facts, self.wall())
        except OSError as exc:
            self.notify(
                f"Copied (OSC 52), not saved: {exc.strerror or exc}", title="Hand-off", severity="warning"
            )
            return
        self.notify(f"Copied to the clipboard (OSC 52) and saved to {display_path(path)}", title="Hand-off")

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

    def action_why(self) -> None:
        """Why the selected task (or graph) did not run, or will not run next: the backend's facts."""
        from tui.screens.why import WhyScreen

        absent = self.absent_reason("why")
        if absent is not None:
            self.notify(absent, title="No explainer here", timeout=6)
            return
        task = self._selected()
        if task is None:
            self._say_nothing_selected()
            return
        if isinstance(self.screen, WhyScreen):  # W again: asks again, never stacks a second one
            self.screen.poll_now()
            return
        self.push_screen(WhyScreen(task))

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
        self.switch_profile(name)

    def switch_profile(self, name: str, scope: str = "") -> bool:
        """Make ``name`` (and ``scope`` in it) the console's profile, on a fresh task list; False (and
        why, in a toast) when it cannot be opened. Each profile is opened once: its connection stays."""
        from tui.errors import BackendError, ConfigError
        from tui.screens.tasks import TasksScreen

        try:
            opened = self.registry.open(name)
        except (ConfigError, BackendError, LookupError) as exc:
            self.notify(str(exc), title=f"Cannot open {name}", severity="error", markup=False, timeout=10)
            return False
        for warning in opened.warnings:
            self.notify(warning, severity="warning", markup=False)
        opened.warnings = []  # said once
        if opened.backend is not self.backend or name != self.connection.profile:
            self.run_ages = RunAges()  # another server: its runs and their durations are not these
            self.backend = opened.backend
            self.import_errors = None
            self.watch_import_errors()
            self.connection = cast(ConnectionInfo, opened.connection)
        if scope and scope != getattr(self.backend, "scope", scope):
            self._scope_to(scope)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(TasksScreen())
        self.notify(f"Profile: {name}" + (f" · {scope}" if scope else ""), timeout=3, markup=False)
        return True

    def go_to_problem(self, problem: Any) -> None:
        """From the inbox to the problem, in its profile: a run's detail (failed, long-running), the
        graph's detail (overdue, suspended), or a profile's error in full (cannot be read)."""
        from tui.services.inbox.problems import ProblemKind

        if problem.kind is ProblemKind.UNREACHABLE or problem.graph is None:
            title = f"{problem.where.profile} cannot be read"
            self.notify(problem.detail or problem.summary, title=title, severity="error", timeout=15)
            return
        if not self.switch_profile(problem.where.profile, problem.where.scope):
            return
        if problem.run is not None:
            self.open_run(problem.run, problem.graph)
        else:
            self.open_task_detail(problem.graph)

    def _scope_to(self, scope: str) -> None:
        from dataclasses import replace

        self.backend = cast(ScopedBackend, self.backend).with_scope(scope)  # the scopes capability
        self.connection = replace(
            self.connection, location=self.backend.location, scope=getattr(self.backend, "scope", "")
        )

    def switch_scope(self, scope: str) -> None:
        from tui.screens.tasks import TasksScreen

        self._scope_to(scope)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(TasksScreen())
        self.notify(f"Scope: {scope}", timeout=3, markup=False)

    def action_context(self) -> tuple[Backend, ConnectionInfo]:
        """Where an action goes: the profile of the row chosen (the inbox lists every profile's graphs),
        else the console's own."""
        context = getattr(self.screen, "action_context", None)
        chosen = context() if callable(context) else None
        return chosen if chosen is not None else (self.backend, self.connection)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only removes actions everywhere: keys, footer, help and the command palette; so does a
        # screen that has no task to act on (the action history). Cancel is there only while an
        # unfinished task run is chosen, on a backend that can cancel one.
        if action in SCREEN_VIEWS and not getattr(self.screen, "HAS_VIEWS", True):
            return False  # the inbox lists every profile's graphs: `enter` goes to one, in its profile
        if action != "act":
            return True
        if self.action_context()[1].read_only or not getattr(self.screen, "HAS_TARGETS", True):
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
        if action == "why" and not self.backend.capabilities.explain:
            return f"{self.connection.backend}: {NO_EXPLAINER}."
        if action != "act" or len(parameters) != 1:
            return None
        try:
            kind = ActionKind(str(parameters[0]))
        except ValueError:
            return None
        backend = self.action_context()[0]
        return backend.wording.absent_actions.get(kind) or run_action_absent(kind, backend)

    def action_act(self, kind: str) -> None:
        """Confirm, then carry out an action on the selected task of the current screen."""
        absent = self.absent_reason("act", (kind,))
        if absent is not None:
            self.notify(absent, title=f"No {kind} here", timeout=6)
            return
        if self.action_context()[1].read_only:
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

        backend, connection = self.action_context()  # the action goes where it was planned
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
