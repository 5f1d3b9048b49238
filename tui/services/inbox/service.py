"""Polling every profile for the inbox, each at its own interval and within its own request budget.

Graph statuses come from the one status store of the scale work (``GraphSweep``), shared with the task
list: a sweep the task list refreshed a moment ago is used as it is, not read twice. A profile that cannot
be read is itself a problem, keeps its last problems (marked stale) and never holds the others up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import cast

import anyio

from tui.backends.base import Backend, RunErrorsBackend, ScopedBackend
from tui.domain import GraphRun
from tui.errors import describe_error
from tui.services.freshness import Freshness
from tui.services.graph_sweep import GraphSweep
from tui.services.inbox.acks import AckStore
from tui.services.inbox.detect import find_problems, p95
from tui.services.inbox.problems import Problem, ProblemKind, Where, first_line, ranked
from tui.services.inbox.registry import Opened, ProfileRegistry
from tui.services.snapshots import GraphStatus

Clock = Callable[[], datetime]
ALL_SCHEMAS = ("all", "*")
SCOPES_EVERY = timedelta(minutes=5)  # how often "all" schemas are listed again
HISTORY_EVERY = timedelta(minutes=10)  # how often a running graph's recent durations are read again
HISTORY_RUNS = 20
HISTORY_PER_POLL = 4  # graphs whose history one poll of a profile may read
ERRORS_PER_POLL = 8  # failed runs whose error one poll of a profile may read (where that costs a request)
FRESH_SHARE = 0.8  # a sweep refreshed within this share of the interval is used as it is


@dataclass
class ProfileState:
    """What the inbox knows about one profile."""

    name: str
    freshness: Freshness
    opened: Opened | None = None
    problems: list[Problem] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    scopes_read: datetime | None = None
    in_flight: bool = False
    graphs: int = 0
    # (scope, root) -> (p95 of recent durations or None, when read)
    history: dict[tuple[str, str], tuple[timedelta | None, datetime]] = field(default_factory=dict)
    scoped: dict[str, Backend] = field(default_factory=dict)  # scope -> backend looking at it
    errors: dict[str, GraphRun] = field(default_factory=dict)  # run id -> the run with its error read
    # scope -> root -> when its status was read, on the server's clock (read by the task list: unknown)
    read_at: dict[str, dict[str, datetime]] = field(default_factory=dict)


class InboxService:
    def __init__(self, registry: ProfileRegistry, acks: AckStore, wall: Clock) -> None:
        self.registry = registry
        self.acks = acks
        self.wall = wall
        self.states: dict[str, ProfileState] = {}
        self._sweeps: dict[tuple[str, str], GraphSweep] = {}
        self.listeners: list[Callable[[str], None]] = []  # called with a profile's name after its poll
        # What each store tells its fresh statuses to (the app's watcher), by profile and scope.
        self.listener_for: Callable[[str, str], Callable[[Mapping[str, GraphStatus]], None]] | None = None

    # -- the status store, shared with the task list ---------------------------------------------------
    def sweep_for(self, profile: str, scope: str) -> GraphSweep:
        if (profile, scope) not in self._sweeps:
            listener = self.listener_for(profile, scope) if self.listener_for is not None else None
            self._sweeps[profile, scope] = GraphSweep(listener=listener)
        return self._sweeps[profile, scope]

    # -- what to poll --------------------------------------------------------------------------------
    def state(self, name: str) -> ProfileState:
        if name not in self.states:
            self.states[name] = ProfileState(name, Freshness(interval=5.0))
        return self.states[name]

    def due(self) -> list[str]:
        """Profiles whose next poll is due and that are not being polled."""
        now = self.wall()
        out = []
        for name in self.registry.names():
            state = self.state(name)
            if state.in_flight or state.freshness.paused:
                continue
            if state.freshness.next_poll_at is None or state.freshness.next_poll_at <= now:
                out.append(name)
        return out

    async def poll_all(self, *, force: bool = False) -> None:
        """Every profile once, side by side; ``force`` (ctrl+r): every status read again now, also what
        the task list read a moment ago."""
        async with anyio.create_task_group() as group:
            for name in self.registry.names():
                group.start_soon(partial(self.poll, name, force=force))

    async def poll(self, name: str, *, force: bool = False) -> None:
        """One poll of profile ``name``: its problems, or why it cannot be read."""
        state = self.state(name)
        if state.in_flight:
            return
        state.in_flight = True
        started = self.wall()
        state.freshness.polling(started)
        retry_after = None
        try:
            opened = state.opened or self.registry.open(name)
            state.opened = opened
            state.freshness.interval = getattr(opened.connection, "poll_interval", 5.0)
            with anyio.fail_after(_poll_limit(opened)):
                problems, graphs = await self._read(state, opened, force)
        except Exception as group:  # any failure is this profile's row, never a crash
            exc = _first_error(group)
            retry_after = getattr(exc, "retry_after", None)
            message = describe_error(exc) if not isinstance(exc, TimeoutError) else "no answer in time"
            state.freshness.failed(self.wall(), message, retry_after)
            state.problems = [_unreachable(name, state, message), *_stale(state.problems)]
        else:
            state.freshness.succeeded(self.wall())
            state.problems, state.graphs = problems, graphs
        finally:
            state.in_flight = False
            state.freshness.next_poll_at = self.wall() + timedelta(
                seconds=state.freshness.next_delay(retry_after)
            )
        for listener in list(self.listeners):
            listener(name)

    async def _read(self, state: ProfileState, opened: Opened, force: bool) -> tuple[list[Problem], int]:
        """Every scope of the profile side by side (their requests share the profile's budget)."""
        found: dict[str, tuple[list[Problem], int]] = {}

        async def one(scope: str, backend: Backend) -> None:
            found[scope] = await self._read_scope(state, opened, scope, backend, force)

        scopes = await self._scopes(state, opened)
        async with anyio.create_task_group() as group:
            for scope, backend in scopes:
                group.start_soon(one, scope, backend)
        problems = [p for scope, _ in scopes for p in found[scope][0]]
        return problems, sum(count for _, count in found.values())

    async def _read_scope(
        self, state: ProfileState, opened: Opened, scope: str, backend: Backend, force: bool = False
    ) -> tuple[list[Problem], int]:
        tasks = await backend.list_tasks()
        roots = [t.key for t in tasks if t.is_root]
        sweep = self.sweep_for(opened.name, scope)
        interval = state.freshness.interval
        recent = (
            not force
            and sweep.refreshed_at is not None
            and ((self.wall() - sweep.refreshed_at).total_seconds() < interval * FRESH_SHARE)
        )
        if not recent:
            # The first look reads only each graph's latest completed run: failures on screen in half
            # the requests; what runs now and next comes with the next poll.
            first = sweep.refreshed_at is None
            before, started = dict(sweep.checked), server_now(backend, self.wall)
            await sweep.refresh(backend, roots, [], self.wall, interval, with_current=not first)
            read = state.read_at.setdefault(scope, {})
            read.update({r: started for r, when in sweep.checked.items() if before.get(r) != when})
        p95s = await self._usual_durations(state, scope, backend, sweep)
        statuses = await self._with_errors(state, backend, sweep.statuses)
        where = _where(opened, scope)
        now = server_now(backend, self.wall)
        as_of = state.read_at.get(scope, {})
        return find_problems(where, tasks, statuses, p95s, now, as_of=as_of), len(roots)

    async def _with_errors(
        self, state: ProfileState, backend: Backend, statuses: Mapping[str, GraphStatus]
    ) -> Mapping[str, GraphStatus]:
        """Failed runs with their error, where a backend reads it somewhere costly (an Airflow task's
        log): read once per run, a few per poll, so the row can show the error's first line."""
        if not backend.capabilities.run_errors:
            return statuses
        out = dict(statuses)
        asked = 0
        for root, status in statuses.items():
            last = status.last
            if last is None or not last.state.is_failure or last.first_error_message:
                continue
            known = state.errors.get(last.run_id)
            if known is None and asked < ERRORS_PER_POLL:
                asked += 1
                try:
                    [known] = await cast(RunErrorsBackend, backend).with_errors(root, [last])
                except Exception:  # the row says "run failed" without the message: nothing else lost
                    known = last
                state.errors[last.run_id] = known
            if known is not None:
                out[root] = replace(status, last=known)
        return out

    async def _scopes(self, state: ProfileState, opened: Opened) -> list[tuple[str, Backend]]:
        """The scopes this profile covers, each with a backend looking at it."""
        backend = opened.backend
        if not backend.capabilities.scopes:
            return [("", backend)]
        scoped = cast(ScopedBackend, backend)
        wanted = [s for s in opened.schemas if s.lower() not in ALL_SCHEMAS]
        if any(s.lower() in ALL_SCHEMAS for s in opened.schemas):
            now = self.wall()
            if state.scopes_read is None or now - state.scopes_read > SCOPES_EVERY:
                state.scopes = await backend.list_scopes()
                state.scopes_read = now
            wanted = state.scopes
        names = list(dict.fromkeys([scoped.scope, *(s.upper() for s in wanted)]))
        return [(name, self._scoped(state, opened, name)) for name in names]

    def _scoped(self, state: ProfileState, opened: Opened, scope: str) -> Backend:
        """The profile's backend looking at ``scope`` (one per scope, sharing the connection)."""
        backend = opened.backend
        if not scope or scope == getattr(backend, "scope", scope):
            return backend
        if scope not in state.scoped:
            state.scoped[scope] = cast(ScopedBackend, backend).with_scope(scope)
        return state.scoped[scope]

    def target(self, profile: str, scope: str) -> tuple[Backend, object] | None:
        """Where an action on a problem of ``profile`` in ``scope`` goes: its backend and connection."""
        state = self.states.get(profile)
        if state is None or state.opened is None:
            return None
        backend = self._scoped(state, state.opened, scope)
        connection = state.opened.connection
        if backend is not state.opened.backend:
            connection = replace(connection, location=backend.location, scope=scope)  # type: ignore[type-var]
        return backend, connection

    async def _usual_durations(
        self, state: ProfileState, scope: str, backend: Backend, sweep: GraphSweep
    ) -> dict[str, timedelta]:
        """The p95 duration of each running graph's recent runs (read at most every HISTORY_EVERY)."""
        now = self.wall()
        running = [root for root, status in sweep.statuses.items() if status.current is not None]
        stale = [
            r
            for r in running
            if now - state.history.get((scope, r), (None, now - HISTORY_EVERY * 2))[1] > HISTORY_EVERY
        ]
        for root in stale[:HISTORY_PER_POLL]:
            try:
                runs = await backend.completed_runs(root, limit=HISTORY_RUNS)
            except Exception:  # no history: no "long-running" judgement, nothing else lost
                runs = []
            durations = [
                d for d in (run.duration() for run in runs if not run.state.is_failure) if d is not None
            ]
            state.history[(scope, root)] = (p95(durations), now)
        out = {}
        for root in running:
            usual = state.history.get((scope, root), (None, now))[0]
            if usual is not None:
                out[root] = usual
        return out

    # -- what the inbox shows ------------------------------------------------------------------------
    def problems(self, *, acknowledged: bool = False) -> list[Problem]:
        """Every profile's problems, ranked; without the acknowledged ones unless asked."""
        every = [p for name in self.registry.names() for p in self.state(name).problems]
        if not acknowledged:
            every = [p for p in every if not self.acks.is_acked(p)]
        return ranked(every)

    def acknowledged_count(self) -> int:
        return sum(
            1 for name in self.registry.names() for p in self.state(name).problems if self.acks.is_acked(p)
        )

    def stale_profiles(self) -> list[str]:
        now = self.wall()
        return [
            name
            for name in self.registry.names()
            if self.state(name).freshness.stale_at(now) or self.state(name).freshness.last_success is None
        ]

    def summary(self) -> str:
        """``3 profiles · 1 stale``: for the header."""
        names = self.registry.names()
        stale = len(self.stale_profiles())
        words = f"{len(names)} profile{'s' if len(names) != 1 else ''}"
        return f"{words} · {stale} stale" if stale else words


def server_now(backend: Backend, fallback: Clock) -> datetime:
    """Now on ``backend``'s server clock (its Date headers), for judging its run and schedule times."""
    clock = getattr(backend, "server_clock", None)
    if clock is not None and clock.offset is not None:
        return clock.local_clock() + clock.offset
    return fallback()


def _poll_limit(opened: Opened) -> float:
    """How long one poll of a profile may take before it counts as no answer."""
    timeout = getattr(getattr(opened.backend, "http", None), "settings", None)
    return max(60.0, 3 * float(getattr(timeout, "call_timeout", 30.0)))


def _where(opened: Opened, scope: str) -> Where:
    connection = opened.connection
    return Where(
        opened.name,
        getattr(connection, "backend", opened.backend.kind),
        getattr(connection, "production", False),
        scope,
    )


def _unreachable(name: str, state: ProfileState, message: str) -> Problem:
    opened = state.opened
    where = _where(opened, "") if opened is not None else Where(name, "?")
    since = state.freshness.failing_since
    return Problem(
        ProblemKind.UNREACHABLE,
        where,
        f"cannot be read: {_cause(first_line(message))}",
        since=since,
        detail=message,
        fingerprint=first_line(message),
    )


def _first_error(exc: BaseException) -> BaseException:
    """The first real error inside an exception group (the scopes are read side by side)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _cause(message: str) -> str:
    """What went wrong, without the request it went wrong on (``GET /api/v2/...: could not connect``)."""
    return re.sub(r"^(GET|POST|PUT|PATCH|DELETE) \S+: ", "", message)


def _stale(problems: list[Problem]) -> list[Problem]:
    """The last good poll's problems, marked as not current (the unreachable row itself goes)."""
    return [replace(p, stale=True) for p in problems if p.kind is not ProblemKind.UNREACHABLE]


def now_for(service: InboxService, profile: str) -> datetime:
    """Now on ``profile``'s server clock (its problems' times are on it)."""
    opened = service.registry.get(profile)
    return server_now(opened.backend, service.wall) if opened is not None else service.wall()
