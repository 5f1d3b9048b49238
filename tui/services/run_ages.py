"""How long each run has been in its current state, and how long runs of the same graph/task usually take.

A job can stay RUNNING for ever when its worker died (Taipy standalone mode, REAL_SERVERS gotcha 10): the
console must say how long it has been in that state and flag it when that is far past the usual. Backends
that give start and end times (Snowflake, Airflow) are measured by them; Taipy jobs carry no times, so the
service remembers, across polls, when it saw each run enter its state (on the wall clock: polls and the
eye live there) and learns the usual duration from the transitions it saw.

No Textual: the screens feed it what they fetched and render what it answers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.domain import GraphRun, RunState, TaskRun

# "Far too long": more than FAR_FACTOR times the usual (p95) duration, and at least FAR_FLOOR (a run
# usually done in 2 s that takes 7 s is noise, not an incident).
FAR_FACTOR = 3.0
FAR_FLOOR = timedelta(minutes=1)
SAMPLES = 50  # durations kept per graph/task: recent behaviour, bounded memory
RUNNING = (RunState.EXECUTING, RunState.RETRYING)  # the states whose length is compared with the usual


@dataclass(frozen=True)
class Age:
    """A run's time in its state. ``at_least``: dagtop first saw it already in that state (no start
    time from the server), so the real time is longer. ``usual``: the median of past durations;
    ``far_too_long``: running more than FAR_FACTOR x p95 of them (and more than FAR_FLOOR)."""

    state: str
    elapsed: timedelta
    at_least: bool = False
    usual: timedelta | None = None
    far_too_long: bool = False


@dataclass
class _Seen:
    state: RunState
    since: datetime  # wall clock: when dagtop first saw it in ``state``
    exact: bool  # dagtop saw it enter ``state`` (a transition, or a run new since the last poll)
    running_since: datetime | None = None  # wall clock: first seen running, if that was exact


class _Bounded:
    """A set that forgets its oldest members past ``size``: for a console left open for weeks."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._items: dict[tuple[str, ...], None] = {}

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def add(self, item: tuple[str, ...]) -> None:
        self._items[item] = None
        if len(self._items) > self.size:
            del self._items[next(iter(self._items))]


def _timed(run: GraphRun) -> timedelta | None:
    return run.duration() if run.completed_time is not None else None


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank (no interpolation: a few samples)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[rank]


class RunAges:
    """Remembers each run's state across polls and each graph's/task's past durations."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, ...], _Seen] = {}
        self._watched: set[tuple[str, ...]] = set()  # scopes polled before: a run new there just began
        self._timed: dict[tuple[str, ...], deque[float]] = {}  # durations the server gave (seconds)
        self._observed: dict[tuple[str, ...], deque[float]] = {}  # durations dagtop saw (seconds)
        self._counted = _Bounded()  # runs whose duration is already a sample
        self._asked: set[str] = set()  # graphs whose finished runs were fetched for their durations
        self._members: dict[tuple[str, ...], set[tuple[str, ...]]] = {}  # runs listed per scope

    # -- feeding ------------------------------------------------------------------------------------
    def observe_current(
        self, graph: str, runs: Iterable[GraphRun], wall: datetime, limit: int | None = None
    ) -> None:
        """The current (unfinished) runs of ``graph`` just fetched (asked with ``limit``). A run that was
        running at the last poll and is no longer listed has finished: the time dagtop saw it run is a
        sample; unless the list was full (a run may only have been pushed past the limit)."""
        scope = ("graph", graph)
        runs = list(runs)
        if limit is not None and len(runs) >= limit:
            for run in runs:
                self._observe(scope, ("graph", run.graph, run.run_id), scope, run.state, _timed(run), wall)
            self._watched.add(scope)
            return
        listed: set[tuple[str, ...]] = set()
        for run in runs:
            key = ("graph", run.graph, run.run_id)
            listed.add(key)
            self._observe(scope, key, ("graph", graph), run.state, _timed(run), wall)
        for key in self._members.get(scope, set()) - listed:
            seen = self._seen.pop(key, None)
            if seen is not None and seen.running_since is not None and key not in self._counted:
                self._counted.add(key)
                took = (wall - seen.running_since).total_seconds()
                self._observed.setdefault(("graph", graph), deque(maxlen=SAMPLES)).append(took)
        self._members[scope] = listed
        self._watched.add(scope)

    def observe_completed(self, runs: Iterable[GraphRun]) -> None:
        """Finished graph runs: their durations, where the server gives them, are samples."""
        for run in runs:
            timed = _timed(run)
            key = ("graph", run.graph, run.run_id)
            if timed is not None and key not in self._counted:
                self._counted.add(key)
                self._timed.setdefault(("graph", run.graph), deque(maxlen=SAMPLES)).append(
                    timed.total_seconds()
                )

    def observe_task_runs(self, graph_run: str, task_runs: Iterable[TaskRun], wall: datetime) -> None:
        """The task runs of one graph run just fetched."""
        scope = ("run", graph_run)
        for tr in task_runs:
            key = ("task", graph_run, tr.task, str(tr.map_index))
            timed = None
            if tr.started_time is not None and tr.completed_time is not None:
                timed = tr.completed_time - tr.started_time
            self._observe(scope, key, ("task", tr.task), tr.state, timed, wall)
        self._watched.add(scope)

    def _observe(
        self,
        scope: tuple[str, ...],
        key: tuple[str, ...],
        usual_key: tuple[str, ...],
        state: RunState,
        timed: timedelta | None,
        wall: datetime,
    ) -> None:
        if timed is not None and key not in self._counted:
            self._counted.add(key)
            self._timed.setdefault(usual_key, deque(maxlen=SAMPLES)).append(timed.total_seconds())
        seen = self._seen.get(key)
        if state.is_finished:
            if seen is not None and seen.running_since is not None and key not in self._counted:
                self._counted.add(key)
                took = (wall - seen.running_since).total_seconds()
                self._observed.setdefault(usual_key, deque(maxlen=SAMPLES)).append(took)
            self._seen.pop(key, None)  # a finished run has no age: forget it (bounded memory)
            return
        if seen is None:
            exact = scope in self._watched  # not there at the last poll: it entered this state since
            seen = _Seen(state, wall, exact, wall if exact and state in RUNNING else None)
            self._seen[key] = seen
            return
        if seen.state is state:
            return
        running_since = seen.running_since
        if state in RUNNING and seen.state not in RUNNING:
            running_since = wall
        elif state not in RUNNING:
            running_since = None
        self._seen[key] = _Seen(state, wall, True, running_since)

    # -- asking -------------------------------------------------------------------------------------
    def usual(self, usual_key: tuple[str, ...]) -> tuple[timedelta, timedelta] | None:
        """(median, p95) of past durations; the server's own times win over dagtop's observations
        (they are exact, and on the sandbox they run on its fast data clock, as its start times do)."""
        samples = self._timed.get(usual_key) or self._observed.get(usual_key)
        if not samples:
            return None
        return timedelta(seconds=percentile(samples, 0.5)), timedelta(seconds=percentile(samples, 0.95))

    def wants_history(self, graph: str) -> bool:
        """True once per graph while its usual duration is unknown: worth one request for its finished
        runs (a current runs list does not fetch them otherwise)."""
        if self.usual(("graph", graph)) is not None or graph in self._asked:
            return False
        self._asked.add(graph)
        return True

    def run_age(self, run: GraphRun, now: datetime, wall: datetime) -> Age | None:
        """A graph run's time in its state (None once finished, or never seen)."""
        key = ("graph", run.graph, run.run_id)
        return self._age(key, ("graph", run.graph), run.state, run.raw_state, run.started_time, now, wall)

    def task_run_age(self, tr: TaskRun, now: datetime, wall: datetime) -> Age | None:
        key = ("task", tr.graph_run, tr.task, str(tr.map_index))
        return self._age(key, ("task", tr.task), tr.state, tr.raw_state, tr.started_time, now, wall)

    def _age(
        self,
        key: tuple[str, ...],
        usual_key: tuple[str, ...],
        state: RunState,
        raw_state: str,
        started: datetime | None,
        now: datetime,
        wall: datetime,
    ) -> Age | None:
        if state.is_finished or state is RunState.SCHEDULED:
            return None  # a scheduled run is waiting for its time: "due" says how it stands
        seen = self._seen.get(key)
        word = raw_state or state.value
        if state in RUNNING and started is not None:
            elapsed, at_least = now - started, False  # the server's start time (its data clock)
        elif seen is not None and seen.state is state:
            elapsed, at_least = wall - seen.since, not seen.exact
        else:
            return None
        usual = self.usual(usual_key)
        far = False
        if usual is not None and state in RUNNING:
            far = elapsed > FAR_FLOOR and elapsed.total_seconds() > FAR_FACTOR * usual[1].total_seconds()
        return Age(word, elapsed, at_least, usual[0] if usual else None, far)
