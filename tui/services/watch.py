"""What the user watches (``w``) and the changes a poll brings to it: pure, no Textual.

A watch names its target by profile, so one list serves every screen and the inbox's pollers:

- a graph: profile + scope + graph root: told when a run of it fails, succeeds or ends otherwise, and
  when its scheduled time passes with nothing started (overdue);
- a run: profile + scope + graph root + run id: told once, when that run finishes; then it is gone;
- a whole profile (optionally one scope): told of every *new* failure in it.

``observe`` takes a poll's graph statuses (services/snapshots.py ``GraphStatus``), compares each with
the previous one it kept, and returns the events. The first status seen of a graph is only a
baseline: watching a graph whose last run failed an hour ago tells nothing until something changes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.domain import GraphRun, RunState
from tui.services.snapshots import GraphStatus

# A scheduled time this far in the past with nothing started is overdue: schedulers start a run a
# few seconds late as a matter of course.
OVERDUE_GRACE = timedelta(minutes=1)


class EventKind(enum.StrEnum):
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    OVERDUE = "overdue"
    FINISHED = "finished"  # a run ended some other way (skipped, ...), or a watched run ended


@dataclass(frozen=True)
class WatchTarget:
    """What is watched. ``scope`` None: every scope of the profile; ``root`` None: every graph."""

    profile: str
    scope: str | None = None
    root: str | None = None
    run_id: str | None = None

    @classmethod
    def graph(cls, profile: str, scope: str, root: str) -> WatchTarget:
        return cls(profile, scope, root)

    @classmethod
    def run(cls, profile: str, scope: str, root: str, run_id: str) -> WatchTarget:
        return cls(profile, scope, root, run_id)

    @classmethod
    def whole_profile(cls, profile: str, scope: str | None = None) -> WatchTarget:
        return cls(profile, scope)

    @property
    def kind(self) -> str:
        """``graph``, ``run`` or ``profile``."""
        if self.root is None:
            return "profile"
        return "graph" if self.run_id is None else "run"

    def covers(self, profile: str, scope: str, root: str) -> bool:
        """Whether a status of ``root`` (in ``profile``/``scope``) concerns this watch."""
        if profile != self.profile or (self.scope is not None and scope != self.scope):
            return False
        return self.root is None or self.root == root


@dataclass(frozen=True)
class WatchEvent:
    """One change to tell. Every text field may be server text: made inert where it is shown."""

    kind: EventKind
    profile: str
    scope: str
    root: str
    name: str  # the graph's name as the user knows it (a Qlik key is an id)
    run_id: str = ""
    state: str = ""  # the run's state in the server's word where it has one
    when: datetime | None = None  # the run's end; for overdue, the time it was due
    error_task: str = ""
    error: str = ""  # the first line of the first error

    @property
    def key(self) -> tuple[str, ...]:
        """The same change has the same key, however many polls (or watches) see it: a run ends once,
        a scheduled time is overdue once."""
        if self.kind is EventKind.OVERDUE:
            due = self.when.isoformat() if self.when else ""
            return ("overdue", self.profile, self.scope, self.root, due)
        return ("run", self.profile, self.scope, self.root, self.run_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "profile": self.profile,
            "scope": self.scope,
            "graph": self.root,
            "name": self.name,
            "run_id": self.run_id,
            "state": self.state,
            "when": self.when.isoformat() if self.when else None,
            "error_task": self.error_task,
            "error": self.error,
        }


def _first_line(text: str | None) -> str:
    lines = [line for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
    return lines[0].strip() if lines else ""


def run_event(kind: EventKind, profile: str, scope: str, name: str, run: GraphRun) -> WatchEvent:
    return WatchEvent(
        kind,
        profile,
        scope,
        run.graph,
        name,
        run_id=run.run_id,
        state=run.raw_state or run.state.value,
        when=run.completed_time,
        error_task=(run.first_error_task or "").rsplit(".", 1)[-1],
        error=_first_line(run.first_error_message),
    )


def outcome_kind(state: RunState) -> EventKind:
    if state.is_failure:
        return EventKind.FAILED
    return EventKind.SUCCEEDED if state is RunState.SUCCEEDED else EventKind.FINISHED


def _newer(run: GraphRun, before: GraphRun | None) -> bool:
    """Whether ``run`` is a run completed since ``before`` (not the same one, nor an older one a
    slower poll brought back)."""
    if before is None:
        return True
    if run.run_id == before.run_id:
        return False
    if run.completed_time and before.completed_time:
        return run.completed_time > before.completed_time
    return True


class Watcher:
    """The watch list and the last status of each watched graph."""

    def __init__(self, grace: timedelta = OVERDUE_GRACE) -> None:
        self.grace = grace
        self._watches: dict[WatchTarget, str] = {}  # target -> its name as shown
        self._previous: dict[tuple[str, str, str], GraphStatus] = {}
        self._overdue: dict[tuple[str, str, str], datetime] = {}  # the due time last told overdue

    # -- the list ---------------------------------------------------------------------------------
    def watch(self, target: WatchTarget, name: str = "", baseline: GraphStatus | None = None) -> None:
        """Watch ``target``; ``baseline``: its graph's status now, if known (else the next poll's)."""
        self._watches[target] = name or (target.root or target.profile).rsplit(".", 1)[-1]
        if target.root is not None and target.run_id is None:
            # What was kept from an earlier watch is old: what changed since is not news.
            key = (target.profile, target.scope or "", target.root)
            if baseline is not None:
                self._previous[key] = baseline
            else:
                self._previous.pop(key, None)

    def unwatch(self, target: WatchTarget) -> None:
        self._watches.pop(target, None)

    def toggle(self, target: WatchTarget, name: str = "", baseline: GraphStatus | None = None) -> bool:
        """Watch or stop watching; True when now watched."""
        if target in self._watches:
            self.unwatch(target)
            return False
        self.watch(target, name, baseline)
        return True

    def is_watching(self, target: WatchTarget) -> bool:
        return target in self._watches

    def targets(self) -> dict[WatchTarget, str]:
        return dict(self._watches)

    def roots(self, profile: str, scope: str) -> list[str]:
        """The graphs watched by name in ``profile``/``scope``: a sweep checks them every poll."""
        return list(
            dict.fromkeys(
                t.root
                for t in self._watches
                if t.root is not None and t.profile == profile and t.scope in (None, scope)
            )
        )

    def runs(self, profile: str, scope: str) -> list[tuple[str, str]]:
        """The runs watched in ``profile``/``scope``: (graph root, run id)."""
        return [
            (t.root, t.run_id)
            for t in self._watches
            if t.root is not None
            and t.run_id is not None
            and t.profile == profile
            and t.scope in (None, scope)
        ]

    def wants(self, profile: str, scope: str) -> bool:
        """Whether anything is watched in ``profile``/``scope`` (a poll with nothing to observe is free)."""
        return any(t.profile == profile and t.scope in (None, scope) for t in self._watches)

    # -- changes ----------------------------------------------------------------------------------
    def observe(
        self, profile: str, scope: str, statuses: Mapping[str, GraphStatus], now: datetime
    ) -> list[WatchEvent]:
        """The events in one poll's ``statuses`` (root -> status) of ``profile``/``scope``."""
        if not self.wants(profile, scope):
            return []
        targets = [t for t in self._watches if t.profile == profile and t.scope in (None, scope)]
        everything = [t for t in targets if t.root is None]
        named: dict[str, list[WatchTarget]] = {}
        for target in targets:
            if target.root is not None:
                named.setdefault(target.root, []).append(target)
        roots: Iterable[str] = statuses if everything else [r for r in named if r in statuses]
        events: dict[tuple[str, ...], WatchEvent] = {}
        for root in roots:
            for event in self._changes(profile, scope, root, statuses[root], named.get(root, []), now):
                events.setdefault(event.key, event)
            if everything:
                for event in self._new_failure(profile, scope, root, statuses[root], everything):
                    events.setdefault(event.key, event)
            self._remember(profile, scope, root, statuses[root])
        return list(events.values())

    def observe_run(self, profile: str, scope: str, run: GraphRun) -> list[WatchEvent]:
        """A run seen by a screen of its own (run detail): its end, if that run is watched."""
        target = WatchTarget.run(profile, scope, run.graph, run.run_id)
        if target not in self._watches or not run.state.is_finished:
            return []
        name = self._watches.pop(target)
        return [run_event(EventKind.FINISHED, profile, scope, name, run)]

    def _remember(self, profile: str, scope: str, root: str, status: GraphStatus) -> None:
        key = (profile, scope, root)
        before = self._previous.get(key)
        old, new = before.last if before else None, status.last
        if old is not None and new is not None and new.run_id != old.run_id and not _newer(new, old):
            return  # an older answer than the one kept (a slower poll): keep the newer
        self._previous[key] = status

    def _changes(
        self,
        profile: str,
        scope: str,
        root: str,
        status: GraphStatus,
        targets: list[WatchTarget],
        now: datetime,
    ) -> list[WatchEvent]:
        events: list[WatchEvent] = []
        before = self._previous.get((profile, scope, root))
        last = status.last
        for target in targets:
            name = self._watches[target]
            if target.run_id is not None:
                if last is not None and last.run_id == target.run_id:
                    self._watches.pop(target, None)  # told once: the run is over
                    events.append(run_event(EventKind.FINISHED, profile, scope, name, last))
                continue
            if before is not None and last is not None and _newer(last, before.last):
                events.append(run_event(outcome_kind(last.state), profile, scope, name, last))
            overdue = self._overdue_event(profile, scope, root, name, status, now)
            if overdue is not None and before is not None:  # overdue already when watched: a baseline
                events.append(overdue)
        return events

    def _overdue_event(
        self, profile: str, scope: str, root: str, name: str, status: GraphStatus, now: datetime
    ) -> WatchEvent | None:
        due = status.next_time
        if due is None or status.current is not None or now - due < self.grace:
            return None
        key = (profile, scope, root)
        if self._overdue.get(key) == due:
            return None  # told already: overdue once per scheduled time
        self._overdue[key] = due
        return WatchEvent(EventKind.OVERDUE, profile, scope, root, name, when=due, state="not started")

    def _new_failure(
        self, profile: str, scope: str, root: str, status: GraphStatus, targets: list[WatchTarget]
    ) -> list[WatchEvent]:
        before = self._previous.get((profile, scope, root))
        last = status.last
        if before is None or last is None or not last.state.is_failure or not _newer(last, before.last):
            return []
        name = root.rsplit(".", 1)[-1]
        return [run_event(EventKind.FAILED, profile, scope, name, last)]
